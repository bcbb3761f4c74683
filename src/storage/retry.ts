/**
 * Retries for remote requests: exponential backoff with full jitter (delay = random(0,
 * min(maxDelayMs, baseDelayMs * 2^attempt))), a bounded number of attempts (default 5).
 *
 * Retried: throttling (S3 503 SlowDown, 429, "Throttling"/"RequestLimitExceeded"), 5xx, 408 and S3
 * "RequestTimeout", connection resets and timeouts (ECONNRESET, ETIMEDOUT, EPIPE, socket hang up,
 * SDK TimeoutError, EAI_AGAIN). Never retried: other 4xx (auth, missing bucket, bad request), an
 * aborted operation, a DvxError (already a final, mapped error), and ECONNREFUSED/ENOTFOUND (a wrong
 * endpoint fails fast with a clear message rather than after a minute of backoff).
 *
 * The cloud SDKs' own retry layers are switched off (S3 maxAttempts 1, GCS autoRetry false) so
 * there is exactly one policy, and so every attempt re-opens its request body (a file stream cannot
 * be rewound by an SDK).
 */
import { DvxError } from "../errors.js";

export interface RetryPolicy {
  /** Total attempts including the first one. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 };

const RETRY_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ECONNABORTED",
  "EAI_AGAIN",
  "ENETRESET",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

const RETRY_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "InternalError",
  "ServiceUnavailable",
  "OperationAborted", // S3: a conflicting conditional operation is in progress
]);

/** HTTP status of an SDK error (S3 `$metadata`, GCS ApiError `code`, gaxios `response.status`). */
export function httpStatusOf(e: unknown): number | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as Record<string, unknown> & {
    $metadata?: { httpStatusCode?: number };
    response?: { status?: number; statusCode?: number };
  };
  if (typeof o.$metadata?.httpStatusCode === "number") return o.$metadata.httpStatusCode;
  if (typeof o.code === "number") return o.code;
  if (typeof o.status === "number") return o.status;
  if (typeof o.statusCode === "number") return o.statusCode;
  if (typeof o.response?.status === "number") return o.response.status;
  if (typeof o.response?.statusCode === "number") return o.response.statusCode;
  return undefined;
}

/** The system error code (ECONNRESET...) of an error or of its cause chain. */
export function sysCodeOf(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const o = cur as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof o.code === "string" && /^[A-Z_]+$/.test(o.code)) return o.code;
    if (Array.isArray(o.errors) && o.errors.length > 0) cur = o.errors[0];
    else cur = o.cause;
  }
  return undefined;
}

export function isRetryableError(e: unknown): boolean {
  if (e instanceof DvxError) return false;
  if (typeof e !== "object" || e === null) return false;
  const name = (e as { name?: unknown }).name;
  if (name === "AbortError") return false;
  const code = sysCodeOf(e);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND") return false;
  if (code !== undefined && RETRY_CODES.has(code)) return true;
  if (typeof name === "string" && RETRY_NAMES.has(name)) return true;
  const status = httpStatusOf(e);
  if (status !== undefined) return status === 429 || status === 408 || (status >= 500 && status <= 599);
  const msg = String((e as { message?: unknown }).message ?? "");
  return /socket hang up|ECONNRESET|network timeout|timed? ?out/i.test(msg);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): DvxError {
  const reason = signal.reason instanceof Error ? signal.reason.message : undefined;
  return new DvxError("ABORTED", reason ? `operation cancelled: ${reason}` : "operation cancelled");
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  isRetryable?: (e: unknown) => boolean;
  signal?: AbortSignal;
  /** Called before each backoff sleep (attempt = the attempt that just failed, 1-based). */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
  const retryable = opts.isRetryable ?? isRetryableError;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.attempts || !retryable(e) || opts.signal?.aborted) throw e;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.floor(Math.random() * cap);
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
