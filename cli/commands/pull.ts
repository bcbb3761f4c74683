import { EXIT, type CommandContext } from "../context.js";
import { countingCheckout, reportCheckout } from "./checkout.js";
import { jobsFlag, json, withRepo } from "./common.js";
import { revisionScope } from "./revisionFlags.js";
import { reportTransfer } from "./transferSummary.js";

export async function run(ctx: CommandContext): Promise<number> {
  const started = Date.now();
  const jobs = jobsFlag(ctx);
  const { result: r, display } = await withRepo(ctx, (repo, reporter) =>
    countingCheckout(repo, reporter, (onProgress) =>
      repo.pull(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, remote: ctx.flags.remote as string | undefined, jobs, force: !!ctx.flags.force, ...revisionScope(ctx), onProgress }),
    ),
  );
  if (ctx.json) {
    json(ctx, { fetched: r.fetch.transferred, bytes: r.fetch.bytes, skipped: r.fetch.skipped, failed: r.fetch.failed, missing: r.fetch.missing, remotes: r.fetch.remotes, checkout: r.checkout });
    return r.fetch.failed.length || r.checkout.failed.length ? EXIT.FAILED : EXIT.OK;
  }
  const a = reportTransfer(ctx, "fetched", r.fetch, Date.now() - started);
  const b = reportCheckout(ctx, r.checkout, display);
  return a || b;
}
