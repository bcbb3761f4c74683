/**
 * Google Cloud Storage backend for `gs://bucket/prefix` remotes (also `gcs://`).
 *
 * Configuration (spec 9.2, iterative/dvc-gs): projectname, credentialpath (service-account JSON,
 * used as keyFilename), endpointurl (apiEndpoint: emulators such as fake-gcs-server),
 * allow_anonymous_login; otherwise Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
 * gcloud ADC, metadata server).
 *
 * Decisions:
 * - Uploads stream from the file. Below `resumableThreshold` (default 8 MiB, GCS's own guidance for
 *   "small" objects; gcsfs switches at 5 MiB) a single multipart request; at or above it a resumable
 *   upload sent as one streamed request (no chunkSize, so nothing is buffered). When the caller
 *   knows the body's MD5 it is sent as `md5Hash` and GCS refuses a body that does not match.
 * - The library's download validation is off: transfer re-hashes every downloaded object anyway
 *   (with the object's own hash name), so a second MD5/CRC32C pass would only cost CPU.
 * - The library's auto-retry is off; retry.ts wraps every request so there is one policy.
 * - Listing pages with autoPaginate: false, 1000 names per page, `fields` trimmed to names.
 * - Like S3, a "false" from exists() triggers a one-time bucket check, so a wrong bucket is an error.
 * - Anonymous access (public buckets) uses the library's "custom endpoint" mode, which sends
 *   requests without credentials.
 * - Stall timeout: the library's HTTP stack (node-fetch 2 via teeny-request) pipes the response
 *   into a PassThrough without forwarding errors, so a connection that drops mid-body (a download,
 *   or the JSON answer to an upload, which has no timeout at all) never ends nor fails: the
 *   operation would hang forever. Every read and write therefore fails with ETIMEDOUT (retried)
 *   when no byte moves for `stallTimeoutMs`, a metadata or listing request when it takes longer
 *   (default 60 s, like S3's read timeout; env DVX_GCS_STALL_TIMEOUT_MS overrides it).
 */
import { createReadStream } from "node:fs";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Bucket, Storage as GcsClient } from "@google-cloud/storage";
import { DvxError } from "../errors.js";
import { abortError, httpStatusOf, withRetry, type RetryPolicy } from "./retry.js";
import { describeSdkError, networkProblem, remoteError, safeEndpoint, type RemoteContext } from "./remoteErrors.js";
import { joinKey, optBool, optStr, type RemoteConfig, type Storage, type WriteOptions, type WriteSource } from "./storage.js";

export const GCS_DEFAULTS = {
  resumableThreshold: 8 * 1024 * 1024,
  stallTimeoutMs: 60_000,
};

export interface GcsTuning {
  jobs: number;
  retry?: Partial<RetryPolicy>;
  resumableThreshold?: number;
  /** Fail a read or write when no byte has moved for this long (ms). */
  stallTimeoutMs?: number;
}

/** An ETIMEDOUT error (retryable, see retry.ts). */
function stalled(what: string, ms: number): Error {
  return Object.assign(new Error(`${what}: no data for ${Math.round(ms / 1000)} s`), { code: "ETIMEDOUT" });
}

/**
 * Passes `src` through, failing with ETIMEDOUT when the source delivers nothing for `ms` while
 * the consumer is asking for data (backpressure pauses the clock).
 */
function withStallTimeout(src: Readable, ms: number, what: string): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  const arm = (): void => {
    disarm();
    timer = setTimeout(() => {
      src.destroy();
      out.destroy(stalled(what, ms));
    }, ms);
  };
  src.on("data", (c: Buffer) => {
    if (out.write(c)) {
      arm();
      return;
    }
    disarm();
    src.pause();
    out.once("drain", () => {
      arm();
      src.resume();
    });
  });
  src.on("end", () => {
    disarm();
    out.end();
  });
  src.on("error", (e) => {
    disarm();
    out.destroy(e);
  });
  out.on("close", () => {
    disarm();
    src.destroy();
  });
  arm();
  return out;
}

export function parseGcsUrl(url: string): { bucket: string; prefix: string } {
  const m = /^(?:gs|gcs):\/\/([^/]*)\/?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new DvxError("REMOTE_ERROR", `invalid GCS url '${url}' (expected gs://bucket[/prefix])`, { data: { url } });
  return { bucket: m[1], prefix: m[2]!.replace(/^\/+|\/+$/g, "") };
}

export async function createGcsStorage(remote: RemoteConfig, tuning: GcsTuning): Promise<GcsStorage> {
  const { Storage } = await import("@google-cloud/storage");
  const o = remote.options;
  const endpoint = optStr(o.endpointurl);
  const keyFilename = optStr(o.credentialpath);
  const project = optStr(o.projectname);
  const anonymous = optBool(o.allow_anonymous_login, false);
  const client = new Storage({
    ...(project ? { projectId: project } : {}),
    ...(keyFilename && !anonymous ? { keyFilename } : {}),
    // A custom endpoint (also the default one spelled with a trailing '/') switches the library to
    // unauthenticated requests, which is what anonymous access needs.
    ...(endpoint ? { apiEndpoint: endpoint } : anonymous ? { apiEndpoint: "https://storage.googleapis.com/" } : {}),
    ...(endpoint && keyFilename && !anonymous ? { useAuthWithCustomEndpoint: true } : {}),
    retryOptions: { autoRetry: false },
  });
  const envStall = Number(process.env.DVX_GCS_STALL_TIMEOUT_MS);
  const stallTimeoutMs = tuning.stallTimeoutMs ?? (Number.isFinite(envStall) && envStall > 0 ? envStall : undefined);
  return new GcsStorage(client, remote, { ...tuning, ...(stallTimeoutMs ? { stallTimeoutMs } : {}) }, endpoint);
}

export class GcsStorage implements Storage {
  readonly url: string;
  readonly kind = "object" as const;
  private readonly bucket: Bucket;
  private readonly bucketName: string;
  private readonly root: string;
  private readonly ctx: RemoteContext;
  private readonly retry: Partial<RetryPolicy> | undefined;
  private readonly jobs: number;
  private readonly resumableThreshold: number;
  private readonly stallMs: number;
  private bucketChecked: Promise<void> | undefined;

  constructor(
    client: GcsClient,
    remote: RemoteConfig,
    tuning: GcsTuning,
    endpoint: string | undefined,
  ) {
    const { bucket, prefix } = parseGcsUrl(remote.url);
    this.bucketName = bucket;
    this.bucket = client.bucket(bucket);
    this.root = prefix;
    this.url = `gs://${bucket}${prefix ? `/${prefix}` : ""}`;
    this.ctx = { name: remote.name, url: this.url, ...(endpoint ? { endpoint: safeEndpoint(endpoint) } : {}), secrets: [] };
    this.retry = tuning.retry;
    this.jobs = Math.max(1, tuning.jobs);
    this.resumableThreshold = tuning.resumableThreshold ?? GCS_DEFAULTS.resumableThreshold;
    this.stallMs = tuning.stallTimeoutMs ?? GCS_DEFAULTS.stallTimeoutMs;
  }

  private key(k: string): string {
    return joinKey(this.root, k);
  }

  private run<T>(op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(op, { ...(this.retry ? { policy: this.retry } : {}), ...(signal ? { signal } : {}) });
  }

  /** A small JSON request (metadata, listing, delete): retried, and given up after `stallMs`. */
  private meta<T>(op: () => Promise<T>, what: string): Promise<T> {
    return this.run(
      () =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(stalled(what, this.stallMs)), this.stallMs);
          op().then(
            (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            (e: unknown) => {
              clearTimeout(timer);
              reject(e);
            },
          );
        }),
    );
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const [md] = await this.meta(() => this.bucket.file(this.key(key)).getMetadata(), `check '${key}'`);
      return Number(md.size ?? 0);
    } catch (e) {
      if (httpStatusOf(e) === 404) {
        await this.checkBucket();
        return undefined;
      }
      throw await this.mapError(e, "check", key);
    }
  }

  private checkBucket(): Promise<void> {
    this.bucketChecked ??= (async () => {
      let exists = true;
      try {
        [exists] = await this.meta(() => this.bucket.exists(), "check the bucket");
      } catch {
        return; // not conclusive (e.g. no storage.buckets.get permission)
      }
      if (!exists) throw this.noSuchBucket();
    })();
    return this.bucketChecked;
  }

  async *list(prefix: string): AsyncIterable<string> {
    const full = this.key(prefix);
    const strip = this.root ? this.root.length + 1 : 0;
    let pageToken: string | undefined;
    do {
      let files;
      let next: { pageToken?: string } | null | undefined;
      try {
        [files, next] = (await this.meta(() =>
          this.bucket.getFiles({
            prefix: full,
            autoPaginate: false,
            maxResults: 1000,
            fields: "items(name),nextPageToken",
            ...(pageToken ? { pageToken } : {}),
          }),
          `list '${prefix}'`,
        )) as unknown as [{ name: string }[], { pageToken?: string } | null];
      } catch (e) {
        throw await this.mapError(e, "list", prefix);
      }
      for (const f of files) {
        if (!f.name || f.name.endsWith("/")) continue;
        yield f.name.slice(strip);
      }
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async read(key: string): Promise<Readable> {
    return this.run(async () => {
      const stream = this.bucket.file(this.key(key)).createReadStream({ validation: false, decompress: false });
      // The request starts when the stream is first read; wait for the first bytes (or the end, or
      // an error) so a missing object rejects here instead of surfacing mid-transfer.
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => onError(stalled(`read '${key}'`, this.stallMs)), this.stallMs);
          const cleanup = (): void => {
            clearTimeout(timer);
            stream.off("readable", onReadable);
            stream.off("error", onError);
          };
          const onReadable = (): void => {
            cleanup();
            resolve();
          };
          const onError = (e: unknown): void => {
            cleanup();
            reject(e);
          };
          stream.on("readable", onReadable);
          stream.on("error", onError);
        });
      } catch (e) {
        stream.destroy();
        if (httpStatusOf(e) === 404) {
          await this.checkBucket(); // once per Storage: a missing bucket is an error, not a missing object
          throw new DvxError("NOT_FOUND", `'${key}' not found in remote '${this.ctx.name}' (${this.url})`, {
            data: { remote: this.ctx.name, key },
          });
        }
        throw e; // retried when transient, mapped below otherwise
      }
      return withStallTimeout(stream, this.stallMs, `read '${key}'`);
    }).catch(async (e: unknown) => {
      throw await this.mapError(e, "read", key);
    });
  }

  async write(key: string, src: WriteSource, opts: WriteOptions = {}): Promise<void> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const size = Buffer.isBuffer(src) ? src.length : src.size;
    const md5 = opts.md5 && /^[0-9a-f]{32}$/.test(opts.md5) ? Buffer.from(opts.md5, "hex").toString("base64") : undefined;
    const file = this.bucket.file(this.key(key));
    try {
      await this.run(async () => {
        const body = Buffer.isBuffer(src) ? Readable.from([src]) : createReadStream(src.path);
        const ws = file.createWriteStream({
          resumable: size >= this.resumableThreshold,
          validation: false,
          contentType: "application/octet-stream",
          ...(md5 ? { metadata: { md5Hash: md5 } } : {}),
        });
        // the clock runs from the first byte sent until the answer, reset by every chunk
        let timer: NodeJS.Timeout | undefined;
        const arm = (): void => {
          clearTimeout(timer);
          timer = setTimeout(() => ws.destroy(stalled(`write '${key}'`, this.stallMs)), this.stallMs);
        };
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            arm();
            opts.onBytes?.(chunk.length);
            cb(null, chunk);
          },
        });
        arm();
        try {
          await pipeline(body, counter, ws, ...(opts.signal ? [{ signal: opts.signal }] : []));
        } finally {
          clearTimeout(timer);
        }
      }, opts.signal);
    } catch (e) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (httpStatusOf(e) === 400 && /md5|hash|checksum/i.test(String((e as Error).message))) {
        throw new DvxError(
          "CORRUPT_OBJECT",
          `remote '${this.ctx.name}' (${this.url}) refused '${key}': its content does not match its MD5 (the local copy is corrupt or was changed)`,
          { data: { remote: this.ctx.name, key } },
        );
      }
      throw await this.mapError(e, "write", key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          await this.meta(() => this.bucket.file(this.key(key)).delete({ ignoreNotFound: true }), `delete '${key}'`);
        } catch (e) {
          throw await this.mapError(e, "delete", key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, keys.length) }, worker));
  }

  async close(): Promise<void> {}

  private noSuchBucket(): DvxError {
    const check = this.ctx.endpoint ? `the url and endpointurl ${this.ctx.endpoint}` : "the url and projectname";
    return remoteError(this.ctx, `bucket '${this.bucketName}' does not exist (check ${check})`, { code: "NoSuchBucket" });
  }

  private async mapError(e: unknown, op: string, key: string): Promise<DvxError> {
    if (e instanceof DvxError) return e;
    const status = httpStatusOf(e);
    const msg = String((e as Error)?.message ?? "");
    const data = { op, key, ...(status !== undefined ? { status } : {}) };
    const net = networkProblem(this.ctx, e, "GCS");
    if (net) return remoteError(this.ctx, net, data);
    if (/could not load the default credentials/i.test(msg)) {
      return remoteError(
        this.ctx,
        "no Google credentials found (set credentialpath to a service-account JSON with `dvc remote modify --local`, GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, or allow_anonymous_login for public buckets)",
        data,
      );
    }
    if ((e as { code?: unknown }).code === "ENOENT" || /ENOENT|no such file/i.test(msg)) {
      return remoteError(this.ctx, "cannot read the credentials file named by credentialpath (check the path)", data);
    }
    if (/invalid_grant|invalid_client|unauthorized_client|private key|PEM/i.test(msg) || status === 401) {
      return remoteError(
        this.ctx,
        `credentials rejected by ${this.ctx.endpoint ?? "GCS"} (check credentialpath / GOOGLE_APPLICATION_CREDENTIALS and that the key is still valid)`,
        data,
      );
    }
    if (status === 403) {
      return remoteError(
        this.ctx,
        `access denied (${op} '${key}'; check that the account in use may ${op === "write" || op === "delete" ? "write to" : "read"} bucket '${this.bucketName}')`,
        data,
      );
    }
    if (status === 404) {
      // An object-level 404 on a write or a listing means the bucket is not there (emulators say
      // only "Not Found"; GCS says "The specified bucket does not exist").
      if (/bucket/i.test(msg)) return this.noSuchBucket();
      const exists = await this.bucket.exists().then(([x]) => x, () => true);
      if (!exists) return this.noSuchBucket();
    }
    return remoteError(this.ctx, `${op} '${key}' failed: ${describeSdkError(this.ctx, e)}`, data);
  }
}
