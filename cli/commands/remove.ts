import { DvxError } from "../../src/index.js";
import { EXIT, type CommandContext } from "../context.js";
import { out, withRepo } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (!ctx.args.length) throw new DvxError("USAGE", "remove: at least one TARGET.dvc is required");
  const removed = await withRepo(ctx, (repo) => repo.remove(ctx.args, { cwd: ctx.cwd, outs: !!ctx.flags.outs }));
  if (ctx.verbose) out(ctx, removed.map((r) => `Removed ${r}`).join("\n"));
  return EXIT.OK;
}
