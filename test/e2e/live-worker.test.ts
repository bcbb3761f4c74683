/**
 * The live UI's worker pipeline (built code: the worker needs dist/cli/progress/inkWorker.js):
 * snapshots go from the main thread to the ink worker, which writes frames to a file descriptor
 * (here a file instead of the terminal) and, on close, erases the frame and shows the cursor again.
 * A start that is abandoned draws nothing.
 */
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT, tmpDir } from "../helpers/cli.js";
import { pushEvents } from "../unit/cli/events.js";

vi.setConfig({ testTimeout: 600_000 });

type Live = typeof import("../../cli/progress/live.js");
const live = () => import(path.join(REPO_ROOT, "dist/cli/progress/live.js")) as Promise<Live>;

function fakeTerminal() {
  return Object.assign(new EventEmitter(), { columns: 100, rows: 30, isTTY: true }) as unknown as NodeJS.WriteStream;
}

async function until(pred: () => boolean, what: string, debug?: () => string): Promise<void> {
  for (let i = 0; i < 6000 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!pred()) throw new Error(`never saw ${what}${debug ? `; the file ends with ${JSON.stringify(debug().slice(-600))}` : ""}`);
}

describe("live UI worker", () => {
  it("draws frames off the main thread and erases them on close", async () => {
    const { startLive } = await live();
    const file = path.join(tmpDir("dvx-live-"), "frames");
    const fd = fs.openSync(file, "w");
    const events = pushEvents(2000);
    const r = await startLive(fakeTerminal(), { fd, intervalMs: 20, verbose: true, cwd: "/repo" });
    for (const e of events.slice(0, 1002)) r.onProgress(e); // 2 start events, then 1,000 objects
    await until(() => /Pushing .* 1,000\/2,001 files/.test(fs.readFileSync(file, "utf8")), "a frame at 1,000 objects", () => fs.readFileSync(file, "utf8"));
    for (const e of events.slice(1002)) r.onProgress(e);
    await until(() => fs.readFileSync(file, "utf8").includes("✔ pushed 2,001 objects"), "the finished phase");
    await r.close();
    fs.closeSync(fd);
    const out = fs.readFileSync(file, "utf8");
    expect(out).toMatch(/█+░+/);
    expect(out).toContain(`pushed ${"0".repeat(32)}\n`); // -v lines scroll above the frame
    expect(out).toContain("\x1b[?25l"); // cursor hidden while drawing...
    expect(out.endsWith("\x1b[?25h")).toBe(true); // ...and shown again at the very end
    const afterLastFrame = out.slice(out.lastIndexOf("✔ pushed 2,001 objects"));
    expect(afterLastFrame).toMatch(/\x1b\[2K/); // the frame was erased after it was drawn
  });

  it("redraws at a bounded rate: at most one frame per 100 ms tick, however many events arrive", async () => {
    const { startLive } = await live();
    const file = path.join(tmpDir("dvx-live-"), "frames");
    const fd = fs.openSync(file, "w");
    const events = pushEvents(4000);
    const r = await startLive(fakeTerminal(), { fd, cwd: "/repo" }); // the CLI's default interval
    const t0 = Date.now();
    for (let i = 0; i < events.length; i += 100) {
      for (const e of events.slice(i, i + 100)) r.onProgress(e);
      await new Promise((res) => setTimeout(res, 25));
    }
    await until(() => fs.readFileSync(file, "utf8").includes("✔ pushed 4,001 objects"), "the finished phase");
    const elapsed = Date.now() - t0;
    await r.close();
    fs.closeSync(fd);
    const frames = fs.readFileSync(file, "utf8").split(/Pushing|✔ pushed/).length - 1;
    expect(frames).toBeGreaterThan(1);
    // 4,003 events; frames bounded by the elapsed time (no timing asserted: the bound follows it)
    expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
  });

  it("a start abandoned before the first frame writes nothing", async () => {
    const { startLive } = await live();
    const file = path.join(tmpDir("dvx-live-"), "frames");
    const fd = fs.openSync(file, "w");
    const ac = new AbortController();
    const started = startLive(fakeTerminal(), { fd, intervalMs: 20 }, ac.signal);
    ac.abort();
    await expect(started).rejects.toThrow();
    fs.closeSync(fd);
    expect(fs.readFileSync(file, "utf8")).toBe("");
  });
});
