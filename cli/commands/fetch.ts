import type { CommandContext } from "../context.js";
import { jobsFlag, withRepo } from "./common.js";
import { revisionScope } from "./revisionFlags.js";
import { reportTransfer } from "./transferSummary.js";

export async function run(ctx: CommandContext): Promise<number> {
  const started = Date.now();
  const jobs = jobsFlag(ctx);
  const r = await withRepo(ctx, (repo) => repo.fetch(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, remote: ctx.flags.remote as string | undefined, jobs, ...revisionScope(ctx) }));
  return reportTransfer(ctx, "fetched", r, Date.now() - started);
}
