/**
 * Hash a file and, optionally, store it as an object of a local ODB in the same pass (spec 7.2):
 * the file is read once; its bytes go to the hasher and to a temp file on the cache's filesystem,
 * which is renamed onto `<odb>/<oid[0:2]>/<oid[2:]>` (mode 0444) once the hash is known.
 *
 * - Files that fit the scratch buffer (4 MiB) are read whole, hashed, and only then written to
 *   `<odb>/<xx>/.<random>.tmp` (DVC's own temp name and place); nothing is written when a trusted
 *   (0444) object already exists.
 * - Larger files stream into `<sink.tmpDir>/.<random>.tmp` (their id is unknown until the end),
 *   then are renamed across directories of the same filesystem.
 * A file never appears under an object name unless complete (rename is atomic), and temp files
 * are removed on every failure path, including abort.
 *
 * Used on the main thread (sync for small files, {@link hashToSink} for large ones) and by the
 * worker pool (sync for everything: a worker has nothing else to do).
 */
import {
  chmodSync,
  closeSync,
  createReadStream,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DvxError } from "../errors.js";
import { tmpToken } from "./tmpToken.js";
import type { HashName } from "../odb/oid.js";
import {
  abortedError,
  contentHasher,
  createMd5,
  fsError,
  readFull,
  SMALL_FILE_MAX,
  STREAM_CHUNK,
  type Dos2UnixVariant,
  type HashBackend,
  type Md5Hasher,
} from "./md5.js";

/** Where objects go: one local ODB directory. Plain data, so it can be posted to workers. */
export interface ObjectSink {
  /** `<cache>/files/md5` (3.x) or `<cache>` (legacy). */
  odbDir: string;
  /** Same-filesystem directory for temp files of objects whose id is not known yet. */
  tmpDir: string;
  /** `cache.shared = group`: directories are created 0o2775 (files are 0444 either way). */
  shared?: boolean;
}

export interface HashTask {
  path: string;
  hashName: HashName;
  /** md5-dos2unix variant, default "2.x". */
  dos2unix?: Dos2UnixVariant;
  /** Expected size (from a stat), used only to plan batches. */
  sizeHint?: number;
  /**
   * The oid the content must hash to (a download being verified): on a mismatch nothing is
   * stored and CORRUPT_OBJECT is thrown (SyncFileHasher only).
   */
  expect?: string;
}

export interface HashOutcome {
  md5: string;
  /** Bytes actually read. */
  size: number;
  /** True when this call wrote the object (false: no sink, or a trusted object existed). */
  stored: boolean;
}

/** Read-only mode of cache objects (`LocalHashFileDB.CACHE_MODE`). */
export const OBJECT_MODE = 0o444;
const SHARED_DIR_MODE = 0o2775;

/** `.<token_urlsafe(16)>.tmp`, as dvc-objects `tmp_fname`. */
export function tmpName(): string {
  return `.${tmpToken(22)}.tmp`;
}

export function objectPathIn(odbDir: string, oid: string): string {
  return join(odbDir, oid.slice(0, 2), oid.slice(2));
}

/** A regular file with permission bits exactly 0444 is trusted without re-hashing (spec 7.3). */
export function isTrustedObjectSync(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.isFile() && (st.mode & 0o7777) === OBJECT_MODE;
}

/** mkdir -p; with `shared`, every directory created gets 0o2775 (mkdir's mode is umask-masked). */
export function ensureDirSync(dir: string, shared: boolean | undefined, known?: Set<string>): void {
  if (known?.has(dir)) return;
  const first = mkdirSync(dir, { recursive: true });
  if (shared && first !== undefined) {
    // Everything from `first` down to `dir` was just created by us.
    let d = dir;
    const created: string[] = [];
    while (d.length >= first.length) {
      created.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
    for (const c of created.reverse()) chmodSync(c, SHARED_DIR_MODE);
  }
  known?.add(dir);
}

/**
 * Run `fn` (which creates something inside `dir`) after making sure `dir` exists. A directory
 * remembered in `known` may have been removed since (gc, a user): on ENOENT it is forgotten,
 * recreated and `fn` retried once.
 */
export function inDirSync<T>(dir: string, shared: boolean | undefined, known: Set<string> | undefined, fn: () => T): T {
  ensureDirSync(dir, shared, known);
  try {
    return fn();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    known?.delete(dir);
    ensureDirSync(dir, shared, known);
    return fn();
  }
}

/** Async {@link inDirSync}. */
export async function inDir<T>(dir: string, shared: boolean | undefined, known: Set<string> | undefined, fn: () => Promise<T>): Promise<T> {
  ensureDirSync(dir, shared, known);
  try {
    return await fn();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    known?.delete(dir);
    ensureDirSync(dir, shared, known);
    return await fn();
  }
}

function corrupt(task: HashTask, actual: string): DvxError {
  return new DvxError("CORRUPT_OBJECT", `${task.path}: object ${task.expect} is corrupt: its content hashes to ${actual}`, {
    data: { oid: task.expect, hashName: task.hashName, actual },
  });
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

function writeAll(fd: number, buf: Uint8Array, len = buf.length): void {
  let off = 0;
  while (off < len) off += writeSync(fd, buf, off, len - off);
}

/**
 * Synchronous hasher with a reused scratch buffer and MD5 factory: one per thread. Not
 * re-entrant (one file at a time), which is what sync code gives for free.
 */
export class SyncFileHasher {
  private readonly buf: Buffer;
  private readonly knownDirs = new Set<string>();
  /** Set once a file created with mode 0444 was seen to come out 0444 (the umask leaves r--r--r--
   * alone, as 022/002/027 do): then fchmod is skipped, one syscall and inode update per object. */
  private createIs0444 = false;

  constructor(
    private readonly newMd5: () => Md5Hasher,
    bufSize: number = SMALL_FILE_MAX,
  ) {
    this.buf = Buffer.allocUnsafe(bufSize);
  }

  private protect(fd: number): void {
    if (this.createIs0444) return;
    if ((fstatSync(fd).mode & 0o7777) === OBJECT_MODE) this.createIs0444 = true;
    else fchmodSync(fd, OBJECT_MODE);
  }

  /**
   * @param shouldAbort polled between chunks of large files; when it returns true the temp file
   *   is removed and an ABORTED error thrown.
   */
  hash(task: HashTask, sink?: ObjectSink, shouldAbort?: () => boolean, onBytes?: (n: number) => void): HashOutcome {
    const h = contentHasher(this.newMd5(), task);
    let fd: number;
    try {
      fd = openSync(task.path, "r");
    } catch (e) {
      throw fsError(e, task.path);
    }
    let tmp: string | undefined;
    let out: number | undefined;
    try {
      const buf = this.buf;
      let n = readFull(fd, buf);
      if (n < buf.length) {
        // Whole file in memory.
        const data = buf.subarray(0, n);
        h.update(data);
        const md5 = h.digest();
        if (task.expect !== undefined && md5 !== task.expect) throw corrupt(task, md5);
        if (!sink) return { md5, size: n, stored: false };
        const final = objectPathIn(sink.odbDir, md5);
        if (isTrustedObjectSync(final)) return { md5, size: n, stored: false };
        const t = (tmp = join(dirname(final), tmpName()));
        out = inDirSync(dirname(final), sink.shared, this.knownDirs, () => openSync(t, "wx", OBJECT_MODE));
        writeAll(out, data);
        this.protect(out);
        closeSync(out);
        out = undefined;
        renameSync(tmp, final);
        tmp = undefined;
        return { md5, size: n, stored: true };
      }
      // Large file: stream through the buffer (and into a temp file when storing).
      if (sink) {
        const t = (tmp = join(sink.tmpDir, tmpName()));
        out = inDirSync(sink.tmpDir, sink.shared, this.knownDirs, () => openSync(t, "wx", OBJECT_MODE));
      }
      let size = 0;
      while (n > 0) {
        const chunk = buf.subarray(0, n);
        h.update(chunk);
        if (out !== undefined) writeAll(out, chunk);
        size += n;
        onBytes?.(n);
        if (shouldAbort?.()) throw abortedError(undefined, task.path);
        n = readSync(fd, buf, 0, buf.length, null);
      }
      const md5 = h.digest();
      if (task.expect !== undefined && md5 !== task.expect) throw corrupt(task, md5);
      if (out === undefined || tmp === undefined || !sink) return { md5, size, stored: false };
      this.protect(out);
      closeSync(out);
      out = undefined;
      const final = objectPathIn(sink.odbDir, md5);
      if (isTrustedObjectSync(final)) {
        unlinkQuiet(tmp);
        tmp = undefined;
        return { md5, size, stored: false };
      }
      const t = tmp;
      inDirSync(dirname(final), sink.shared, this.knownDirs, () => renameSync(t, final));
      tmp = undefined;
      return { md5, size, stored: true };
    } finally {
      closeSync(fd);
      if (out !== undefined) closeSync(out);
      if (tmp !== undefined) unlinkQuiet(tmp);
    }
  }
}

export interface HashToSinkOptions {
  backend?: HashBackend;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

/**
 * Async streaming variant for large files on the main thread: createReadStream with 4 MiB reads
 * (the next read runs on the libuv pool while this thread hashes) and one write in flight to the
 * temp file, so read, hash and write overlap.
 */
export async function hashToSink(task: HashTask, sink: ObjectSink | undefined, opts: HashToSinkOptions = {}): Promise<HashOutcome> {
  const { signal } = opts;
  if (signal?.aborted) throw abortedError(signal, task.path);
  const h = contentHasher(await createMd5(opts.backend), task);
  let tmp: string | undefined;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  const stream = createReadStream(task.path, { highWaterMark: STREAM_CHUNK });
  const known = new Set<string>();
  try {
    if (sink) {
      ensureDirSync(sink.tmpDir, sink.shared, known);
      tmp = join(sink.tmpDir, tmpName());
      fh = await open(tmp, "wx", OBJECT_MODE);
    }
    let size = 0;
    let pending: Promise<unknown> | undefined;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (signal?.aborted) throw abortedError(signal, task.path);
        h.update(chunk);
        size += chunk.length;
        if (fh) {
          await pending;
          pending = fh.write(chunk);
        }
        opts.onBytes?.(chunk.length);
      }
      await pending;
    } catch (e) {
      await pending?.catch(() => {});
      throw fsError(e, task.path);
    }
    const md5 = h.digest();
    if (!sink || !fh || tmp === undefined) return { md5, size, stored: false };
    await fh.chmod(OBJECT_MODE);
    await fh.close();
    fh = undefined;
    const final = objectPathIn(sink.odbDir, md5);
    if (isTrustedObjectSync(final)) {
      await unlink(tmp).catch(() => {});
      tmp = undefined;
      return { md5, size, stored: false };
    }
    ensureDirSync(dirname(final), sink.shared, known);
    await rename(tmp, final);
    tmp = undefined;
    return { md5, size, stored: true };
  } finally {
    stream.destroy();
    if (fh) await fh.close().catch(() => {});
    if (tmp !== undefined) await unlink(tmp).catch(() => {});
  }
}

/** Serializable form of an error thrown while hashing (crosses the worker boundary). */
export interface SerializedError {
  message: string;
  code?: string;
  dvx?: boolean;
  data?: Record<string, unknown>;
  path?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof DvxError) return { message: e.message, code: e.code, dvx: true, data: e.data };
  const err = e as NodeJS.ErrnoException;
  return {
    message: String(err?.message ?? e),
    ...(typeof err?.code === "string" ? { code: err.code } : {}),
    ...(typeof err?.path === "string" ? { path: err.path } : {}),
  };
}

export function deserializeError(s: SerializedError): Error {
  if (s.dvx) return new DvxError(s.code as DvxError["code"], s.message, { data: s.data ?? {} });
  return Object.assign(new Error(s.message), {
    ...(s.code === undefined ? {} : { code: s.code }),
    ...(s.path === undefined ? {} : { path: s.path }),
  });
}
