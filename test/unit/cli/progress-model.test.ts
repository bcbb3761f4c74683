import { describe, expect, it } from "vitest";
import { ProgressModel, PER_FILE_BYTES } from "../../../cli/progress/model.js";
import { feed, hashEvents, pushEvents } from "./events.js";

describe("ProgressModel", () => {
  it("tracks done/total, failures and the most recent objects of a phase", () => {
    const m = new ProgressModel("/repo");
    feed((e, t) => m.apply(e, t), pushEvents(100, { failEvery: 10, stopAt: 50 }), 0, 10);
    const [v] = m.snapshot(600);
    expect(v!.phase).toBe("push");
    expect(v!.total).toEqual({ files: 101, bytes: 100 * 200 + 4000 });
    expect(v!.done.files).toBe(45);
    expect(v!.failed).toBe(5);
    expect(v!.ended).toBe(false);
    expect(v!.current[0]).toBe((48).toString(16).padStart(32, "0"));
    expect(v!.current.length).toBeLessThanOrEqual(3);
    expect(v!.fraction).toBeGreaterThan(0.4);
    expect(v!.fraction).toBeLessThan(0.5);
    expect(v!.etaMs).toBeGreaterThan(0);
  });

  it("weighs objects and bytes together, so a big .dir at the end does not hold the bar back", () => {
    const m = new ProgressModel("/repo");
    const total = { files: 1001, bytes: 1000 * 10 + 500_000 };
    m.apply({ type: "start", phase: "push", total }, 0);
    m.apply({ type: "item", phase: "push", oid: "a".repeat(32), bytes: 10, done: { files: 500, bytes: 5000 }, total }, 1000);
    const [v] = m.snapshot(1000);
    const expected = (500 * PER_FILE_BYTES + 5000) / (1001 * PER_FILE_BYTES + 510_000);
    expect(v!.fraction).toBeCloseTo(expected, 6);
    expect(v!.fraction).toBeGreaterThan(0.45);
  });

  it("advances by count when items carry no sizes (gc deletes)", () => {
    const m = new ProgressModel("/repo");
    const total = { files: 100, bytes: 1_000_000_000 };
    m.apply({ type: "start", phase: "gc", total }, 0);
    m.apply({ type: "item", phase: "gc", oid: "a".repeat(32), bytes: 0, done: { files: 50, bytes: 0 } }, 1000);
    expect(m.snapshot(1000)[0]!.fraction).toBeCloseTo(0.5, 6);
  });

  it("shows files relative to cwd", () => {
    const m = new ProgressModel("/repo/sub");
    feed((e, t) => m.apply(e, t), hashEvents("/repo/sub", ["data/a.csv", "data/b.csv"]).slice(0, 3));
    expect(m.snapshot(5)[0]!.current).toEqual(["data/b.csv", "data/a.csv"]);
    expect(m.display("/elsewhere/x")).toBe("/elsewhere/x");
  });

  it("adds up repeated runs of one phase (one hashing run per output)", () => {
    const m = new ProgressModel("/r");
    let t = feed((e, tt) => m.apply(e, tt), hashEvents("/r", ["a", "b"]));
    t = feed((e, tt) => m.apply(e, tt), hashEvents("/r", ["c", "d", "e"]), t);
    const [v] = m.snapshot(t);
    expect(v!.done).toEqual({ files: 5, bytes: 5000 });
    expect(v!.ended).toBe(true);
    expect(v!.fraction).toBe(1);
    // a third run that is still going: totals include the earlier runs
    m.apply({ type: "start", phase: "hash", total: { files: 4, bytes: 4000 } }, t + 1);
    const [w] = m.snapshot(t + 2);
    expect(w!.total).toEqual({ files: 9, bytes: 9000 });
    expect(w!.ended).toBe(false);
  });

  it("measures throughput over a recent window, not since the start", () => {
    const m = new ProgressModel("/r");
    const total = { files: 10_000, bytes: 10_000 };
    m.apply({ type: "start", phase: "push", total }, 0);
    // slow for 10 s, then fast
    m.apply({ type: "item", phase: "push", oid: "0".repeat(32), bytes: 1, done: { files: 100, bytes: 100 }, total }, 10_000);
    m.snapshot(10_000);
    m.apply({ type: "item", phase: "push", oid: "1".repeat(32), bytes: 1, done: { files: 2100, bytes: 2100 }, total }, 12_000);
    const [v] = m.snapshot(12_000);
    expect(v!.filesPerSec).toBeCloseTo(1000, 0);
  });

  it("is marked dirty by events and clean after a snapshot", () => {
    const m = new ProgressModel("/r");
    expect(m.isEmpty).toBe(true);
    m.apply({ type: "start", phase: "checkout", total: { files: 1, bytes: 0 } }, 0);
    expect(m.dirty).toBe(true);
    m.snapshot(1);
    expect(m.dirty).toBe(false);
  });
});
