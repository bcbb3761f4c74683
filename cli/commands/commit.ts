import { EXIT, type CommandContext } from "../context.js";
import { json, out, withRepo } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  const r = await withRepo(ctx, (repo) => repo.commit(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, force: !!ctx.flags.force }));
  if (ctx.json) json(ctx, r);
  else {
    const changed = r.committed.filter((c) => c.changed);
    if (changed.length) out(ctx, changed.map((c) => `Updated ${c.file} (${c.path})`).join("\n"));
  }
  return EXIT.OK;
}
