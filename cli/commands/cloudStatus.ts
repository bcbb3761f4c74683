import { EXIT, type CommandContext } from "../context.js";
import { jobsFlag, json, out, withRepo } from "./common.js";
import { renderStatus } from "./status.js";

export async function runCloudStatus(ctx: CommandContext): Promise<number> {
  const jobs = jobsFlag(ctx);
  const r = await withRepo(ctx, (repo) => repo.cloudStatus(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, remote: ctx.flags.remote as string | undefined, jobs }));
  if (ctx.json) {
    json(ctx, r.status);
    return EXIT.OK;
  }
  if (ctx.quiet) return Object.keys(r.status).length ? EXIT.FAILED : EXIT.OK;
  if (Object.keys(r.status).length === 0) out(ctx, r.remotes.length ? `Cache and remote '${r.remotes.join("', '")}' are in sync.` : "There are no data tracked in this project yet.");
  else out(ctx, renderStatus(r.status, 1).join("\n"));
  return EXIT.OK;
}
