/**
 * The hot path of `add`, `commit` and `status`: hash many workspace files, reading each at most
 * once, and (with a cache) store new objects in the same pass.
 *
 * 1. State first, batched (one transaction): an unchanged file (same ino, size, mtime_ns) is not
 *    read at all. With a cache, a state hit whose object is missing is re-read and stored.
 * 2. What is left is hashed, and stored when `cache` is set (hashStore.ts: temp file + rename,
 *    0444): across the worker pool when the job pays for it (pool.ts `poolPays`), else on the
 *    main thread (sync reads with one reused buffer for small files, a 4 MiB-read stream with
 *    read/hash/write overlapped for large ones).
 * 3. New hashes go to state in one batch, also when the run fails or is aborted (work done is
 *    kept), except "racy" entries (mtime too close to the read to be trusted, state.ts isRacy)
 *    and files whose size changed since they were stat'ed.
 * Results come back in input order.
 *
 * {@link hashEach} is the same over a {@link FileSource}, with each result handed to a callback:
 * a 200,000-file `add` builds the paths, stat objects, tasks and state rows of a few thousand
 * files at a time instead of all of them at once (peak RSS).
 */
import { availableParallelism } from "node:os";
import { DvxError } from "../errors.js";
import { hashToSink, SyncFileHasher, type HashOutcome, type ObjectSink } from "../hash/hashStore.js";
import { abortedError, createMd5Factory, SMALL_FILE_MAX, type Dos2UnixVariant, type HashBackend } from "../hash/md5.js";
import { HashPool, poolPays, type TaskSource } from "../hash/pool.js";
import { isRacy, type FileStat, type HashState, type StateEntry, type StatPath } from "../hash/state.js";
import type { HashName } from "../odb/oid.js";
import { noProgress, type Counts, type ProgressCallback } from "../progress.js";
import type { LocalCache } from "./localCache.js";

export interface IngestFile {
  absPath: string;
  stat: FileStat;
}

export interface HashedFile {
  md5: string;
  size: number;
  /** True when the hash came from state (the file was not read). */
  fromState: boolean;
  /** True when state now holds this hash for this stat (came from it, or was recorded). */
  inState: boolean;
}

export interface HashFilesOptions {
  state: HashState;
  hashName: HashName;
  /** md5-dos2unix variant; default "2.x". */
  dos2unix?: Dos2UnixVariant;
  /** When set, also store every file as an object (one pass). */
  cache?: LocalCache;
  /** A persistent pool to use when the job pays for it; without one, a temporary pool of `jobs`
   * workers is started for big jobs and closed at the end. */
  pool?: HashPool;
  /** Worker threads for a temporary pool (default: CPUs); 1 = main thread only. */
  jobs?: number;
  /** Override the pool decision ("auto" = {@link poolPays}). */
  usePool?: "auto" | "always" | "never";
  backend?: HashBackend;
  onProgress?: ProgressCallback;
  /** Called once for every file actually read and hashed (not for state hits). */
  onHashed?: (absPath: string, result: HashedFile) => void;
  signal?: AbortSignal;
}

/** The main thread yields to the event loop this often while hashing small files (ms). */
const YIELD_EVERY_MS = 25;

/** Files by index, their paths and stat objects made on demand. */
export interface FileSource {
  readonly length: number;
  absPath(i: number): string;
  stat(i: number): FileStat;
  size(i: number): number;
}

/** State rows are read and written this many at a time. */
const STATE_CHUNK = 4096;

export async function hashFiles(files: readonly IngestFile[], opts: HashFilesOptions): Promise<HashedFile[]> {
  const results = new Array<HashedFile>(files.length);
  const source: FileSource = {
    length: files.length,
    absPath: (i) => files[i]!.absPath,
    stat: (i) => files[i]!.stat,
    size: (i) => files[i]!.stat.size,
  };
  await hashEach(source, opts, (i, r) => void (results[i] = r));
  return results;
}

/** {@link hashFiles}, each result handed to `onFile` (in completion order) instead of kept. */
export async function hashEach(files: FileSource, opts: HashFilesOptions, onFile: (index: number, result: HashedFile) => void): Promise<void> {
  const { state, hashName, cache, signal } = opts;
  const onProgress = opts.onProgress ?? noProgress;
  if (signal?.aborted) throw abortedError(signal);
  const started = Date.now();
  const n = files.length;
  const total: Counts = { files: n, bytes: 0 };
  for (let i = 0; i < n; i++) total.bytes += files.size(i);
  const done: Counts = { files: 0, bytes: 0 };
  let failed = 0;
  onProgress({ type: "start", phase: "hash", total: { ...total } });

  // 1. state, batched
  const known = lookUpState(files, state, hashName);
  if (cache) await dropHitsWithoutObject(known, cache, hashName);
  const misses: number[] = [];
  for (let i = 0; i < n; i++) {
    const md5 = known[i];
    if (md5 === undefined) {
      misses.push(i);
      continue;
    }
    const size = files.size(i);
    done.files++;
    done.bytes += size;
    onFile(i, { md5, size, fromState: true, inState: true });
    onProgress({ type: "item", phase: "hash", path: files.absPath(i), oid: md5, bytes: size, done: { ...done }, total });
  }
  known.length = 0;

  // 2. hash (and store) the rest
  const readStartedAt = Date.now();
  let newEntries: StateEntry[] = [];
  const finishOne = (i: number, r: HashOutcome) => {
    const st = files.stat(i);
    const absPath = files.absPath(i);
    const recorded = r.size === st.size && !isRacy(st, readStartedAt);
    const res: HashedFile = { md5: r.md5, size: r.size, fromState: false, inState: recorded };
    done.files++;
    if (recorded) {
      newEntries.push({ absPath, stat: st, hashName, md5: r.md5 });
      if (newEntries.length >= STATE_CHUNK) {
        state.setMany(newEntries);
        newEntries = [];
      }
    }
    onFile(i, res);
    opts.onHashed?.(absPath, res);
    onProgress({ type: "item", phase: "hash", path: absPath, oid: r.md5, bytes: r.size, done: { ...done }, total });
  };
  /** Every byte read is counted exactly once; `emit` = also send a "bytes" event (large files). */
  const onBytes = (bytes: number, path?: string, emit = true) => {
    done.bytes += bytes;
    if (emit) onProgress({ type: "bytes", phase: "hash", ...(path ? { path } : {}), done: { ...done }, total });
  };

  let tempPool: HashPool | undefined;
  try {
    if (misses.length > 0) {
      const sink = cache?.sink(hashName);
      const dos2unix = opts.dos2unix;
      const tasks: TaskSource = {
        length: misses.length,
        task: (k) => ({ path: files.absPath(misses[k]!), hashName, ...(dos2unix ? { dos2unix } : {}), sizeHint: files.size(misses[k]!) }),
        sizeHint: (k) => files.size(misses[k]!),
      };
      let missBytes = 0;
      for (const i of misses) missBytes += files.size(i);
      const pool = choosePool(opts, misses.length, missBytes, !!cache);
      if (pool) {
        if (pool !== opts.pool) tempPool = pool;
        await pool.run(tasks, {
          ...(sink ? { sink } : {}),
          ...(signal ? { signal } : {}),
          onResult: (k, r) => finishOne(misses[k]!, r),
          onBytes: (b) => onBytes(b),
        });
      } else {
        await hashOnMainThread(tasks, sink, opts, (k, r) => finishOne(misses[k]!, r), onBytes);
      }
    }
  } catch (e) {
    failed++;
    if (!(e instanceof DvxError && e.code === "ABORTED")) {
      onProgress({ type: "fail", phase: "hash", error: e instanceof Error ? e.message : String(e) });
    }
    throw e;
  } finally {
    // 3. record what was hashed, even on failure
    if (newEntries.length) state.setMany(newEntries);
    if (tempPool) await tempPool.close();
    onProgress({ type: "end", phase: "hash", done: { ...done }, failed, elapsedMs: Date.now() - started });
  }
}

/** The recorded hash of every file (undefined: not known), looked up STATE_CHUNK rows at a time. */
function lookUpState(files: FileSource, state: HashState, hashName: HashName): (string | undefined)[] {
  const n = files.length;
  const known = new Array<string | undefined>(n);
  for (let start = 0; start < n; start += STATE_CHUNK) {
    const end = Math.min(n, start + STATE_CHUNK);
    const items = new Array<StatPath>(end - start);
    for (let i = start; i < end; i++) items[i - start] = { absPath: files.absPath(i), stat: files.stat(i) };
    const got = state.getMany(items, hashName);
    for (let i = start; i < end; i++) known[i] = got[i - start];
  }
  return known;
}

/** With a cache, a state hit is only good if its object is there; otherwise hash (and store) it. */
async function dropHitsWithoutObject(known: (string | undefined)[], cache: LocalCache, hashName: HashName): Promise<void> {
  let hits = 0;
  for (const k of known) if (k !== undefined) hits++;
  if (hits === 0) return;
  const have = cache.existingSync(known.filter((k): k is string => k !== undefined), hashName);
  for (let i = 0; i < known.length; i++) if (known[i] !== undefined && !have.has(known[i]!)) known[i] = undefined;
}

function choosePool(opts: HashFilesOptions, files: number, bytes: number, storing: boolean): HashPool | undefined {
  const mode = opts.usePool ?? "auto";
  if (mode === "never") return undefined;
  const size = opts.pool?.size ?? Math.max(1, Math.floor(opts.jobs ?? availableParallelism()));
  if (mode === "auto" && !poolPays(files, bytes, { started: opts.pool?.started ?? false, storing, size })) return undefined;
  return opts.pool ?? new HashPool({ size, ...(opts.backend ? { backend: opts.backend } : {}) });
}

async function hashOnMainThread(
  tasks: TaskSource,
  sink: ObjectSink | undefined,
  opts: HashFilesOptions,
  onResult: (k: number, r: HashOutcome) => void,
  onBytes: (n: number, path?: string, emit?: boolean) => void,
): Promise<void> {
  const { signal } = opts;
  let sync: SyncFileHasher | undefined;
  let last = Date.now();
  for (let k = 0; k < tasks.length; k++) {
    if (signal?.aborted) throw abortedError(signal);
    const t = tasks.task(k);
    let r: HashOutcome;
    if (t.sizeHint! < SMALL_FILE_MAX) {
      sync ??= new SyncFileHasher(await createMd5Factory(opts.backend ?? "node"));
      let streamed = 0;
      r = sync.hash(t, sink, undefined, (n) => {
        streamed += n;
        onBytes(n, t.path);
      });
      if (r.size > streamed) onBytes(r.size - streamed, t.path, false);
      if (Date.now() - last >= YIELD_EVERY_MS) {
        await new Promise<void>((res) => setImmediate(res));
        last = Date.now();
      }
    } else {
      r = await hashToSink(t, sink, {
        ...(opts.backend ? { backend: opts.backend } : {}),
        ...(signal ? { signal } : {}),
        onBytes: (n) => onBytes(n, t.path),
      });
      last = Date.now();
    }
    onResult(k, r);
  }
}
