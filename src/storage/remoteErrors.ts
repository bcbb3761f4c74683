/**
 * One-line REMOTE_ERROR messages shared by the cloud backends. Every message names the remote and
 * its URL and says what to check; none contains a secret (configured secret values are redacted from
 * anything that comes from an SDK, and SDK errors are not attached as `cause`, since they can carry
 * request/response details).
 */
import { DvxError } from "../errors.js";
import { httpStatusOf, sysCodeOf } from "./retry.js";

export interface RemoteContext {
  name: string;
  url: string;
  /** Endpoint for messages (userinfo stripped), when one is configured. */
  endpoint?: string;
  /** Configured secret values to scrub from any text taken from an SDK. */
  secrets: string[];
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}

/** `http://user:pass@host:9000/x` -> `http://host:9000/x` */
export function safeEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return endpoint.replace(/\/\/[^@/]*@/, "//");
  }
}

export function remoteError(
  ctx: RemoteContext,
  problem: string,
  data: Record<string, unknown> = {},
  hint?: string,
): DvxError {
  const msg = `remote '${ctx.name}' (${ctx.url}): ${redact(problem, ctx.secrets)}`;
  return new DvxError("REMOTE_ERROR", msg, {
    data: { remote: ctx.name, url: ctx.url, ...data },
    ...(hint ? { hint } : {}),
  });
}

/** Network-level failures common to every HTTP backend; undefined if `e` is not one. */
export function networkProblem(ctx: RemoteContext, e: unknown, target: string): string | undefined {
  const code = sysCodeOf(e);
  const where = ctx.endpoint ? `endpoint ${ctx.endpoint}` : target;
  if (code === "ECONNREFUSED") return `connection refused by ${where} (check the endpointurl and that the server is running)`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `cannot resolve the host of ${where} (check the endpointurl and your network/DNS)`;
  if (code === "ECONNRESET" || code === "EPIPE") return `connection to ${where} was reset (network trouble or server overload; retried)`;
  if (code === "CERT_HAS_EXPIRED" || code === "DEPTH_ZERO_SELF_SIGNED_CERT" || code === "SELF_SIGNED_CERT_IN_CHAIN" || code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE")
    return `TLS certificate of ${where} not trusted (${code}; check ssl_verify or the CA bundle)`;
  const name = (e as { name?: unknown })?.name;
  if (code === "ETIMEDOUT" || name === "TimeoutError")
    return `timed out talking to ${where} (check the network; read_timeout/connect_timeout can be raised)`;
  return undefined;
}

/** A short, redacted description of an unexpected SDK error: `Name (HTTP 400): message`. */
export function describeSdkError(ctx: RemoteContext, e: unknown): string {
  const o = e as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown };
  const name = typeof o?.Code === "string" ? o.Code : typeof o?.name === "string" ? o.name : "Error";
  const status = httpStatusOf(e);
  const code = sysCodeOf(e);
  const msg = String(o?.message ?? e ?? "").split("\n")[0]!.slice(0, 300);
  const head = [name, status !== undefined ? `HTTP ${status}` : undefined, code && code !== name ? code : undefined]
    .filter(Boolean)
    .join(", ");
  return redact(msg && msg !== name ? `${head}: ${msg}` : head, ctx.secrets);
}
