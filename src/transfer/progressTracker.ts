/**
 * Emits the typed progress events (src/progress.ts) of one transfer phase: start (without totals),
 * start again with totals after planning, one item per object, throttled byte events inside large
 * objects, fail per failed object, end.
 */
import type { Counts, Phase, ProgressCallback } from "../progress.js";

const BYTES_EVENT_EVERY = 1024 * 1024;

export class PhaseProgress {
  private readonly t0 = Date.now();
  private readonly done: Counts = { files: 0, bytes: 0 };
  private total: Counts | undefined;
  private failed = 0;
  /** Bytes announced through bytes(), in total and for objects already finished. */
  private streamed = 0;
  private streamedFinished = 0;
  private lastEmit = 0;

  constructor(
    private readonly phase: Phase,
    private readonly cb: ProgressCallback | undefined,
  ) {}

  start(total?: Counts): void {
    this.total = total;
    this.cb?.({ type: "start", phase: this.phase, ...(total ? { total: { ...total } } : {}) });
  }

  /** Bytes moved inside an object still in flight (for smooth bars on big files). */
  bytes(n: number): void {
    if (!this.cb) return;
    this.streamed += n;
    if (this.streamed - this.lastEmit < BYTES_EVENT_EVERY) return;
    this.lastEmit = this.streamed;
    this.cb({
      type: "bytes",
      phase: this.phase,
      done: { files: this.done.files, bytes: this.done.bytes + (this.streamed - this.streamedFinished) },
      ...(this.total ? { total: { ...this.total } } : {}),
    });
  }

  /** An object finished; `streamed` = bytes already announced through bytes() for it. */
  item(oid: string, bytes: number, streamed = 0, path?: string): void {
    this.done.files += 1;
    this.done.bytes += bytes;
    this.streamedFinished += streamed;
    this.cb?.({
      type: "item",
      phase: this.phase,
      oid,
      ...(path ? { path } : {}),
      bytes,
      done: { ...this.done },
      ...(this.total ? { total: { ...this.total } } : {}),
    });
  }

  fail(oid: string, error: string): void {
    this.failed += 1;
    this.cb?.({ type: "fail", phase: this.phase, oid, error });
  }

  end(): void {
    this.cb?.({ type: "end", phase: this.phase, done: { ...this.done }, failed: this.failed, elapsedMs: Date.now() - this.t0 });
  }
}
