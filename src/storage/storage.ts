/**
 * The one storage interface that transfer, status and gc see (design.md "src/storage/"). A Storage
 * is a flat key space under a remote's root: keys are '/'-separated and relative to the root
 * (`files/md5/ab/cdef...`, legacy `ab/cdef...`, spec 8.1). Backends: a local directory
 * (localStorage.ts), S3 (s3Storage.ts) and GCS (gcsStorage.ts), picked by openStorage.ts.
 *
 * Contract shared by every backend (the contract tests in test/integration/storage run the same
 * suite against each):
 * - `read` of a missing key rejects with DvxError NOT_FOUND; every other failure that concerns the
 *   remote as a whole (bucket, credentials, endpoint) is a one-line DvxError REMOTE_ERROR naming the
 *   remote and what to check, never containing a secret.
 * - `write` is for content-addressed keys: it never leaves a partial object under the final key
 *   (local: temp file + rename + chmod 0444, spec 7.2; object stores: a PUT or multipart upload is
 *   atomic), and the local backend skips a key that already exists (spec 7.2).
 * - Retries (retry.ts) happen inside the backends; what reaches the caller is final.
 */
import type { Readable } from "node:stream";

/** A file on local disk (streamed, never read whole) or a small in-memory body (e.g. a `.dir`). */
export type WriteSource = { path: string; size: number } | Buffer;

export interface WriteOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes sent since the previous call (for byte-level progress). */
  onBytes?: (n: number) => void;
  /**
   * The MD5 of the body (32 hex digits) when the caller knows it (for `md5` objects it is the oid
   * itself). Object stores then verify the upload server-side (S3 Content-MD5, GCS md5Hash), so a
   * damaged local object or an in-flight corruption is refused instead of stored.
   */
  md5?: string;
  /**
   * The caller has just found the object absent (push's existence check): a directory remote then
   * skips its own check. A concurrent writer's copy may be replaced, with the same bytes.
   */
  knownMissing?: boolean;
}

export interface Storage {
  /** For messages: `s3://bucket/prefix`, `gs://...`, or an absolute path. Never includes secrets. */
  readonly url: string;
  /**
   * "local" for a directory on this machine (existence checks are cheap stats), "object" for an
   * object store where every request is a network round trip. Optional so wrappers may omit it
   * (absent = "object").
   */
  readonly kind?: "local" | "object";
  exists(key: string): Promise<boolean>;
  size?(key: string): Promise<number | undefined>;
  /**
   * Every key whose name starts with `prefix` (a plain string prefix, so `files/md5/00/` and
   * `files/md5/00/0` both work), recursively, relative to the root. Order is unspecified.
   * Directory markers (keys ending in '/') and local temp files (`.<random>.tmp`) are skipped.
   */
  list(prefix: string): AsyncIterable<string>;
  /** The file holding `key`, for directory remotes (lets a transfer skip the stream). */
  localPath?(key: string): string;
  /** A streaming body; a missing key rejects with DvxError NOT_FOUND. */
  read(key: string): Promise<Readable>;
  write(key: string, src: WriteSource, opts?: WriteOptions): Promise<void>;
  /** Batch delete; keys that do not exist are ignored. */
  delete(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The remote as configured: the caller resolved `remote://` URLs and relative local paths. */
export interface RemoteConfig {
  name: string;
  url: string;
  options: Record<string, string | string[]>;
}

/** Join a root prefix and a relative key with exactly one '/' between them. */
export function joinKey(prefix: string, key: string): string {
  if (!prefix) return key;
  if (!key) return prefix.endsWith("/") ? prefix : `${prefix}/`;
  return prefix.endsWith("/") ? prefix + key : `${prefix}/${key}`;
}

/** Read a whole (small) stream into memory: `.dir` manifests, tests. */
export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return Buffer.concat(chunks);
}

/** A string option as a boolean (DVC/configobj: case-insensitive true/false, also yes/no/on/off/1/0). */
export function optBool(v: string | string[] | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const s = (Array.isArray(v) ? v.join(",") : v).trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(s)) return true;
  if (["false", "no", "off", "0"].includes(s)) return false;
  return dflt;
}

export function optStr(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v.join(", ") : v;
  return s === "" ? undefined : s;
}

export function optNum(v: string | string[] | undefined): number | undefined {
  const s = optStr(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
