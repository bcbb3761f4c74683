/**
 * A fault-injecting HTTP reverse proxy on loopback, in the test process, for putting in front of
 * MinIO (S3) or fake-gcs-server (GCS): point a remote's `endpointurl` at `proxy.url` and every
 * request of dvx goes through it.
 *
 * Per request, one fault is drawn from a seeded PRNG (mulberry32: the same seed gives the same
 * sequence of decisions, although concurrent requests may arrive in a different order):
 *   - "503"        503 SlowDown (S3 XML / GCS JSON body), request body drained, nothing forwarded;
 *   - "500"        500 InternalError, likewise;
 *   - "reset"      the client connection is destroyed before anything is forwarded;
 *   - "truncReq"   the first part of the request body is forwarded, then both connections are
 *                  destroyed (the server sees a short upload; a PUT must not be stored);
 *   - "resetResp"  forwarded; the response is cut mid-body (headers and part of the body sent,
 *                  then the connection destroyed); a response without body is not sent at all
 *                  (the server did the work, the client sees a reset: e.g. a PUT that landed);
 *   - "corrupt"    (object downloads only) forwarded; one byte of the response body is flipped,
 *                  length unchanged (what a checksum, not the transport, must catch);
 * and independently of those, "latency": a random delay before the request is handled.
 *
 * Headers (including Host, which S3 signatures cover) are forwarded verbatim.
 */
import { once } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type FaultKind = "503" | "500" | "reset" | "truncReq" | "resetResp" | "corrupt";
export const FAULT_KINDS: readonly FaultKind[] = ["503", "500", "reset", "truncReq", "resetResp", "corrupt"];

export interface FaultRates {
  /** Probability per request of each fault (they are exclusive; the sum should stay below 1). */
  "503"?: number;
  "500"?: number;
  reset?: number;
  truncReq?: number;
  resetResp?: number;
  corrupt?: number;
  /** Probability per request of an added delay, and its range in ms. */
  latency?: number;
  latencyMs?: [number, number];
}

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. http://127.0.0.1:9000 */
  target: string;
  seed: number;
  rates: FaultRates;
  /** Error body flavour for 500/503. */
  flavor: "s3" | "gcs";
  /** Which requests may be faulted (default: all). */
  eligible?: (req: http.IncomingMessage) => boolean;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Requests seen, and faults injected by kind (latency counted apart). */
  readonly stats: { requests: number; faults: Record<FaultKind, number>; latency: number; byMethod: Record<string, number> };
  /** Total faults injected (latency not included). */
  injected(): number;
  setRates(rates: FaultRates): void;
  resetStats(): void;
  close(): Promise<void>;
}

/** mulberry32: tiny, seedable, good enough to spread faults. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function errorBody(flavor: "s3" | "gcs", status: number, path: string): { type: string; body: string } {
  if (flavor === "gcs") {
    const reason = status === 503 ? "backendError" : "internalError";
    return {
      type: "application/json; charset=UTF-8",
      body: JSON.stringify({ error: { code: status, message: status === 503 ? "Backend Error" : "Internal Error", errors: [{ reason, message: "injected" }] } }),
    };
  }
  const code = status === 503 ? "SlowDown" : "InternalError";
  const msg = status === 503 ? "Please reduce your request rate." : "We encountered an internal error. Please try again.";
  return {
    type: "application/xml",
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${msg}</Message><Resource>${path.replace(/[<&>]/g, "")}</Resource><RequestId>injected</RequestId></Error>`,
  };
}

/** Object-data downloads (where a flipped byte can only be caught by the content hash). */
export function isObjectDownload(req: http.IncomingMessage): boolean {
  if (req.method !== "GET") return false;
  const url = req.url ?? "";
  if (url.includes("alt=media") || url.startsWith("/download/")) return true; // GCS media
  if (url.startsWith("/storage/v1/")) return false; // GCS JSON API (metadata, listings)
  const q = url.indexOf("?");
  const query = q < 0 ? "" : url.slice(q + 1);
  const path = q < 0 ? url : url.slice(0, q);
  // S3 path style: /bucket/key... (a GET on /bucket or with list/location/... queries is not an object)
  return path.split("/").filter(Boolean).length >= 2 && !/(^|&)(list-type|location|uploads|versioning|acl|tagging)=?/.test(query);
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const rand = prng(opts.seed);
  let rates: FaultRates = { ...opts.rates };
  const stats = {
    requests: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    latency: 0,
    byMethod: {} as Record<string, number>,
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<import("node:net").Socket>();

  const draw = (req: http.IncomingMessage): FaultKind | undefined => {
    const r = rand();
    let acc = 0;
    for (const k of FAULT_KINDS) {
      const p = rates[k] ?? 0;
      if (k === "corrupt" && !isObjectDownload(req)) {
        acc += p; // keep the decision sequence aligned; corrupt only applies to downloads
        if (r < acc) return undefined;
        continue;
      }
      acc += p;
      if (r < acc) return k;
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      req.socket.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    stats.requests++;
    stats.byMethod[req.method ?? "?"] = (stats.byMethod[req.method ?? "?"] ?? 0) + 1;
    const ok = opts.eligible ? opts.eligible(req) : true;
    const lat = ok ? rand() : 1;
    const fault = ok ? draw(req) : undefined;
    if (ok && lat < (rates.latency ?? 0)) {
      const [lo, hi] = rates.latencyMs ?? [20, 200];
      stats.latency++;
      await new Promise((r) => setTimeout(r, lo + Math.floor(rand() * (hi - lo))));
    }
    if (fault === "503" || fault === "500") {
      stats.faults[fault]++;
      req.resume();
      await once(req, "end").catch(() => {});
      const status = Number(fault);
      const { type, body } = errorBody(opts.flavor, status, req.url ?? "/");
      const headers: http.OutgoingHttpHeaders = { "content-type": type, "content-length": Buffer.byteLength(body) };
      if (status === 503) headers["retry-after"] = "0";
      res.writeHead(status, headers);
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (fault === "reset") {
      stats.faults.reset++;
      req.socket.destroy();
      return;
    }
    forward(req, res, fault);
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, fault: FaultKind | undefined): void {
    const up = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    });
    const kill = (): void => {
      up.destroy();
      req.socket.destroy();
    };
    up.on("error", () => req.socket.destroy());
    req.on("error", () => up.destroy());
    const reqLen = Number(req.headers["content-length"] ?? "NaN");
    const chunkedReq = /chunked/i.test(String(req.headers["transfer-encoding"] ?? ""));
    if (fault === "truncReq" && ((Number.isFinite(reqLen) && reqLen > 1) || chunkedReq)) {
      stats.faults.truncReq++;
      const limit = Number.isFinite(reqLen) ? Math.max(1, Math.floor(reqLen * rand())) : 1 + Math.floor(rand() * 4096);
      let sent = 0;
      req.on("data", (c: Buffer) => {
        if (sent >= limit) return;
        const part = c.subarray(0, limit - sent);
        sent += part.length;
        up.write(part);
        if (sent >= limit) setTimeout(kill, 5);
      });
      req.on("end", () => setTimeout(kill, 5));
      return;
    }
    if (fault === "truncReq") fault = "resetResp"; // no body to truncate: cut the response instead
    req.pipe(up);
    up.on("response", (ur) => {
      const status = ur.statusCode ?? 502;
      const len = Number(ur.headers["content-length"] ?? "NaN");
      const hasBody = req.method !== "HEAD" && status !== 204 && status !== 304 && (!Number.isFinite(len) || len > 0);
      if (fault === "resetResp") {
        stats.faults.resetResp++;
        if (!hasBody) {
          ur.resume();
          kill();
          return;
        }
        res.writeHead(status, ur.headers);
        const limit = Number.isFinite(len) ? Math.floor(len * rand()) : Math.floor(rand() * 4096);
        let sent = 0;
        ur.on("data", (c: Buffer) => {
          if (sent >= limit) return;
          const part = c.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) setTimeout(kill, 5);
        });
        ur.on("end", () => setTimeout(kill, 5));
        return;
      }
      if (fault === "corrupt" && hasBody && status >= 200 && status < 300) {
        stats.faults.corrupt++;
        res.writeHead(status, ur.headers);
        const at = Number.isFinite(len) ? Math.floor(len * rand()) : 0;
        let pos = 0;
        ur.on("data", (c: Buffer) => {
          if (at >= pos && at < pos + c.length) {
            const copy = Buffer.from(c);
            copy[at - pos] = copy[at - pos]! ^ 0x5a;
            res.write(copy);
          } else {
            res.write(c);
          }
          pos += c.length;
        });
        ur.on("end", () => res.end());
        ur.on("error", kill);
        return;
      }
      res.writeHead(status, ur.headers);
      ur.pipe(res);
      ur.on("error", kill);
    });
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    injected: () => FAULT_KINDS.reduce((n, k) => n + stats.faults[k], 0),
    setRates(r: FaultRates) {
      rates = { ...r };
    },
    resetStats() {
      stats.requests = 0;
      stats.latency = 0;
      for (const k of FAULT_KINDS) stats.faults[k] = 0;
      stats.byMethod = {};
    },
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
