/** Event streams for renderer tests: what a push of `n` small objects plus one .dir emits. */
import type { ProgressEvent } from "../../../src/progress.js";

export function pushEvents(n: number, opts: { size?: number; failEvery?: number; stopAt?: number } = {}): ProgressEvent[] {
  const size = opts.size ?? 200;
  const total = { files: n + 1, bytes: n * size + 4000 };
  const events: ProgressEvent[] = [{ type: "start", phase: "push" }, { type: "start", phase: "push", total }];
  const done = { files: 0, bytes: 0 };
  let failed = 0;
  const stop = opts.stopAt ?? n + 1;
  for (let i = 0; i < Math.min(n, stop); i++) {
    const oid = i.toString(16).padStart(32, "0");
    if (opts.failEvery && i % opts.failEvery === opts.failEvery - 1) {
      failed++;
      events.push({ type: "fail", phase: "push", oid, error: "connection reset" });
      continue;
    }
    done.files++;
    done.bytes += size;
    events.push({ type: "item", phase: "push", oid, bytes: size, done: { ...done }, total });
  }
  if (stop > n) {
    done.files++;
    done.bytes += 4000;
    events.push({ type: "item", phase: "push", oid: "f".repeat(32) + ".dir", bytes: 4000, done: { ...done }, total });
    events.push({ type: "end", phase: "push", done: { ...done }, failed, elapsedMs: 1234 });
  }
  return events;
}

export function hashEvents(root: string, files: string[], size = 1000): ProgressEvent[] {
  const total = { files: files.length, bytes: files.length * size };
  const events: ProgressEvent[] = [{ type: "start", phase: "hash", total }];
  const done = { files: 0, bytes: 0 };
  for (const f of files) {
    done.files++;
    done.bytes += size;
    events.push({ type: "item", phase: "hash", path: `${root}/${f}`, oid: "0".repeat(32), bytes: size, done: { ...done }, total });
  }
  events.push({ type: "end", phase: "hash", done: { ...done }, failed: 0, elapsedMs: 10 });
  return events;
}

/** Applies events spaced `stepMs` apart starting at `t0`; returns the time after the last. */
export function feed(apply: (e: ProgressEvent, t: number) => void, events: ProgressEvent[], t0 = 0, stepMs = 1): number {
  let t = t0;
  for (const e of events) {
    apply(e, t);
    t += stepMs;
  }
  return t;
}
