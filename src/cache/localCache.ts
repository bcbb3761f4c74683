/**
 * The local cache (spec 7): a content-addressed object store over a cache root, in DVC's layout:
 * 3.x objects ("md5") under `<root>/files/md5/ab/cdef...`, legacy objects ("md5-dos2unix") under
 * `<root>/ab/cdef...`, `.dir` manifests beside their files.
 *
 * Invariants:
 * - a file exists under an object's final name only if it is complete and (for every write path
 *   here) was hashed equal to its name: writes go to a temp file and are renamed into place;
 * - objects are read-only (0444), which is also DVC's "trusted, don't re-hash" mark (spec 7.3);
 * - temp files live in `<odb>/<xx>/.<random>.tmp` when the id is known before writing (DVC's own
 *   place) and in `<root>/.dvx-tmp/` when streaming a large file whose id is not known yet
 *   (DVC's ODB listing ignores both: neither is `<2 chars>/<rest>` with a valid id).
 * - With `cache.shared = group` directories are created 0o2775; objects stay 0444.
 */
import { statSync } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import { dirname, join } from "node:path";
import { DvxError } from "../errors.js";
import {
  hashToSink,
  inDir,
  isTrustedObjectSync,
  objectPathIn,
  OBJECT_MODE,
  SyncFileHasher,
  tmpName,
  type HashOutcome,
  type HashTask,
  type ObjectSink,
} from "../hash/hashStore.js";
import {
  abortedError,
  contentHasher,
  createMd5,
  createMd5Factory,
  DOS2UNIX_CHUNK,
  fsError,
  hashFile,
  SMALL_FILE_MAX,
  type Dos2UnixVariant,
  type HashBackend,
  type Md5Hasher,
} from "../hash/md5.js";
import { poolPays, type HashPool } from "../hash/pool.js";
import { assertOid, isDirOid, keyToOid, odbPrefix, type HashName } from "../odb/oid.js";
import { noProgress, type ProgressCallback } from "../progress.js";
import { existingObjects } from "./existing.js";
import { isLinkUnsupported, LINK_TYPES, placeFile, type LinkType } from "./linkFile.js";

export type { LinkType } from "./linkFile.js";

export interface LocalCacheOptions {
  /** `cache.shared = group`: directories 0o2775 (objects stay 0444). */
  shared?: "group" | boolean;
  /** For writable workspace files (0o666 & ~umask); default: the process umask. */
  umask?: number;
  backend?: HashBackend;
  /** `cache.type`: default link types for {@link LocalCache.checkoutFile}; default reflink, copy. */
  linkTypes?: readonly LinkType[];
}

export type CheckResult = "ok" | "missing" | "corrupt";

export interface AddFileOptions {
  /** The oid if already known (e.g. from state): when a trusted object exists, nothing is read. */
  oid?: string;
  dos2unix?: Dos2UnixVariant;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

export interface CheckoutFileOptions {
  /** Default: the cache's `linkTypes`. */
  linkTypes?: readonly LinkType[];
  isexec?: boolean;
  /** The destination's directory is known to exist (saves a mkdir per file). */
  parentExists?: boolean;
}

export interface VerifyOptions {
  onProgress?: ProgressCallback;
  pool?: HashPool;
  /** "auto" (default): use `pool` only when the job pays for it ({@link poolPays}). */
  usePool?: "auto" | "always" | "never";
  signal?: AbortSignal;
  /** Move mismatching objects under `<root>/.dvx-quarantine/` (default true); false: only report. */
  quarantine?: boolean;
}

export interface VerifyReport {
  checked: number;
  ok: number;
  /**
   * Objects whose content does not match their name: `path` where it was found, `quarantinedTo`
   * where it was moved (under `<root>/.dvx-quarantine/`) unless quarantine was off.
   */
  corrupt: { oid: string; hashName: HashName; path: string; quarantinedTo?: string }[];
  /** Objects that could not be read (distinct from a mismatch). */
  unreadable: { oid: string; hashName: HashName; error: string }[];
}

const TMP_DIR = ".dvx-tmp";
export const QUARANTINE_DIR = ".dvx-quarantine";
const HASH_NAMES: readonly HashName[] = ["md5", "md5-dos2unix"];

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function readUmask(): number {
  // process.umask() without an argument is documentation-deprecated (DEP0139) but is the only
  // race-free way to read it; it is read once per cache.
  return process.umask();
}

export class LocalCache {
  readonly root: string;
  readonly shared: boolean;
  readonly umask: number;
  readonly backend: HashBackend;
  readonly linkTypes: readonly LinkType[];
  private readonly knownDirs = new Set<string>();
  /** Winning link type per configured list (probed on first use, like pnpm's auto importer). */
  private readonly linkMemo = new Map<string, LinkType>();
  private syncHasher: SyncFileHasher | undefined;

  constructor(root: string, opts: LocalCacheOptions = {}) {
    this.root = root;
    this.shared = opts.shared === "group" || opts.shared === true;
    this.umask = opts.umask ?? readUmask();
    this.backend = opts.backend ?? "node";
    this.linkTypes = opts.linkTypes?.length ? [...opts.linkTypes] : ["reflink", "copy"];
  }

  /**
   * Whether add/commit replace workspace files by links into the cache (hardlink or symlink first
   * in cache.type): they then relink every file, and so need a directory's entries.
   */
  get linksWorkspaceFiles(): boolean {
    const first = this.linkTypes[0];
    return first === "hardlink" || first === "symlink";
  }

  odbDir(hashName: HashName): string {
    const p = odbPrefix(hashName);
    return p ? join(this.root, ...p.split("/")) : this.root;
  }

  /** Where objects of `hashName` are written (plain data, for the worker pool). */
  sink(hashName: HashName): ObjectSink {
    return { odbDir: this.odbDir(hashName), tmpDir: join(this.root, TMP_DIR), shared: this.shared };
  }

  objectPath(oid: string, hashName: HashName): string {
    return objectPathIn(this.odbDir(hashName), assertOid(oid, "object id"));
  }

  async exists(oid: string, hashName: HashName): Promise<boolean> {
    try {
      return (await stat(this.objectPath(oid, hashName))).isFile();
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return false;
      throw e;
    }
  }

  /** Which of `oids` are in the cache (existing.ts: listing or stat, whichever is cheaper). */
  existingSync(oids: Iterable<string>, hashName: HashName): Set<string> {
    const valid: string[] = [];
    for (const oid of oids) valid.push(assertOid(oid, "object id"));
    return existingObjects(this.odbDir(hashName), valid);
  }

  async readBytes(oid: string, hashName: HashName): Promise<Buffer> {
    try {
      return await readFile(this.objectPath(oid, hashName));
    } catch (e) {
      if (errCode(e) === "ENOENT") throw this.missing(oid, hashName, e);
      throw e;
    }
  }

  private missing(oid: string, hashName: HashName, cause?: unknown): DvxError {
    return new DvxError("MISSING_CACHE", `object ${oid} (${hashName}) is not in the cache`, {
      data: { oid, hashName, path: this.objectPath(oid, hashName) },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  private async hasher(): Promise<SyncFileHasher> {
    return (this.syncHasher ??= new SyncFileHasher(await createMd5Factory(this.backend)));
  }

  /**
   * Store a workspace file: ONE pass (read, hash and write to a temp file together), then rename
   * onto its object name, 0444. For md5-dos2unix the object content is the raw file and the name
   * its dos2unix hash. Skips all I/O when `opts.oid` is given and a trusted object exists.
   */
  async addFile(srcPath: string, hashName: HashName, opts: AddFileOptions = {}): Promise<{ oid: string; size: number }> {
    if (opts.signal?.aborted) throw abortedError(opts.signal, srcPath);
    if (opts.oid !== undefined && isTrustedObjectSync(this.objectPath(opts.oid, hashName))) {
      try {
        return { oid: opts.oid, size: (await stat(srcPath)).size };
      } catch (e) {
        throw fsError(e, srcPath);
      }
    }
    const task: HashTask = { path: srcPath, hashName, ...(opts.dos2unix ? { dos2unix: opts.dos2unix } : {}) };
    let size: number;
    try {
      size = (await stat(srcPath)).size;
    } catch (e) {
      throw fsError(e, srcPath);
    }
    let r: HashOutcome;
    if (size < SMALL_FILE_MAX) {
      const h = await this.hasher();
      r = h.hash(task, this.sink(hashName), () => !!opts.signal?.aborted, opts.onBytes);
      if (r.size < SMALL_FILE_MAX) opts.onBytes?.(r.size);
    } else {
      r = await hashToSink(task, this.sink(hashName), {
        backend: this.backend,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onBytes ? { onBytes: opts.onBytes } : {}),
      });
    }
    return { oid: r.md5, size: r.size };
  }

  /**
   * {@link putVerified} for a small object readable as a local file (a directory remote's copy):
   * one synchronous read into the reused buffer, hashed, written under a temp name and renamed
   * only if it hashes to `oid`, else CORRUPT_OBJECT with nothing stored. For 3.x file objects under
   * SMALL_FILE_MAX; undefined for anything else (use putVerified). A missing file is NOT_FOUND.
   */
  async putVerifiedFile(oid: string, hashName: HashName, srcPath: string): Promise<{ size: number } | undefined> {
    if (hashName !== "md5" || isDirOid(oid)) return undefined;
    const st = statSync(srcPath, { throwIfNoEntry: false });
    if (!st) throw fsError(Object.assign(new Error("ENOENT"), { code: "ENOENT" }), srcPath);
    if (st.size >= SMALL_FILE_MAX) return undefined;
    const h = await this.hasher();
    const r = h.hash({ path: srcPath, hashName, expect: assertOid(oid, "object id") }, this.sink(hashName));
    return { size: r.size };
  }

  /** Store bytes (a `.dir` manifest with `isDir`, named md5(bytes) + ".dir"), atomically, 0444. */
  async addBytes(bytes: Uint8Array, hashName: HashName, opts: { isDir?: boolean } = {}): Promise<{ oid: string; size: number }> {
    const h = contentHasher(await createMd5(this.backend), opts.isDir ? { hashName: "md5" } : { hashName });
    h.update(bytes);
    const oid = h.digest() + (opts.isDir ? ".dir" : "");
    const final = this.objectPath(oid, hashName);
    if (isTrustedObjectSync(final)) return { oid, size: bytes.length };
    const tmp = join(dirname(final), tmpName());
    try {
      const fh = await inDir(dirname(final), this.shared, this.knownDirs, () => open(tmp, "wx", OBJECT_MODE));
      try {
        await fh.writeFile(bytes);
        await fh.chmod(OBJECT_MODE);
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    return { oid, size: bytes.length };
  }

  /** The hasher that computes an object's name from its content (`.dir`: plain md5). */
  private objectHasher(inner: Md5Hasher, oid: string, hashName: HashName, variant?: Dos2UnixVariant): Md5Hasher {
    if (isDirOid(oid) || hashName === "md5") return inner;
    return contentHasher(inner, { hashName, dos2unix: variant ?? "2.x" });
  }

  private static nameOf(oid: string, digest: string): string {
    return isDirOid(oid) ? digest + ".dir" : digest;
  }

  /**
   * Does the file at `path` hash to `oid` under `hashName`? Legacy (md5-dos2unix) file objects
   * are checked with the 2.x variant (what 2.x wrote) and, for files over 1 MiB where the two
   * differ, with the 3.x variant too (what DVC 3.x computes for legacy names).
   */
  private async matches(path: string, oid: string, hashName: HashName, knownDigest2x?: string): Promise<boolean> {
    const legacyFile = hashName === "md5-dos2unix" && !isDirOid(oid);
    const first =
      knownDigest2x ??
      (await hashFile(path, { hashName: legacyFile ? "md5-dos2unix" : "md5", dos2unix: "2.x", backend: this.backend })).md5;
    if (LocalCache.nameOf(oid, first) === oid) return true;
    if (!legacyFile) return false;
    const st = await stat(path);
    if (st.size <= DOS2UNIX_CHUNK) return false;
    return (await hashFile(path, { hashName, dos2unix: "3.x", backend: this.backend })).md5 === oid;
  }

  /**
   * Store a downloaded object: stream `source` to a temp file while hashing it with the object's
   * hash; rename into place (0444) only if it matches `oid`, else delete the temp and throw
   * CORRUPT_OBJECT. Nothing that does not match ever appears under the final name.
   */
  async putVerified(
    oid: string,
    hashName: HashName,
    source: AsyncIterable<Uint8Array> | Readable,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ size: number }> {
    const final = this.objectPath(oid, hashName);
    const tmp = join(dirname(final), tmpName());
    const h = this.objectHasher(await createMd5(this.backend), oid, hashName);
    let size = 0;
    try {
      const fh = await inDir(dirname(final), this.shared, this.knownDirs, () => open(tmp, "wx", OBJECT_MODE));
      try {
        // One write at a time, awaited before the next chunk is pulled: a source may reuse its
        // buffer once it is asked for more (downloads are network-bound anyway).
        for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
          if (opts.signal?.aborted) throw abortedError(opts.signal, oid);
          const c = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
          h.update(c);
          size += c.length;
          await fh.write(c);
        }
        await fh.chmod(OBJECT_MODE);
      } finally {
        await fh.close();
      }
      const got = LocalCache.nameOf(oid, h.digest());
      if (got !== oid && !(await this.matches(tmp, oid, hashName, got.replace(/\.dir$/, "")))) {
        throw new DvxError("CORRUPT_OBJECT", `downloaded object ${oid} is corrupt: its content hashes to ${got}`, {
          data: { oid, hashName, actual: got },
        });
      }
      await rename(tmp, final);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    return { size };
  }

  /**
   * Spec 7.3: mode exactly 0444 -> trusted ("ok"); otherwise re-hash: mismatch -> the object is
   * deleted ("corrupt"), match -> re-protected ("ok").
   */
  async check(oid: string, hashName: HashName): Promise<CheckResult> {
    const p = this.objectPath(oid, hashName);
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return "missing";
      throw e;
    }
    if (!st.isFile()) return "missing";
    if ((st.mode & 0o7777) === OBJECT_MODE) return "ok";
    if (await this.matches(p, oid, hashName)) {
      await chmod(p, OBJECT_MODE).catch(() => {});
      return "ok";
    }
    await unlink(p).catch((e: unknown) => {
      if (errCode(e) !== "ENOENT") throw e;
    });
    return "corrupt";
  }

  /** Valid oids stored under `hashName`'s layout (ignores files/, runs/, temp files, junk). */
  async *listOids(hashName: HashName): AsyncIterable<string> {
    const odb = this.odbDir(hashName);
    let top;
    try {
      top = await readdir(odb, { withFileTypes: true });
    } catch (e) {
      if (errCode(e) === "ENOENT") return;
      throw e;
    }
    for (const d of top) {
      if (d.name.length !== 2 || !d.isDirectory()) continue;
      let names: string[];
      try {
        names = await readdir(join(odb, d.name));
      } catch (e) {
        if (errCode(e) === "ENOENT") continue;
        throw e;
      }
      for (const n of names) {
        const oid = keyToOid(`${d.name}/${n}`);
        if (oid !== undefined) yield oid;
      }
    }
  }

  /** All oids of a layout in memory (for bulk existence checks). */
  async oidSet(hashName: HashName): Promise<Set<string>> {
    const s = new Set<string>();
    for await (const oid of this.listOids(hashName)) s.add(oid);
    return s;
  }

  /** Delete an object; false if it was not there. */
  async remove(oid: string, hashName: HashName): Promise<boolean> {
    try {
      await unlink(this.objectPath(oid, hashName));
      return true;
    } catch (e) {
      if (errCode(e) === "ENOENT") return false;
      throw e;
    }
  }

  /**
   * Re-hash every object of both layouts. Mismatches are moved to
   * `<root>/.dvx-quarantine/<hashName>/<oid>` (kept, not deleted); unreadable objects are
   * reported apart. Uses `pool` when the cache is big enough to pay for it.
   */
  async verifyAll(arg?: ProgressCallback | VerifyOptions): Promise<VerifyReport> {
    const opts: VerifyOptions = typeof arg === "function" ? { onProgress: arg } : (arg ?? {});
    const onProgress = opts.onProgress ?? noProgress;
    const started = Date.now();
    const objs: { oid: string; hashName: HashName; path: string; size: number }[] = [];
    for (const hashName of HASH_NAMES) {
      for await (const oid of this.listOids(hashName)) {
        const path = this.objectPath(oid, hashName);
        const st = statSync(path, { throwIfNoEntry: false });
        if (st?.isFile()) objs.push({ oid, hashName, path, size: st.size });
      }
    }
    const total = { files: objs.length, bytes: objs.reduce((a, o) => a + o.size, 0) };
    onProgress({ type: "start", phase: "verify", total });
    const report: VerifyReport = { checked: 0, ok: 0, corrupt: [], unreadable: [] };
    const done = { files: 0, bytes: 0 };
    const tasks: HashTask[] = objs.map((o) => ({
      path: o.path,
      hashName: o.hashName === "md5-dos2unix" && !isDirOid(o.oid) ? "md5-dos2unix" : "md5",
      dos2unix: "2.x",
      sizeHint: o.size,
    }));
    const digests = new Array<string | Error | undefined>(objs.length);
    const finish = async (i: number, digest: string | Error) => {
      const o = objs[i]!;
      report.checked++;
      done.files++;
      done.bytes += o.size;
      if (digest instanceof Error) {
        report.unreadable.push({ oid: o.oid, hashName: o.hashName, error: digest.message });
        onProgress({ type: "fail", phase: "verify", path: o.path, oid: o.oid, error: digest.message });
        return;
      }
      onProgress({ type: "item", phase: "verify", path: o.path, oid: o.oid, bytes: o.size, done: { ...done }, total });
    };
    const pool = opts.pool;
    const usePool = opts.usePool ?? "auto";
    if (
      pool &&
      usePool !== "never" &&
      (usePool === "always" || poolPays(tasks.length, total.bytes, { started: pool.started, size: pool.size }))
    ) {
      // Per-object errors should not stop the run: hash in chunks, fall back per file on error.
      const CH = 4096;
      for (let s = 0; s < tasks.length; s += CH) {
        const part = tasks.slice(s, s + CH);
        try {
          const rs = await pool.hashMany(part, opts.signal ? { signal: opts.signal } : {});
          rs.forEach((r, k) => (digests[s + k] = r.md5));
        } catch (e) {
          if (errCode(e) === "ABORTED") throw e;
          for (let k = 0; k < part.length; k++) digests[s + k] = await this.hashOne(part[k]!, opts.signal);
        }
      }
    } else {
      for (let i = 0; i < tasks.length; i++) digests[i] = await this.hashOne(tasks[i]!, opts.signal);
    }
    for (let i = 0; i < objs.length; i++) {
      const o = objs[i]!;
      const d = digests[i]!;
      if (!(d instanceof Error)) {
        let ok: boolean;
        try {
          ok = await this.matches(o.path, o.oid, o.hashName, d);
        } catch (e) {
          await finish(i, e as Error);
          continue;
        }
        if (ok) report.ok++;
        else if (opts.quarantine === false) report.corrupt.push({ oid: o.oid, hashName: o.hashName, path: o.path });
        else report.corrupt.push({ oid: o.oid, hashName: o.hashName, path: o.path, quarantinedTo: await this.quarantine(o.path, o.oid, o.hashName) });
      }
      await finish(i, d);
    }
    onProgress({ type: "end", phase: "verify", done, failed: report.corrupt.length + report.unreadable.length, elapsedMs: Date.now() - started });
    return report;
  }

  private async hashOne(task: HashTask, signal?: AbortSignal): Promise<string | Error> {
    if (signal?.aborted) throw abortedError(signal);
    try {
      if ((task.sizeHint ?? 0) < SMALL_FILE_MAX) return (await this.hasher()).hash(task).md5;
      return (await hashToSink(task, undefined, { backend: this.backend, ...(signal ? { signal } : {}) })).md5;
    } catch (e) {
      if (errCode(e) === "ABORTED") throw e;
      return e as Error;
    }
  }

  private async quarantine(path: string, oid: string, hashName: HashName): Promise<string> {
    const dir = join(this.root, QUARANTINE_DIR, hashName);
    await mkdir(dir, { recursive: true });
    let dest = join(dir, oid);
    try {
      await stat(dest);
      dest = `${dest}.${tmpName().slice(1, 9)}`;
    } catch {
      // free
    }
    await rename(path, dest);
    return dest;
  }

  /**
   * Put one workspace file in place from the cache (spec 7.4), atomically, trying `linkTypes`
   * in order and remembering the first that works for this list. Returns the type used.
   */
  async checkoutFile(oid: string, hashName: HashName, destAbsPath: string, opts: CheckoutFileOptions = {}): Promise<LinkType> {
    const src = this.objectPath(oid, hashName);
    let size: number;
    try {
      size = (await stat(src)).size;
    } catch (e) {
      if (errCode(e) === "ENOENT") throw this.missing(oid, hashName, e);
      throw e;
    }
    const configured = opts.linkTypes ?? this.linkTypes;
    const types = configured.filter((t) => LINK_TYPES.includes(t));
    if (types.length === 0) throw new DvxError("CONFIG_ERROR", `no usable cache.type in [${configured.join(", ")}]`);
    if (!opts.parentExists) await mkdir(dirname(destAbsPath), { recursive: true });
    const key = types.join(",");
    const remembered = this.linkMemo.get(key);
    const order = remembered ? [remembered, ...types.filter((t) => t !== remembered)] : types;
    let lastErr: unknown;
    for (const type of order) {
      try {
        await placeFile(src, destAbsPath, type, { umask: this.umask, isexec: !!opts.isexec, size });
        if (remembered !== type) this.linkMemo.set(key, type);
        return type;
      } catch (e) {
        if (!isLinkUnsupported(e)) throw e;
        lastErr = e;
      }
    }
    throw new DvxError(
      "CONFIG_ERROR",
      `no link type of [${types.join(", ")}] works from the cache to '${destAbsPath}'`,
      { data: { path: destAbsPath, oid }, cause: lastErr, hint: "add 'copy' to cache.type" },
    );
  }
}
