/**
 * The kill-at-a-random-moment loop shared by the crash suites: start the built CLI, SIGKILL it
 * after a random delay (drawn from a seeded PRNG over the operation's measured duration), check
 * the invariants that must hold after ANY kill, then re-run the command to completion and check
 * the end state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { dvx, sh, tmpRepo } from "../helpers/cli.js";
import { baseSeed, killRounds, prng, report, runDvx, sleep, spawnDvx } from "./helpers.js";

export interface RoundContext {
  round: number;
  rand: () => number;
}

export interface KillLoopSpec {
  op: string;
  /** The command to kill and re-run. */
  args: string[];
  cwd: string;
  /** Prepares round `round` (make new data to add, switch versions...). */
  before(ctx: RoundContext): void | Promise<void>;
  /** Invariants right after the kill (before the re-run). */
  afterKill(ctx: RoundContext): void | Promise<void>;
  /** The end state after the re-run completed. */
  afterRerun(ctx: RoundContext): void | Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export interface KillLoopFigures {
  suite: string;
  op: string;
  rounds: number;
  /** Kills that landed while the process ran (the others found it already exited). */
  killedMidRun: number;
  /** Re-runs that completed (exit 0): must equal rounds. */
  rerunsCompleted: number;
  /** Re-runs that found and cleared a stale lock (always all killed ones: the lock is held from start). */
  staleLocksCleared: number;
  /** Median duration of an uninterrupted run, ms (the kill window). */
  windowMs: number;
  seconds: number;
}

/** Measures the uninterrupted duration of the command (median of `n` runs prepared by `before`). */
export async function calibrate(spec: KillLoopSpec, n = 1): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const ctx: RoundContext = { round: -1 - i, rand: prng(baseSeed() ^ 0x5eed) };
    await spec.before(ctx);
    const r = await runDvx(spec.args, { cwd: spec.cwd, ...(spec.env ? { env: spec.env } : {}) });
    if (r.code !== 0) throw new Error(`${spec.op} calibration run failed: ${r.stderr}`);
    times.push(r.ms);
    await spec.afterRerun(ctx);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function killLoop(spec: KillLoopSpec): Promise<KillLoopFigures> {
  const t0 = Date.now();
  // The kill window follows the measured duration of uninterrupted runs (a calibration run, then
  // every round whose kill came too late), so kills keep landing inside the run on a slow machine.
  const durations = [await calibrate(spec)];
  const median = (): number => [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)]!;
  const windowMs = durations[0]!;
  const rounds = killRounds();
  const rand = prng(baseSeed() + spec.op.length * 7919 + spec.op.charCodeAt(0));
  const fig: KillLoopFigures = { suite: "crash", op: spec.op, rounds, killedMidRun: 0, rerunsCompleted: 0, staleLocksCleared: 0, windowMs, seconds: 0 };
  const lockFile = path.join(spec.cwd, ".dvc", "tmp", "dvx.lock");
  for (let round = 0; round < rounds; round++) {
    const ctx: RoundContext = { round, rand };
    await spec.before(ctx);
    // Uniform over (most of) the whole run, node start-up included: kills land in every phase.
    const delay = Math.floor(rand() * median() * 0.95);
    const child = spawnDvx(spec.args, { cwd: spec.cwd, ...(spec.env ? { env: spec.env } : {}) });
    await Promise.race([sleep(delay), child.done]);
    const killed = child.kill();
    const res = await child.done;
    if (killed && res.signal === "SIGKILL") fig.killedMidRun++;
    else {
      expect(res.code, `${spec.op} round ${round} (not killed) failed: ${res.stderr}`).toBe(0);
      durations.push(res.ms);
    }
    try {
      await spec.afterKill(ctx);
    } catch (e) {
      (e as Error).message = `${spec.op} round ${round}, killed after ${delay} ms: ${(e as Error).message}`;
      throw e;
    }
    const hadLock = fs.existsSync(lockFile);
    const again = await runDvx(spec.args, { cwd: spec.cwd, ...(spec.env ? { env: spec.env } : {}) });
    expect(again.code, `${spec.op} round ${round}: re-run after a kill at ${delay} ms failed:\n${again.stderr}`).toBe(0);
    fig.rerunsCompleted++;
    if (hadLock) fig.staleLocksCleared++;
    expect(fs.existsSync(lockFile), "the lock is released on exit").toBe(false);
    try {
      await spec.afterRerun(ctx);
    } catch (e) {
      (e as Error).message = `${spec.op} round ${round} (after re-run; kill at ${delay} ms): ${(e as Error).message}`;
      throw e;
    }
  }
  fig.windowMs = median();
  fig.seconds = Math.round((Date.now() - t0) / 100) / 10;
  report(fig as unknown as { suite: string });
  return fig;
}

/** A git repository initialised by dvx, with a local-directory remote `r` as default. */
export function repoWithRemote(remoteDir: string): string {
  const repo = tmpRepo();
  const r = dvx(["remote", "add", "-d", "r", remoteDir], { cwd: repo });
  if (r.code !== 0) throw new Error(r.stderr);
  return repo;
}

export function git(cwd: string, ...args: string[]): string {
  const r = sh("git", args, cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Dataset size of the crash suites: ~0.3-1 s per operation on a 2-core CI runner. */
export const CRASH_DATASET = { files: 160, size: 32 * 1024, big: { count: 1, size: 6 * 1024 * 1024 } };
