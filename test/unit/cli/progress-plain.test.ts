import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { plainReporter, progressLine } from "../../../cli/progress/plain.js";
import { ProgressModel } from "../../../cli/progress/model.js";
import { feed, hashEvents, pushEvents } from "./events.js";

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("plain progress lines", () => {
  it("prints at most one line per interval, then a closing line, with no escape codes", () => {
    const out = sink();
    let now = 0;
    const report = plainReporter(out.stream, { intervalMs: 1000, now: () => now, cwd: "/repo" });
    for (const e of pushEvents(3000)) {
      report(e);
      now += 2; // 3,002 events over ~6 s of fake time
    }
    const lines = out.text().trimEnd().split("\n");
    expect(out.text()).not.toMatch(/[\x1b\r]/);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(8); // ~6 s / 1 s + the closing line
    expect(lines[0]).toMatch(/^Pushing: [\d,]+\/3,001 files \(\d+%\), [\d.]+ kB\/604 kB, [\d,]+ files\/s, ETA \d+s$/);
    expect(lines.at(-1)).toMatch(/^Pushing: done, pushed 3,001 objects \(604 kB\) in [\d.]+ s, 0 failed$/);
  });

  it("stays silent for a phase that ends before the first interval", () => {
    const out = sink();
    let now = 0;
    const report = plainReporter(out.stream, { intervalMs: 1000, now: () => now });
    for (const e of pushEvents(50)) {
      report(e);
      now += 1;
    }
    expect(out.text()).toBe("");
  });

  it("-v adds one line per object and per failure", () => {
    const out = sink();
    const report = plainReporter(out.stream, { verbose: true, intervalMs: 1e9, now: () => 0, cwd: "/repo" });
    for (const e of hashEvents("/repo", ["a.txt", "d/b.txt"])) report(e);
    for (const e of pushEvents(3, { failEvery: 2 })) report(e);
    expect(out.text().split("\n").filter(Boolean)).toEqual([
      "hashed a.txt",
      "hashed d/b.txt",
      `pushed ${"0".repeat(32)}`,
      `failed to push ${"1".padStart(32, "0")}: connection reset`,
      `pushed ${"2".padStart(32, "0")}`,
      `pushed ${"f".repeat(32)}.dir`,
    ]);
  });

  it("formats an unknown total without a percentage", () => {
    const m = new ProgressModel("/");
    m.apply({ type: "start", phase: "fetch" }, 0);
    m.apply({ type: "item", phase: "fetch", oid: "0".repeat(32), bytes: 5_000_000, done: { files: 1, bytes: 5_000_000 } }, 1000);
    expect(progressLine(m.snapshot(1000)[0]!)).toBe("Fetching: 1 files, 5.0 MB, 5.0 MB/s");
  });
});
