/**
 * The ink components, rendered with ink-testing-library from event arrays fed through the model
 * (the way the live reporter does it, minus the timer).
 */
import React from "react";
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { PhaseBar, ProgressView, barParts } from "../../../cli/progress/ink.js";
import { ProgressModel, type PhaseView } from "../../../cli/progress/model.js";
import { feed, hashEvents, pushEvents } from "./events.js";

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

function viewsAfter(events: Parameters<typeof feed>[1], now: number, cwd = "/repo"): PhaseView[] {
  const m = new ProgressModel(cwd);
  feed((e, t) => m.apply(e, t), events, 0, 2);
  return m.snapshot(now);
}

describe("PhaseBar", () => {
  it("draws a bar with files and bytes done/total, throughput, ETA and the current object", () => {
    const [v] = viewsAfter(pushEvents(3000, { stopAt: 1500 }), 3000);
    const { lastFrame } = render(<PhaseBar view={v!} width={100} />);
    const frame = strip(lastFrame()!);
    const [line1, line2] = frame.split("\n");
    expect(line1).toMatch(/^Pushing\s+█+░+\s+\d+%/);
    expect(line1).toContain("1,500/3,001 files");
    expect(line1).toContain("300 kB/604 kB");
    expect(line1).toMatch(/[\d,.]+ files\/s/);
    expect(line1).toMatch(/ETA \d+s/);
    expect(line1).not.toContain("failed");
    expect(line2).toContain("↳ " + (1499).toString(16).padStart(32, "0"));
    for (const l of frame.split("\n")) expect(l.length).toBeLessThanOrEqual(100);
  });

  it("shows the failure count while the phase runs", () => {
    const [v] = viewsAfter(pushEvents(100, { failEvery: 7, stopAt: 60 }), 500);
    const { lastFrame } = render(<PhaseBar view={v!} width={100} />);
    expect(strip(lastFrame()!)).toContain("8 failed");
  });

  it("says 'preparing…' while the total is not known yet", () => {
    const [v] = viewsAfter([{ type: "start", phase: "push" }], 10);
    const { lastFrame } = render(<PhaseBar view={v!} width={100} />);
    expect(strip(lastFrame()!)).toMatch(/^Pushing\s+░+ preparing…$/);
  });

  it("collapses a finished phase into one summary line", () => {
    const [v] = viewsAfter(pushEvents(20, { failEvery: 10 }), 100);
    const { lastFrame } = render(<PhaseBar view={v!} width={100} />);
    expect(strip(lastFrame()!)).toMatch(/^✔ pushed 19 objects \(7\.6 kB\) in [\d.]+ s  2 failed$/);
  });

  it("drops the bar, not the numbers, on a narrow terminal", () => {
    const [v] = viewsAfter(pushEvents(3000, { stopAt: 10 }), 3000);
    const p = barParts(v!, 50);
    expect(p.barWidth).toBe(0);
    const { lastFrame } = render(<PhaseBar view={v!} width={50} />);
    expect(strip(lastFrame()!)).not.toContain("█");
    expect(strip(lastFrame()!)).toContain("10/3,001 files");
  });

  it("renders files being hashed relative to the working directory", () => {
    const events = hashEvents("/repo", ["data/images/cat.png", "data/images/dog.png", "data/labels.csv"]).slice(0, -1);
    const [v] = viewsAfter(events, 100);
    const { lastFrame } = render(<PhaseBar view={v!} width={100} />);
    const frame = strip(lastFrame()!);
    expect(frame).toMatch(/^Hashing\s+█+\s+100%\s+3\/3 files\s+3\.0 kB\/3\.0 kB/);
    expect(frame).toContain("↳ data/labels.csv, data/images/dog.png");
  });
});

describe("ProgressView", () => {
  it("stacks one bar per phase in the order they started (pull: fetch, then checkout)", () => {
    const events = [
      ...pushEvents(10).map((e) => ({ ...e, phase: "fetch" as const })),
      { type: "start" as const, phase: "checkout" as const, total: { files: 10, bytes: 0 } },
      { type: "item" as const, phase: "checkout" as const, path: "data/f1", bytes: 0, done: { files: 4, bytes: 0 } },
    ];
    const views = viewsAfter(events, 200);
    const { lastFrame } = render(<ProgressView phases={views} width={100} />);
    const lines = strip(lastFrame()!).split("\n");
    expect(lines[0]).toMatch(/^✔ fetched 11 objects/);
    expect(lines[1]).toMatch(/^Checking out\s+█+░+\s+40%\s+4\/10 files/);
    expect(lines[2]).toContain("↳ data/f1");
  });

  it("rerenders as events arrive (the live reporter's loop, driven by hand)", () => {
    const m = new ProgressModel("/repo");
    const events = pushEvents(200);
    const { lastFrame, rerender, frames } = render(<ProgressView phases={m.snapshot(0)} width={100} />);
    let t = 0;
    for (let i = 0; i < events.length; i++) {
      m.apply(events[i]!, t);
      t += 5;
      if (i % 50 === 0) rerender(<ProgressView phases={m.snapshot(t)} width={100} />);
    }
    rerender(<ProgressView phases={m.snapshot(t)} width={100} />);
    const percents = frames.map((f) => /(\d+)%/.exec(strip(f))?.[1]).filter(Boolean).map(Number);
    expect(percents.length).toBeGreaterThan(2);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents); // never goes backwards
    expect(strip(lastFrame()!)).toMatch(/^✔ pushed 201 objects \(44\.0 kB\)/);
  });
});
