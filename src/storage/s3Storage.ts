/**
 * S3 (and S3-compatible: MinIO, Ceph, Wasabi, R2) backend for `s3://bucket/prefix` remotes.
 *
 * Configuration (spec 9.2, iterative/dvc-s3): endpointurl, region, profile, credentialpath,
 * configpath, access_key_id, secret_access_key, session_token, use_ssl, ssl_verify, sse,
 * sse_kms_key_id, sse_customer_algorithm, sse_customer_key, acl, grant_read, grant_read_acp,
 * grant_write_acp, grant_full_control, allow_anonymous_login, read_timeout, connect_timeout.
 * Anything unset falls back to the SDK default chain (AWS_* env, shared files, SSO, IMDS...).
 *
 * Decisions:
 * - Path-style addressing whenever an endpoint is set (MinIO & co.); virtual-hosted otherwise.
 * - One keep-alive agent per Storage with maxSockets = jobs: a transfer never opens more sockets
 *   than it runs requests, and connections are reused (DVC issue #497: no reuse = hours).
 * - Checksums: `requestChecksumCalculation`/`responseChecksumValidation` default to WHEN_REQUIRED.
 *   With the SDK default (WHEN_SUPPORTED) a streamed PUT is sent aws-chunked with a CRC32 trailer,
 *   which several S3-compatible servers reject or store verbatim (research/ts-stack.md §3, dvc#10695).
 *   Integrity comes from elsewhere: Content-MD5 on single PUTs when the caller knows the MD5 (the oid
 *   of an `md5` object), and the re-hash of every download in transfer. Override with
 *   `OpenStorageOptions.s3Checksums` or the SDK's env vars AWS_REQUEST_CHECKSUM_CALCULATION /
 *   AWS_RESPONSE_CHECKSUM_VALIDATION.
 * - Uploads stream from the file (ContentLength set, body never buffered). At or above
 *   `multipartThreshold` (default 64 MiB) the object goes up as a multipart upload of
 *   `partSize` parts (default 16 MiB, grown so there are at most 10,000 parts), `partConcurrency`
 *   (default 4) parts in flight, each part a ranged read stream of the file. We do not use
 *   lib-storage's `Upload` here: it copies every part into a Buffer (queueSize x partSize per object,
 *   times `jobs` objects in flight) and cannot re-send a part of a stream body, whereas ranged file
 *   streams cost no memory and every part is retried on its own. DVC (s3fs) uses 50 MiB parts above
 *   100 MiB; smaller parts mean cheaper retries and more parallelism on one big file.
 * - SDK retries are off (maxAttempts 1); retry.ts wraps every request (re-opening file streams).
 * - A HEAD 404 does not say whether the key or the bucket is missing: the first time an exists()
 *   is false, the bucket is checked once (HeadBucket) so a wrong bucket is an error, not "nothing
 *   on the remote".
 */
import { readFile } from "node:fs/promises";
import { createReadStream, readFileSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { homedir } from "node:os";
import type { Readable } from "node:stream";
import type { S3Client, S3ClientConfig, PutObjectCommandInput, CompletedPart } from "@aws-sdk/client-s3";
import { DvxError } from "../errors.js";
import { abortError, sysCodeOf, withRetry, type RetryPolicy } from "./retry.js";
import { describeSdkError, networkProblem, remoteError, safeEndpoint, type RemoteContext } from "./remoteErrors.js";
import { joinKey, optBool, optNum, optStr, type RemoteConfig, type Storage, type WriteOptions, type WriteSource } from "./storage.js";

export const S3_DEFAULTS = {
  multipartThreshold: 64 * 1024 * 1024,
  partSize: 16 * 1024 * 1024,
  partConcurrency: 4,
  maxParts: 10_000,
  minPartSize: 5 * 1024 * 1024,
  connectTimeoutMs: 15_000,
  readTimeoutMs: 60_000,
  deleteBatch: 1000,
};

export interface S3Tuning {
  jobs: number;
  retry?: Partial<RetryPolicy>;
  multipartThreshold?: number;
  partSize?: number;
  partConcurrency?: number;
  /** WHEN_REQUIRED (default) or WHEN_SUPPORTED (SDK default; fine on AWS itself). */
  checksums?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
}

type Sdk = typeof import("@aws-sdk/client-s3");

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3a?:\/\/([^/]*)\/?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new DvxError("REMOTE_ERROR", `invalid S3 url '${url}' (expected s3://bucket[/prefix])`, { data: { url } });
  const prefix = m[2]!.replace(/^\/+|\/+$/g, "");
  return { bucket: m[1], prefix };
}

export async function createS3Storage(remote: RemoteConfig, tuning: S3Tuning): Promise<S3Storage> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("@aws-sdk/client-s3");
  return new S3Storage(sdk, remote, tuning);
}

export class S3Storage implements Storage {
  readonly url: string;
  readonly kind = "object" as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly ctx: RemoteContext;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly retry: Partial<RetryPolicy> | undefined;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly jobs: number;
  private readonly putExtra: Partial<PutObjectCommandInput>;
  private readonly sseC: { SSECustomerAlgorithm?: string; SSECustomerKey?: string };
  private bucketChecked: Promise<void> | undefined;

  constructor(
    private readonly sdk: Sdk,
    remote: RemoteConfig,
    tuning: S3Tuning,
  ) {
    const o = remote.options;
    const { bucket, prefix } = parseS3Url(remote.url);
    this.bucket = bucket;
    this.root = prefix;
    this.url = `s3://${bucket}${prefix ? `/${prefix}` : ""}`;
    this.jobs = Math.max(1, tuning.jobs);
    this.retry = tuning.retry;
    this.partConcurrency = Math.max(1, tuning.partConcurrency ?? S3_DEFAULTS.partConcurrency);
    this.threshold = Math.max(S3_DEFAULTS.minPartSize, tuning.multipartThreshold ?? S3_DEFAULTS.multipartThreshold);
    this.partSize = Math.max(S3_DEFAULTS.minPartSize, tuning.partSize ?? S3_DEFAULTS.partSize);

    const useSsl = optBool(o.use_ssl, true);
    let endpoint = optStr(o.endpointurl);
    if (endpoint && !/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) endpoint = `${useSsl ? "https" : "http"}://${endpoint}`;
    const secrets = [optStr(o.secret_access_key), optStr(o.session_token), optStr(o.sse_customer_key)].filter(
      (s): s is string => !!s,
    );
    this.ctx = { name: remote.name, url: this.url, ...(endpoint ? { endpoint: safeEndpoint(endpoint) } : {}), secrets };

    // TLS verification: ssl_verify = false disables it, a path names a CA bundle (botocore semantics).
    const sslVerify = optStr(o.ssl_verify);
    const agentOpts = { keepAlive: true, maxSockets: this.jobs, maxFreeSockets: this.jobs, keepAliveMsecs: 10_000 };
    const isHttp = endpoint ? endpoint.toLowerCase().startsWith("http://") : !useSsl;
    if (isHttp) this.agent = new HttpAgent(agentOpts);
    else {
      const tls: { rejectUnauthorized?: boolean; ca?: Buffer } = {};
      if (sslVerify !== undefined && ["false", "no", "off", "0"].includes(sslVerify.toLowerCase())) tls.rejectUnauthorized = false;
      else if (sslVerify !== undefined && !["true", "yes", "on", "1"].includes(sslVerify.toLowerCase())) {
        tls.ca = readCaSync(sslVerify, this.ctx);
      }
      this.agent = new HttpsAgent({ ...agentOpts, ...tls });
    }

    const readTimeout = optNum(o.read_timeout);
    const connectTimeout = optNum(o.connect_timeout);
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };
    const region = optStr(o.region);
    const profile = optStr(o.profile);
    const credentialpath = optStr(o.credentialpath);
    const configpath = optStr(o.configpath);

    const config: S3ClientConfig & Record<string, unknown> = {
      maxAttempts: 1,
      requestHandler: {
        httpAgent: isHttp ? (this.agent as HttpAgent) : new HttpAgent({ keepAlive: true, maxSockets: this.jobs }),
        httpsAgent: isHttp ? new HttpsAgent({ keepAlive: true, maxSockets: this.jobs }) : (this.agent as HttpsAgent),
        connectionTimeout: connectTimeout !== undefined ? connectTimeout * 1000 : S3_DEFAULTS.connectTimeoutMs,
        socketTimeout: readTimeout !== undefined ? readTimeout * 1000 : S3_DEFAULTS.readTimeoutMs,
        logger: quiet,
      },
      region: region ?? (endpoint ? "us-east-1" : () => defaultRegion(profile, configpath)),
      ...(endpoint ? { endpoint, forcePathStyle: true } : { followRegionRedirects: true, ...(useSsl ? {} : { tls: false }) }),
    };
    const checksums =
      tuning.checksums ??
      (process.env.AWS_REQUEST_CHECKSUM_CALCULATION || process.env.AWS_RESPONSE_CHECKSUM_VALIDATION
        ? undefined
        : "WHEN_REQUIRED");
    if (checksums) {
      config.requestChecksumCalculation = checksums;
      config.responseChecksumValidation = checksums;
    }
    if (optBool(o.allow_anonymous_login, false)) {
      // Unsigned requests: a "no auth" scheme with a signer that leaves the request untouched.
      config.httpAuthSchemes = [
        { schemeId: "smithy.api#noAuth", identityProvider: () => async () => ({}), signer: { sign: async (r: unknown) => r } },
      ] as unknown as S3ClientConfig["httpAuthSchemes"];
      config.httpAuthSchemeProvider = (() => [{ schemeId: "smithy.api#noAuth" }]) as unknown as S3ClientConfig["httpAuthSchemeProvider"];
    } else {
      const akid = optStr(o.access_key_id);
      const secret = optStr(o.secret_access_key);
      if (akid && secret) {
        const token = optStr(o.session_token);
        config.credentials = { accessKeyId: akid, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
      } else {
        // The default chain reads these from the client config (credential-provider-node's init).
        if (profile) config.profile = profile;
        if (credentialpath) config.filepath = expandHome(credentialpath);
        if (configpath) config.configFilepath = expandHome(configpath);
      }
    }
    this.client = new sdk.S3Client(config);

    const sse = optStr(o.sse);
    const kms = optStr(o.sse_kms_key_id);
    const acl = optStr(o.acl);
    this.putExtra = {
      ...(sse ? { ServerSideEncryption: sse as PutObjectCommandInput["ServerSideEncryption"] } : {}),
      ...(kms ? { SSEKMSKeyId: kms } : {}),
      ...(acl ? { ACL: acl as PutObjectCommandInput["ACL"] } : {}),
      ...(optStr(o.grant_read) ? { GrantRead: optStr(o.grant_read)! } : {}),
      ...(optStr(o.grant_read_acp) ? { GrantReadACP: optStr(o.grant_read_acp)! } : {}),
      ...(optStr(o.grant_write_acp) ? { GrantWriteACP: optStr(o.grant_write_acp)! } : {}),
      ...(optStr(o.grant_full_control) ? { GrantFullControl: optStr(o.grant_full_control)! } : {}),
    };
    const ssecKey = optStr(o.sse_customer_key);
    this.sseC = ssecKey ? { SSECustomerAlgorithm: optStr(o.sse_customer_algorithm) ?? "AES256", SSECustomerKey: ssecKey } : {};
  }

  private key(k: string): string {
    return joinKey(this.root, k);
  }

  private run<T>(op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(op, { ...(this.retry ? { policy: this.retry } : {}), ...(signal ? { signal } : {}) });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key, "check")) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    return this.head(key, "check");
  }

  private async head(key: string, op: string): Promise<number | undefined> {
    try {
      const r = await this.run(() => this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key), ...this.sseC })));
      return r.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) {
        await this.checkBucket();
        return undefined;
      }
      throw await this.mapError(e, op, key);
    }
  }

  /** Once per Storage: a HEAD 404 may mean "no such bucket"; HeadBucket tells. */
  private checkBucket(): Promise<void> {
    this.bucketChecked ??= (async () => {
      try {
        await this.run(() => this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket })));
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (e as { name?: string }).name === "NoSuchBucket" || (e as { name?: string }).name === "NotFound") {
          throw this.noSuchBucket();
        }
        // 403 etc.: HeadBucket needs s3:ListBucket, which object-level users may lack. Not conclusive.
      }
    })();
    return this.bucketChecked;
  }

  async *list(prefix: string): AsyncIterable<string> {
    const full = this.key(prefix);
    const strip = this.root ? this.root.length + 1 : 0;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.run(() =>
          this.client.send(
            new this.sdk.ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: full,
              MaxKeys: 1000,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          ),
        );
      } catch (e) {
        throw await this.mapError(e, "list", prefix);
      }
      for (const obj of page.Contents ?? []) {
        const k = obj.Key;
        if (!k || k.endsWith("/")) continue;
        yield k.slice(strip);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async read(key: string): Promise<Readable> {
    try {
      const r = await this.run(() => this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), ...this.sseC })));
      return r.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) {
        if ((e as { name?: string }).name === "NoSuchBucket") throw this.noSuchBucket();
        throw new DvxError("NOT_FOUND", `'${key}' not found in remote '${this.ctx.name}' (${this.url})`, {
          data: { remote: this.ctx.name, key },
        });
      }
      throw await this.mapError(e, "read", key);
    }
  }

  async write(key: string, src: WriteSource, opts: WriteOptions = {}): Promise<void> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      if (Buffer.isBuffer(src) || src.size < this.threshold) await this.putSingle(key, src, opts);
      else await this.putMultipart(key, src, opts);
    } catch (e) {
      if (e instanceof DvxError) throw e;
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if ((e as { name?: string }).name === "BadDigest" || (e as { Code?: string }).Code === "BadDigest") {
        throw new DvxError(
          "CORRUPT_OBJECT",
          `remote '${this.ctx.name}' (${this.url}) refused '${key}': its content does not match its MD5 (the local copy is corrupt or was changed)`,
          { data: { remote: this.ctx.name, key } },
        );
      }
      throw await this.mapError(e, "write", key);
    }
  }

  private async putSingle(key: string, src: WriteSource, opts: WriteOptions): Promise<void> {
    const size = Buffer.isBuffer(src) ? src.length : src.size;
    const md5 = opts.md5 && /^[0-9a-f]{32}$/.test(opts.md5) ? Buffer.from(opts.md5, "hex").toString("base64") : undefined;
    await this.run(async () => {
      const body = Buffer.isBuffer(src) ? src : createReadStream(src.path);
      try {
        await this.client.send(
          new this.sdk.PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(key),
            Body: body,
            ContentLength: size,
            ...(md5 ? { ContentMD5: md5 } : {}),
            ...this.putExtra,
            ...this.sseC,
          }),
          opts.signal ? { abortSignal: opts.signal } : {},
        );
      } finally {
        if (!Buffer.isBuffer(body)) body.destroy();
      }
    }, opts.signal);
    opts.onBytes?.(size);
  }

  private async putMultipart(key: string, src: { path: string; size: number }, opts: WriteOptions): Promise<void> {
    const fullKey = this.key(key);
    const partSize = partSizeFor(src.size, this.partSize);
    const nParts = Math.max(1, Math.ceil(src.size / partSize));
    const created = await this.run(
      () =>
        this.client.send(
          new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, ...this.putExtra, ...this.sseC }),
          opts.signal ? { abortSignal: opts.signal } : {},
        ),
      opts.signal,
    );
    const uploadId = created.UploadId!;
    const parts: CompletedPart[] = new Array(nParts);
    try {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < nParts) {
          const i = next++;
          if (opts.signal?.aborted) throw abortError(opts.signal);
          const start = i * partSize;
          const len = Math.min(partSize, src.size - start);
          const r = await this.run(async () => {
            const body = createReadStream(src.path, { start, end: start + len - 1 });
            try {
              return await this.client.send(
                new this.sdk.UploadPartCommand({
                  Bucket: this.bucket,
                  Key: fullKey,
                  UploadId: uploadId,
                  PartNumber: i + 1,
                  Body: body,
                  ContentLength: len,
                  ...this.sseC,
                }),
                opts.signal ? { abortSignal: opts.signal } : {},
              );
            } finally {
              body.destroy();
            }
          }, opts.signal);
          parts[i] = {
            PartNumber: i + 1,
            ETag: r.ETag!,
            ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}),
            ...(r.ChecksumCRC32C ? { ChecksumCRC32C: r.ChecksumCRC32C } : {}),
            ...(r.ChecksumSHA1 ? { ChecksumSHA1: r.ChecksumSHA1 } : {}),
            ...(r.ChecksumSHA256 ? { ChecksumSHA256: r.ChecksumSHA256 } : {}),
          };
          opts.onBytes?.(len);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.partConcurrency, nParts) }, worker));
      await this.run(
        () =>
          this.client.send(
            new this.sdk.CompleteMultipartUploadCommand({
              Bucket: this.bucket,
              Key: fullKey,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
              ...this.sseC,
            }),
          ),
        opts.signal,
      );
    } catch (e) {
      // Best effort: do not leave billed, invisible parts behind.
      await this.client
        .send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId }))
        .catch(() => {});
      throw e;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += S3_DEFAULTS.deleteBatch) batches.push(keys.slice(i, i + S3_DEFAULTS.deleteBatch));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let r;
        try {
          r = await this.run(() =>
            this.client.send(
              new this.sdk.DeleteObjectsCommand({
                Bucket: this.bucket,
                Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true },
              }),
            ),
          );
        } catch (e) {
          throw await this.mapError(e, "delete", batch[0] ?? "");
        }
        const errs = (r.Errors ?? []).filter((x) => x.Code !== "NoSuchKey");
        if (errs.length > 0) {
          const first = errs[0]!;
          throw remoteError(this.ctx, `could not delete ${errs.length} object(s), e.g. '${first.Key}': ${first.Code ?? "error"}${first.Message ? ` (${first.Message})` : ""}`, {
            op: "delete",
            failed: errs.length,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, batches.length) }, worker));
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.agent.destroy();
  }

  private noSuchBucket(): DvxError {
    const check = this.ctx.endpoint ? `the url and endpointurl ${this.ctx.endpoint}` : "the url and region";
    return remoteError(this.ctx, `bucket '${this.bucket}' does not exist (check ${check})`, { code: "NoSuchBucket" });
  }

  /** Map an SDK error to a one-line REMOTE_ERROR naming the remote and what to check. */
  private async mapError(e: unknown, op: string, key: string): Promise<DvxError> {
    if (e instanceof DvxError) return e;
    const name = errName(e);
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const data = { op, key, code: sysCodeOf(e) ?? name, ...(status !== undefined ? { status } : {}) };
    const net = networkProblem(this.ctx, e, "S3");
    if (net) return remoteError(this.ctx, net, data);
    if (name === "NoSuchBucket") return this.noSuchBucket();
    if (name === "CredentialsProviderError" || (!status && /could not load credentials/i.test(String((e as Error)?.message ?? "")))) {
      return remoteError(
        this.ctx,
        "no AWS credentials found (set access_key_id/secret_access_key with `dvc remote modify --local`, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or allow_anonymous_login for public buckets)",
        data,
      );
    }
    if (CRED_CODES.has(name)) return this.credsRejected(name, data);
    if (name === "AccessDenied" || name === "AllAccessDisabled" || status === 403) {
      // A HEAD has no body: find out whether the credentials or the permissions are the problem.
      const why = name === "AccessDenied" ? name : await this.probe403();
      if (why && CRED_CODES.has(why)) return this.credsRejected(why, { ...data, code: why });
      return remoteError(
        this.ctx,
        `access denied (${op} '${key}'; check that the credentials in use may ${op === "write" || op === "delete" ? "write to" : "read"} bucket '${this.bucket}')`,
        { ...data, code: why ?? name },
      );
    }
    if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
      return remoteError(this.ctx, `bucket '${this.bucket}' is in another region (set the remote's region)`, data);
    }
    return remoteError(this.ctx, `${op} '${key}' failed: ${describeSdkError(this.ctx, e)}`, data);
  }

  private credsRejected(code: string, data: Record<string, unknown>): DvxError {
    return remoteError(
      this.ctx,
      `credentials rejected by ${this.ctx.endpoint ?? "S3"} (${code}; check access_key_id/secret_access_key/session_token, the AWS profile or AWS_* environment variables)`,
      data,
    );
  }

  private async probe403(): Promise<string | undefined> {
    try {
      await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key("files/"), MaxKeys: 1 }));
      return undefined;
    } catch (e) {
      return errName(e);
    }
  }
}

const CRED_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidSecurity",
  "AccessKeyDisabled",
]);

function errName(e: unknown): string {
  const o = e as { Code?: unknown; name?: unknown };
  if (typeof o?.Code === "string") return o.Code;
  if (typeof o?.name === "string") return o.name;
  return "Error";
}

function isNotFound(e: unknown): boolean {
  const name = errName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === "NotFound" || name === "NoSuchKey" || name === "NoSuchBucket" || (status === 404 && name !== "NoSuchUpload");
}

/** Part size: at least `wanted`, grown (in whole MiB) so that no object needs more than 10,000 parts. */
export function partSizeFor(size: number, wanted: number): number {
  const min = Math.ceil(size / S3_DEFAULTS.maxParts);
  if (wanted >= min) return wanted;
  const mib = 1024 * 1024;
  return Math.ceil(min / mib) * mib;
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}

function readCaSync(p: string, ctx: RemoteContext): Buffer {
  try {
    return readFileSync(expandHome(p));
  } catch {
    throw remoteError(ctx, `cannot read the CA bundle named by ssl_verify ('${p}')`);
  }
}

/** Region when none is configured: env, then the AWS config file's profile, else us-east-1 (+ redirects). */
async function defaultRegion(profile: string | undefined, configpath: string | undefined): Promise<string> {
  const env = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (env) return env;
  const file = configpath ? expandHome(configpath) : process.env.AWS_CONFIG_FILE || `${homedir()}/.aws/config`;
  const want = profile || process.env.AWS_PROFILE || "default";
  try {
    const text = await readFile(file, "utf8");
    let section = "";
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/[#;].*$/, "").trim();
      const sec = /^\[\s*(.+?)\s*\]$/.exec(line);
      if (sec) {
        section = sec[1]!.replace(/^profile\s+/, "");
        continue;
      }
      const kv = /^region\s*=\s*(\S+)/.exec(line);
      if (kv && section === want) return kv[1]!;
    }
  } catch {
    /* no config file */
  }
  return "us-east-1";
}
