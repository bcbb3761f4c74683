/**
 * Shared types of the transfer layer (push, fetch, cloud status; spec 8.2-8.6).
 */
import type { Readable } from "node:stream";
import type { HashName } from "../odb/oid.js";
import type { ProgressCallback } from "../progress.js";
import type { Storage } from "../storage/storage.js";

export interface ObjRef {
  oid: string;
  hashName: HashName;
}

export interface DirRef extends ObjRef {
  /**
   * Relpaths wanted inside the directory (granular targets: one file, or a sub-directory prefix
   * such as `images/train`, of a tracked dir). Absent = every file of the manifest.
   */
  only?: Set<string>;
}

/** `dirs` are `.dir` oids: their member files come from the manifest (spec 8.2). */
export interface TransferRequest {
  files: ObjRef[];
  dirs: DirRef[];
}

export interface TransferFailure {
  oid: string;
  hashName: HashName;
  error: string;
}

export interface TransferResult {
  /** Objects written at the destination (files and `.dir` objects). */
  transferred: number;
  /** Bytes of those objects. */
  bytes: number;
  /** Objects that could not be transferred; the others went on. */
  failed: TransferFailure[];
  /** Objects found neither at the source nor at the destination (DVC warns about these). */
  missing: ObjRef[];
  /** Objects already at the destination. */
  skipped: number;
}

/**
 * The part of the local cache (src/cache/localCache.ts `LocalCache`) that transfer uses. Kept
 * structural so transfer depends on behaviour, not on the class.
 */
export interface CacheLike {
  objectPath(oid: string, hashName: HashName): string;
  exists(oid: string, hashName: HashName): Promise<boolean>;
  /** Which of `oids` are present, answered in bulk. */
  existingSync(oids: Iterable<string>, hashName: HashName): Set<string>;
  readBytes(oid: string, hashName: HashName): Promise<Buffer>;
  /** Hashes while writing a temp file; renames into place only if the hash matches, else throws CORRUPT_OBJECT. */
  putVerified(oid: string, hashName: HashName, source: AsyncIterable<Uint8Array> | Readable): Promise<unknown>;
  /** putVerified from a local file, without a stream; undefined when it does not apply. */
  putVerifiedFile?(oid: string, hashName: HashName, srcPath: string): Promise<{ size: number } | undefined>;
  /**
   * Spec 7.3: a 0444 object is trusted; any other is re-hashed, and deleted when it does not
   * match ("corrupt"). Push asks before uploading an object that is not 0444.
   */
  check?(oid: string, hashName: HashName): Promise<"ok" | "missing" | "corrupt">;
}

export interface TransferOptions {
  cache: CacheLike;
  remote: Storage;
  /** Concurrent object transfers (default 4 x CPUs, like DVC, spec 8.9). */
  jobs?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export type RemoteStatus = "new" | "deleted" | "missing" | "ok";

export interface StatusOptions {
  cache: CacheLike;
  remote: Storage;
  jobs?: number;
  signal?: AbortSignal;
}

export function refKey(oid: string, hashName: HashName): string {
  return `${hashName}:${oid}`;
}
