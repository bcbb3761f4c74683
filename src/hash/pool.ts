/**
 * A persistent pool of worker threads that hash (and optionally store into a local ODB) many
 * files. Files travel in batches (one message per batch, not per file); each worker keeps up to
 * two batches queued so it never waits for the main thread; batches are dispatched largest
 * first (LPT scheduling) so one big file does not finish last on an otherwise idle pool.
 *
 * Workers start lazily on the first job and are unref'd while idle (a forgotten pool does not
 * keep the process alive); `close()` terminates them. A job stops at its first error (the
 * others are told through a shared abort flag) and settles only after every batch it sent has
 * come back, so no worker is still writing a temp file when the promise settles.
 *
 * Whether a job is worth the pool is decided by {@link poolPays}.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { DvxError } from "../errors.js";
import { deserializeError, type HashOutcome, type HashTask, type ObjectSink } from "./hashStore.js";
import { abortedError, type HashBackend } from "./md5.js";
import type { WorkerReply, WorkerRequest } from "./poolProtocol.js";

export interface HashPoolOptions {
  /** Number of worker threads; default: the number of CPUs. */
  size?: number;
  backend?: HashBackend;
}

export interface HashManyOptions {
  /** Store every file as an object of this ODB while hashing (one pass). */
  sink?: ObjectSink;
  signal?: AbortSignal;
  /** One file finished (completion order). */
  onResult?: (index: number, outcome: HashOutcome) => void;
  /** Bytes read: every byte is reported exactly once (large files as they go). */
  onBytes?: (bytes: number) => void;
}

/**
 * Tasks made on demand: a job of 200,000 files does not hold 200,000 task objects (and their
 * path strings) at once, only those of the batches in flight.
 */
export interface TaskSource {
  readonly length: number;
  task(index: number): HashTask;
  /** Expected size of task `index`, to plan batches (a task's `sizeHint`). */
  sizeHint(index: number): number;
}

/** A batch holds at most this many files... */
const BATCH_FILES = 256;
/** ...or this many bytes; larger files travel alone. */
const BATCH_BYTES = 16 << 20;
/** Batches queued per worker. */
const IN_FLIGHT = 2;
/** Planning cost of one file, in bytes-equivalent (open/read/close ~ 13 µs ~ 10 KB of MD5). */
const FILE_COST_BYTES = 10_000;

/**
 * Is a job big enough to pay for the pool? Measured on the 2-core machine of ts-stack.md (see
 * the report in docs/): starting 2 workers costs ~80-90 ms from compiled JS; the main thread
 * hashes ~77k small files/s and ~750 MB/s, 2 workers ~150k files/s and ~1000 MB/s aggregate.
 * Break-even is ~13k small files or ~240 MB; with cache writes (hash+copy) per-file work roughly
 * doubles, halving the break-even. Once the pool is running only a few batches are needed.
 */
export function poolPays(
  files: number,
  bytes: number,
  opts: { started: boolean; storing?: boolean; size?: number } = { started: false },
): boolean {
  if ((opts.size ?? 2) < 2 || files < 2) return false;
  const work = files * FILE_COST_BYTES * (opts.storing ? 2 : 1) + bytes;
  // Started: worth it as soon as there are a few batches' worth of work to share.
  if (opts.started) return work >= 2 * BATCH_BYTES;
  return work >= 128_000_000;
}

interface Job {
  source: TaskSource;
  abort: Int32Array;
  sink: ObjectSink | undefined;
  opts: HashManyOptions;
  pendingBatches: number;
  inFlight: number;
  error: unknown;
  stopped: boolean;
  settled: boolean;
  settle: (err: unknown) => void;
}

interface Batch {
  id: number;
  job: Job;
  indices: number[];
  cost: number;
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, Batch>;
  dead: boolean;
}

/** Spawn a worker from compiled JS (dist/) or, when running TypeScript directly (vitest, tsx),
 * from the .ts entry through tsx's ESM hooks: workers do not inherit the parent's loader, and
 * Node 20 ignores `--import` in a worker's execArgv for the worker's own entry module. */
function spawnWorker(backend: HashBackend): Worker {
  const workerData = { backend };
  const js = new URL("./hashWorker.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData });
  const ts = new URL("./hashWorker.ts", import.meta.url);
  if (!existsSync(fileURLToPath(ts))) throw new Error(`hash worker entry not found next to ${import.meta.url}`);
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(require.resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

export class HashPool {
  readonly size: number;
  private readonly backend: HashBackend;
  private readonly workers: PoolWorker[] = [];
  private queue: Batch[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: HashPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(opts.size ?? availableParallelism()));
    this.backend = opts.backend ?? "node";
  }

  get started(): boolean {
    return this.workers.length > 0;
  }

  /** Hash `tasks` across the workers; results in input order. Rejects with the first error. */
  async hashMany(tasks: HashTask[], opts: HashManyOptions = {}): Promise<HashOutcome[]> {
    const results = new Array<HashOutcome>(tasks.length);
    const source: TaskSource = { length: tasks.length, task: (i) => tasks[i]!, sizeHint: (i) => tasks[i]!.sizeHint ?? 0 };
    await this.run(source, {
      ...opts,
      onResult: (i, r) => {
        results[i] = r;
        opts.onResult?.(i, r);
      },
    });
    return results;
  }

  /**
   * Hash every task of `source` across the workers; outcomes go only to `opts.onResult` (nothing
   * is kept per task). Rejects with the first error, once no batch of the job is in flight.
   */
  run(source: TaskSource, opts: HashManyOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new DvxError("USAGE", "hash pool is closed"));
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (source.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.stopJob(job, abortedError(signal));
      const job: Job = {
        source,
        abort: new Int32Array(new SharedArrayBuffer(4)),
        sink: opts.sink,
        opts,
        pendingBatches: 0,
        inFlight: 0,
        error: undefined,
        stopped: false,
        settled: false,
        settle: (err) => {
          signal?.removeEventListener("abort", onAbort);
          if (err === undefined) resolve();
          else reject(err);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const batches = this.plan(job);
      job.pendingBatches = batches.length;
      this.queue.push(...batches);
      this.queue.sort((a, b) => b.cost - a.cost);
      this.pump();
    });
  }

  private plan(job: Job): Batch[] {
    const out: Batch[] = [];
    let cur: number[] = [];
    let bytes = 0;
    const flush = () => {
      if (cur.length === 0) return;
      out.push({ id: this.nextId++, job, indices: cur, cost: bytes + cur.length * FILE_COST_BYTES });
      cur = [];
      bytes = 0;
    };
    const n = job.source.length;
    for (let i = 0; i < n; i++) {
      const size = job.source.sizeHint(i);
      if (size >= BATCH_BYTES) {
        out.push({ id: this.nextId++, job, indices: [i], cost: size + FILE_COST_BYTES });
        continue;
      }
      if (cur.length >= BATCH_FILES || bytes + size > BATCH_BYTES) flush();
      cur.push(i);
      bytes += size;
    }
    flush();
    return out;
  }

  private startWorkers(): void {
    while (this.workers.filter((w) => !w.dead).length < this.size) {
      const pw: PoolWorker = { worker: spawnWorker(this.backend), inFlight: new Map(), dead: false };
      pw.worker.on("message", (m: WorkerReply) => this.onMessage(pw, m));
      pw.worker.on("error", (e) => this.onWorkerDeath(pw, e));
      pw.worker.on("exit", (code) => {
        if (!this.closed) this.onWorkerDeath(pw, new Error(`hash worker exited with code ${code}`));
      });
      this.workers.push(pw);
    }
  }

  private pump(): void {
    if (this.queue.length === 0) return;
    this.startWorkers();
    for (;;) {
      let progressed = false;
      for (const pw of this.workers) {
        if (pw.dead || pw.inFlight.size >= IN_FLIGHT) continue;
        const batch = this.queue.shift();
        if (!batch) return;
        if (batch.job.stopped) {
          this.batchDone(batch);
          progressed = true;
          continue;
        }
        const job = batch.job;
        const req: WorkerRequest = {
          id: batch.id,
          tasks: batch.indices.map((i) => job.source.task(i)),
          ...(job.sink ? { sink: job.sink } : {}),
          abort: job.abort.buffer as SharedArrayBuffer,
        };
        pw.inFlight.set(batch.id, batch);
        job.inFlight++;
        if (pw.inFlight.size === 1) pw.worker.ref();
        pw.worker.postMessage(req);
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  private onMessage(pw: PoolWorker, m: WorkerReply): void {
    const batch = pw.inFlight.get(m.id);
    if (!batch) return;
    const job = batch.job;
    if (m.type === "bytes") {
      if (!job.stopped) job.opts.onBytes?.(m.bytes);
      return;
    }
    pw.inFlight.delete(m.id);
    if (pw.inFlight.size === 0) pw.worker.unref();
    job.inFlight--;
    if (!job.stopped) {
      if (m.bytes > 0) job.opts.onBytes?.(m.bytes);
      m.results.forEach((r, k) => {
        const index = batch.indices[k]!;
        if ("error" in r) {
          if (!job.stopped) this.stopJob(job, deserializeError(r.error));
          return;
        }
        if (!job.stopped) job.opts.onResult?.(index, r);
      });
    }
    this.batchDone(batch);
    this.pump();
  }

  private batchDone(batch: Batch): void {
    const job = batch.job;
    job.pendingBatches--;
    this.maybeSettle(job);
  }

  private maybeSettle(job: Job): void {
    if (job.settled) return;
    if (job.stopped) {
      if (job.inFlight > 0) return;
      job.settled = true;
      job.settle(job.error);
    } else if (job.pendingBatches === 0) {
      job.settled = true;
      job.settle(undefined);
    }
  }

  /** Stop a job: tell the workers, drop its queued batches, settle once nothing is in flight. */
  private stopJob(job: Job, err: unknown): void {
    if (job.stopped) return;
    job.stopped = true;
    job.error = err;
    Atomics.store(job.abort, 0, 1);
    const dropped = this.queue.filter((b) => b.job === job);
    this.queue = this.queue.filter((b) => b.job !== job);
    job.pendingBatches -= dropped.length;
    this.maybeSettle(job);
  }

  private onWorkerDeath(pw: PoolWorker, err: unknown): void {
    if (pw.dead) return;
    pw.dead = true;
    const idx = this.workers.indexOf(pw);
    if (idx >= 0) this.workers.splice(idx, 1);
    for (const batch of pw.inFlight.values()) {
      batch.job.inFlight--;
      batch.job.pendingBatches--;
      this.stopJob(batch.job, err);
      this.maybeSettle(batch.job);
    }
    pw.inFlight.clear();
    void pw.worker.terminate();
    if (!this.closed) this.pump();
  }

  /** Terminate the workers; queued jobs are rejected. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new DvxError("ABORTED", "hash pool closed");
    for (const b of this.queue) this.stopJob(b.job, err);
    const ws = this.workers.splice(0);
    for (const pw of ws) {
      pw.dead = true;
      for (const batch of pw.inFlight.values()) {
        batch.job.inFlight--;
        this.stopJob(batch.job, err);
        this.maybeSettle(batch.job);
      }
    }
    await Promise.all(ws.map((pw) => pw.worker.terminate()));
  }
}
