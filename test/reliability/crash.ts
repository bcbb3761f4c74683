/**
 * The kill-at-a-random-moment loop shared by the crash suites: start the built CLI, wait until it
 * has started its work (it holds the repository lock, or another sign given by the suite), SIGKILL
 * it after a random delay (drawn from a seeded PRNG over the operation's measured work), check
 * the invariants that must hold after ANY kill, then re-run the command to completion and check
 * the end state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { dvx, sh, tmpRepo } from "../helpers/cli.js";
import { baseSeed, killRounds, prng, report, runDvx, sleep, spawnDvx, type Spawned } from "./helpers.js";

export interface RoundContext {
  round: number;
  rand: () => number;
}

export interface KillLoopSpec {
  op: string;
  /** The command to kill and re-run. */
  args: string[];
  cwd: string;
  /**
   * True once the command has begun its work (default: it holds the repository lock). A kill
   * before that moment (Node start-up, module loading) can have written nothing, so kills are
   * drawn over the work that follows it, not over start-up.
   */
  started?: () => boolean;
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
  /** Rounds run: until `killsWanted` kills landed mid-work (bounded by 3 x killsWanted). */
  rounds: number;
  /** DVX_KILL_ROUNDS (default 30): kills that must land while the command works. */
  killsWanted: number;
  /** Kills that landed while the command worked (after `started`, before its exit). */
  killedMidRun: number;
  /** Landed kills by moment, as a fraction of the median work duration: [0-1/3), [1/3-2/3), [2/3-1). */
  killsByThird: [number, number, number];
  /** Rounds whose kill moment came after the command had finished (it must have succeeded). */
  completedBeforeKill: number;
  /** Re-runs that completed (exit 0): must equal rounds. */
  rerunsCompleted: number;
  /** Re-runs that found a stale lock left by the killed process (and just ran). */
  staleLocksCleared: number;
  /** Median Node start-up before `started`, ms (not part of the kill window). */
  startupMs: number;
  /** Median work duration of an uninterrupted run, ms (the kill window). */
  windowMs: number;
  seconds: number;
}

interface Watched {
  child: Spawned;
  /** ms from spawn to `started` (undefined: the command exited first). */
  startedAt: number | undefined;
}

/** Spawns the command and waits until it has started its work (or exited). */
async function spawnWatched(spec: KillLoopSpec, lockFile: string): Promise<Watched> {
  const started = spec.started ?? (() => fs.existsSync(lockFile));
  const t0 = Date.now();
  const child = spawnDvx(spec.args, { cwd: spec.cwd, ...(spec.env ? { env: spec.env } : {}) });
  for (;;) {
    if (started()) return { child, startedAt: Date.now() - t0 };
    if (child.exited()) return { child, startedAt: undefined };
    await sleep(2);
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

export async function killLoop(spec: KillLoopSpec): Promise<KillLoopFigures> {
  const t0 = Date.now();
  const lockFile = path.join(spec.cwd, ".dvc", "tmp", "dvx.lock");
  const opts = { cwd: spec.cwd, ...(spec.env ? { env: spec.env } : {}) };
  // The kill window follows the measured work duration of uninterrupted runs (a calibration run,
  // then every round whose kill came too late), so kills keep landing inside the run on a slow
  // machine.
  const work: number[] = [];
  const startup: number[] = [];
  {
    const ctx: RoundContext = { round: -1, rand: prng(baseSeed() ^ 0x5eed) };
    await spec.before(ctx);
    const w = await spawnWatched(spec, lockFile);
    const r = await w.child.done;
    if (r.code !== 0) throw new Error(`${spec.op} calibration run failed: ${r.stderr}`);
    if (w.startedAt === undefined) throw new Error(`${spec.op} calibration run: never saw the command start its work`);
    startup.push(w.startedAt);
    work.push(r.ms - w.startedAt);
    await spec.afterRerun(ctx);
  }
  const killsWanted = killRounds();
  const rand = prng(baseSeed() + spec.op.length * 7919 + spec.op.charCodeAt(0));
  const fig: KillLoopFigures = {
    suite: "crash",
    op: spec.op,
    rounds: 0,
    killsWanted,
    killedMidRun: 0,
    killsByThird: [0, 0, 0],
    completedBeforeKill: 0,
    rerunsCompleted: 0,
    staleLocksCleared: 0,
    startupMs: 0,
    windowMs: 0,
    seconds: 0,
  };
  // Rounds go on until `killsWanted` kills landed while the command worked (a kill drawn after the
  // end of a fast run is no kill); bounded, so a command that always finishes first fails the test.
  for (let round = 0; fig.killedMidRun < killsWanted && round < killsWanted * 3; round++) {
    fig.rounds++;
    const ctx: RoundContext = { round, rand };
    await spec.before(ctx);
    // uniform over (most of) the work: kills land in every phase of it
    const window = median(work);
    const delay = Math.floor(rand() * window * 0.95);
    const { child, startedAt } = await spawnWatched(spec, lockFile);
    if (startedAt !== undefined) {
      startup.push(startedAt);
      await Promise.race([sleep(delay), child.done]);
    }
    const killed = child.kill();
    const res = await child.done;
    if (killed && res.signal === "SIGKILL") {
      fig.killedMidRun++;
      fig.killsByThird[Math.min(2, Math.floor((delay / window) * 3))]++;
    } else {
      expect(res.code, `${spec.op} round ${round} (not killed) failed: ${res.stderr}`).toBe(0);
      fig.completedBeforeKill++;
      if (startedAt !== undefined) work.push(res.ms - startedAt);
    }
    try {
      await spec.afterKill(ctx);
    } catch (e) {
      (e as Error).message = `${spec.op} round ${round}, killed ${delay} ms into its work: ${(e as Error).message}`;
      throw e;
    }
    const hadLock = fs.existsSync(lockFile);
    const again = await runDvx(spec.args, opts);
    expect(again.code, `${spec.op} round ${round}: re-run after a kill ${delay} ms into its work failed:\n${again.stderr}`).toBe(0);
    fig.rerunsCompleted++;
    if (hadLock) fig.staleLocksCleared++;
    expect(fs.existsSync(lockFile), "the lock is released on exit").toBe(false);
    try {
      await spec.afterRerun(ctx);
    } catch (e) {
      (e as Error).message = `${spec.op} round ${round} (after re-run; kill ${delay} ms into its work): ${(e as Error).message}`;
      throw e;
    }
  }
  fig.startupMs = median(startup);
  fig.windowMs = median(work);
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
