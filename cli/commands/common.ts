/** Helpers shared by command modules: opening the repo with the chosen reporter, printing. */
import { DvxError } from "../../src/errors.js";
import { Repo } from "../../src/repo/Repo.js";
import type { CommandContext } from "../context.js";
import { createReporter, type Reporter } from "../progress/reporter.js";

export async function openRepo(ctx: CommandContext, signal?: AbortSignal): Promise<{ repo: Repo; reporter: Reporter }> {
  const reporter = await createReporter(ctx);
  try {
    const repo = Repo.open(ctx.cwd, { onProgress: reporter.onProgress, signal });
    return { repo, reporter };
  } catch (e) {
    await reporter.close();
    throw e;
  }
}

export function out(ctx: CommandContext, text: string): void {
  if (!ctx.quiet) ctx.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function json(ctx: CommandContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/**
 * Runs `fn` with an open repo, always closing the reporter and the repo. Ctrl-C cancels the
 * operation through its AbortSignal (it stops cleanly, the live progress is erased, exit 252 like
 * DVC's KeyboardInterrupt); a second Ctrl-C exits at once.
 */
export async function withRepo<T>(ctx: CommandContext, fn: (repo: Repo, reporter: Reporter) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(252);
    abort.abort(new DvxError("ABORTED", "interrupted by the user"));
  };
  process.on("SIGINT", onSigint);
  const { repo, reporter } = await openRepo(ctx, abort.signal).catch((e) => {
    process.off("SIGINT", onSigint);
    throw e;
  });
  try {
    return await fn(repo, reporter);
  } catch (e) {
    // whatever the operation threw once cancelled, report the cancellation
    if (abort.signal.aborted && !(e instanceof DvxError && e.code === "ABORTED")) throw abort.signal.reason;
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    await reporter.close();
    if (process.env.DVX_DEBUG_HASH_COUNT) ctx.stderr.write(`hashed ${repo.hashedCount} files\n`);
    repo.close();
  }
}

export function jobsFlag(ctx: CommandContext): number | undefined {
  const j = ctx.flags.jobs;
  if (j === undefined) return undefined;
  const n = Number(j);
  if (!Number.isInteger(n) || n < 1) throw Object.assign(new Error(`--jobs must be a positive integer, got '${String(j)}'`), { name: "DvxError", code: "USAGE" });
  return n;
}
