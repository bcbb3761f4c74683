/**
 * The live TUI in a real terminal (tmux, 120x30): a push of 2,000 small objects to a local
 * remote, slowed down with the test hook DVX_TEST_PROGRESS_DELAY_MS so a capture lands mid-run.
 * The mid-run screen shows the bar with counts, bytes, rate, ETA and the object in flight; the
 * final screen shows only the one summary line (the live frame is erased). Ctrl-C cancels
 * cleanly (exit 252, like DVC) and a second push completes the upload. Hashing (add) and gc (after
 * its prompt, which the live frame never overlaps) show their bars the same way.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import { CLI } from "../helpers/cli.js";
import { Terminal, TMUX, interactiveEnv } from "./terminal.js";
import { countFiles, repoWithFiles } from "./setup.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

const why = TMUX ? undefined : "tmux is not installed";
if (why) {
  if (process.env.CI) throw new Error(`e2e terminal tests need tmux (${why})`);
  console.warn(`\n!!! SKIPPING the terminal (tmux) end-to-end tests: ${why}\n`);
}

const N = 2000;
const BAR = /^Pushing\s+(█*)(░*)\s+(\d+)%\s+([\d,]+)\/2,001 files\s+(\S+ \S+)\/(\S+ \S+)\s+(.*)$/m;

describe.skipIf(why)("live progress in a terminal", () => {
  let term: Terminal | undefined;
  afterEach(() => term?.stop());

  it("shows a live bar mid-push and one summary line at the end", async () => {
    const { dir, remote } = repoWithFiles(N);
    term = new Terminal(dir, interactiveEnv()).start();
    term.run(`DVX_TEST_PROGRESS_DELAY_MS=2 node ${CLI} push; echo "EXIT=$?"`);

    // mid-run: a partly filled bar with everything the issue asks for
    const mid = await term.waitFor((s) => {
      const m = BAR.exec(s);
      return m && Number(m[3]) >= 5 && Number(m[3]) <= 90 && /ETA \d/.test(m[7]!) ? { screen: s, m } : undefined;
    }, "a partly filled push bar");
    const [, filled, empty, pct, done] = mid.m;
    expect(filled!.length).toBeGreaterThan(0);
    expect(empty!.length).toBeGreaterThan(0);
    expect(Number(pct)).toBeLessThan(100);
    expect(Number(done!.replace(/,/g, ""))).toBeLessThan(2001);
    expect(mid.m[7]).toMatch(/[\d,.]+ (files|[kMG]?B)\/s/); // throughput
    expect(mid.screen).toMatch(/^ {2}↳ [0-9a-f]{32}/m); // the object(s) being pushed
    expect(mid.screen).not.toMatch(/EXIT=\d/);

    // the end: the frame is gone, the summary line stays
    const end = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the end of the push");
    expect(end).toMatch(/^pushed 2,001 objects \([\d.]+ [kM]?B\) in [\d.]+ s, 0 failed$/m);
    expect(end).toContain("EXIT=0");
    expect(end).not.toMatch(/Pushing|█|░|↳/);
    expect(countFiles(remote)).toBe(2001);
  });

  it("shows hashing progress during add", async () => {
    const { dir } = repoWithFiles(N, { add: false });
    term = new Terminal(dir, interactiveEnv()).start();
    term.run(`DVX_TEST_PROGRESS_DELAY_MS=2 node ${CLI} add data; echo "EXIT=$?"`);
    const mid = await term.waitFor((s) => /^Hashing\s+█*░+\s+\d+%\s+[\d,]+\/2,000 files/m.exec(s)?.[0], "a hashing bar");
    expect(mid).toMatch(/\d+%/);
    const end = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the end of add");
    expect(end).toContain("EXIT=0");
    expect(end).toContain("git add data.dvc .gitignore");
    expect(end).not.toMatch(/Hashing|█/);
  });

  it("gc asks first (Ctrl-C there cancels), then shows a live bar while deleting and one summary line", async () => {
    const { dir } = repoWithFiles(N);
    fs.rmSync(`${dir}/data.dvc`); // nothing uses the 2,001 cached objects any more
    term = new Terminal(dir, interactiveEnv()).start();
    // Ctrl-C at the prompt cancels (DVC's 252) and deletes nothing
    term.run(`node ${CLI} gc -w; echo "EXIT=$?"`);
    await term.waitFor((s) => /\[y\/n\]:$/m.test(s), "the gc prompt");
    term.key("C-c");
    const cancelled = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the cancelled gc to exit");
    expect(cancelled).toContain("EXIT=252");
    expect(cancelled).toMatch(/^ERROR: interrupted by the user$/m);
    expect(countFiles(`${dir}/.dvc/cache`)).toBe(2001);

    term.clear();
    term.run(`DVX_TEST_PROGRESS_DELAY_MS=2 node ${CLI} gc -w; echo "EXIT=$?"`);
    const prompt = await term.waitFor((s) => (/Are you sure you want to proceed\? \[y\/n\]:$/m.test(s) ? s : undefined), "the gc prompt");
    expect(prompt).toMatch(/This would delete 2,001 objects \([\d.]+ [kM]?B\) from the local cache\./);
    expect(prompt).not.toMatch(/Collecting|█|░/); // no live frame while it asks
    term.run("y");
    const mid = await term.waitFor((s) => /^Collecting\s+█*░+\s+\d+%\s+[\d,]+\/2,001 files/m.exec(s)?.[0], "a gc bar");
    expect(mid).toMatch(/\d+%/);
    const end = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the end of gc");
    expect(end).toContain("EXIT=0");
    expect(end).toMatch(/^Removed 2,001 objects \([\d.]+ [kM]?B\) from local cache\.$/m);
    expect(end).not.toMatch(/Collecting|█|↳/);
    expect(countFiles(`${dir}/.dvc/cache`)).toBe(0);
  });

  it("Ctrl-C cancels a push cleanly; pushing again completes it", async () => {
    const { dir, remote } = repoWithFiles(N);
    term = new Terminal(dir, interactiveEnv()).start();
    term.run(`DVX_TEST_PROGRESS_DELAY_MS=3 node ${CLI} push; echo "EXIT=$?"`);
    await term.waitFor((s) => {
      const m = BAR.exec(s);
      return m && Number(m[4]!.replace(/,/g, "")) > 0;
    }, "a push bar");
    term.key("C-c");
    const end = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the cancelled push to exit");
    expect(end).toContain("EXIT=252");
    expect(end).toMatch(/^ERROR: .*interrupted by the user$/m);
    expect(end).not.toMatch(/█|↳/);
    const partial = countFiles(remote);
    expect(partial).toBeLessThan(2001);

    term.clear();
    term.run(`node ${CLI} push; echo "EXIT=$?"`);
    const again = await term.waitFor((s) => (/EXIT=\d+/.test(s) ? s : undefined), "the second push");
    expect(again).toContain("EXIT=0");
    expect(again).toMatch(new RegExp(`^pushed ${(2001 - partial).toLocaleString("en-US")} objects .* 0 failed$`, "m"));
    expect(countFiles(remote)).toBe(2001);
    expect(fs.readdirSync(remote, { recursive: true }).some((p) => String(p).includes(".tmp"))).toBe(false);
  });
});
