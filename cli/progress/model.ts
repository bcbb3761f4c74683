/**
 * The progress state both renderers draw from. Events are folded in with O(1) work each (no
 * allocation beyond the event itself), so a transfer of a million objects pays nothing for being
 * watched; all formatting happens in `snapshot()`, which the renderers call on their own timer.
 *
 * A phase that starts again after it ended (one hashing run per output in `add a b c`, one push
 * per remote) accumulates: counts and totals add up, so the bar shows the whole command's work.
 * Throughput is measured over a sliding window of snapshots (the last few seconds), so the ETA
 * follows the current speed rather than the average since the start.
 */
import * as path from "node:path";
import type { Counts, Phase, ProgressEvent } from "../../src/progress.js";

export interface PhaseView {
  phase: Phase;
  done: Counts;
  /** undefined while the command is still planning (how much to do is not known yet) */
  total?: Counts;
  failed: number;
  /** 0..1, or undefined when the total is unknown */
  fraction?: number;
  bytesPerSec: number;
  filesPerSec: number;
  etaMs?: number;
  elapsedMs: number;
  /** most recent files (or objects) first, relative to cwd */
  current: string[];
  ended: boolean;
}

interface PhaseState {
  phase: Phase;
  /** counts of earlier runs of the same phase */
  base: Counts;
  baseTotal: Counts;
  /** the current run */
  done: Counts;
  total?: Counts;
  failed: number;
  startedAt: number;
  endedAt?: number;
  /** as the events gave them (made relative to cwd only when a snapshot shows them) */
  recent: string[];
  samples: Array<{ t: number; bytes: number; files: number }>;
}

/**
 * How much work one object is worth in bytes, beside its size: the fraction done and the ETA
 * weigh `files * PER_FILE_BYTES + bytes`, so 3,000 tiny objects followed by one large `.dir`
 * manifest advance by objects, and one 1 GB file among tiny ones advances by bytes.
 */
export const PER_FILE_BYTES = 64 * 1024;
const work = (c: Counts, bytes: boolean) => c.files * PER_FILE_BYTES + (bytes ? c.bytes : 0);

const RECENT = 3;
const WINDOW_MS = 5000;
const SAMPLE_EVERY_MS = 200;

export class ProgressModel {
  private readonly phases: PhaseState[] = [];
  private version = 0;
  private seen = -1;

  constructor(private readonly cwd: string = process.cwd()) {}

  /** Whether anything changed since the last `snapshot()`. */
  get dirty(): boolean {
    return this.version !== this.seen;
  }

  get isEmpty(): boolean {
    return this.phases.length === 0;
  }

  apply(e: ProgressEvent, now: number): void {
    this.version++;
    let s = this.phases.find((p) => p.phase === e.phase);
    if (!s) {
      s = { phase: e.phase, base: { files: 0, bytes: 0 }, baseTotal: { files: 0, bytes: 0 }, done: { files: 0, bytes: 0 }, failed: 0, startedAt: now, recent: [], samples: [] };
      this.phases.push(s);
    }
    switch (e.type) {
      case "start":
        if (s.endedAt !== undefined) {
          // a new run of a phase that had ended: keep what it did
          s.base = { files: s.base.files + s.done.files, bytes: s.base.bytes + s.done.bytes };
          s.baseTotal = { files: s.baseTotal.files + (s.total?.files ?? s.done.files), bytes: s.baseTotal.bytes + (s.total?.bytes ?? s.done.bytes) };
          s.done = { files: 0, bytes: 0 };
          s.total = undefined;
          s.endedAt = undefined;
        }
        if (e.total) s.total = e.total;
        break;
      case "item":
      case "bytes":
        s.done = e.done;
        if (e.total) s.total = e.total;
        if (e.type === "item") this.remember(s, e.path, e.oid);
        else if (e.path) this.remember(s, e.path, undefined);
        break;
      case "fail":
        s.failed++;
        break;
      case "end":
        s.done = e.done;
        s.endedAt = now;
        break;
    }
  }

  private remember(s: PhaseState, p: string | undefined, oid: string | undefined): void {
    const name = p ?? oid;
    if (name === undefined || s.recent[0] === name) return;
    s.recent.unshift(name);
    if (s.recent.length > RECENT) s.recent.length = RECENT;
  }

  /** Paths relative to cwd (events carry absolute paths or repo-relative ones). */
  display(p: string): string {
    if (!path.isAbsolute(p)) return p;
    const rel = path.relative(this.cwd, p);
    return (rel.startsWith("..") ? p : rel).split(path.sep).join("/");
  }

  /** Immutable views of every phase, in the order they started. */
  snapshot(now: number): PhaseView[] {
    this.seen = this.version;
    return this.phases.map((s) => this.view(s, now));
  }

  private view(s: PhaseState, now: number): PhaseView {
    const done = { files: s.base.files + s.done.files, bytes: s.base.bytes + s.done.bytes };
    const total = s.total ? { files: s.baseTotal.files + s.total.files, bytes: s.baseTotal.bytes + s.total.bytes } : undefined;
    const end = s.endedAt ?? now;
    const elapsedMs = Math.max(0, end - s.startedAt);

    // sliding-window throughput
    if (s.endedAt === undefined) {
      const last = s.samples[s.samples.length - 1];
      if (!last || now - last.t >= SAMPLE_EVERY_MS) s.samples.push({ t: now, bytes: done.bytes, files: done.files });
      while (s.samples.length > 2 && now - s.samples[0]!.t > WINDOW_MS) s.samples.shift();
    }
    let bytesPerSec = 0;
    let filesPerSec = 0;
    const first = s.samples[0];
    if (s.endedAt === undefined && first && now - first.t >= 500) {
      bytesPerSec = ((done.bytes - first.bytes) * 1000) / (now - first.t);
      filesPerSec = ((done.files - first.files) * 1000) / (now - first.t);
    } else if (elapsedMs > 0) {
      bytesPerSec = (done.bytes * 1000) / elapsedMs;
      filesPerSec = (done.files * 1000) / elapsedMs;
    }

    let fraction: number | undefined;
    let etaMs: number | undefined;
    if (s.endedAt !== undefined) fraction = 1;
    else if (total) {
      // a phase whose items carry no sizes (gc deletes, checkout links) advances by count alone
      const bytes = done.bytes > 0 || done.files === 0;
      const all = work(total, bytes);
      fraction = all > 0 ? Math.min(1, Math.max(0, work(done, bytes) / all)) : 1;
      const workPerSec = filesPerSec * PER_FILE_BYTES + (bytes ? bytesPerSec : 0);
      if (workPerSec > 0) etaMs = Math.max(0, ((all - work(done, bytes)) / workPerSec) * 1000);
    }
    return {
      phase: s.phase,
      done,
      ...(total ? { total } : {}),
      failed: s.failed,
      ...(fraction !== undefined ? { fraction } : {}),
      bytesPerSec,
      filesPerSec,
      ...(etaMs !== undefined ? { etaMs } : {}),
      elapsedMs,
      current: s.recent.map((p) => this.display(p)),
      ended: s.endedAt !== undefined,
    };
  }
}
