import { EXIT, plural, type CommandContext } from "../context.js";
import { json, out, withRepo } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  const r = await withRepo(ctx, (repo) =>
    repo.checkout(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, force: !!ctx.flags.force, relink: !!ctx.flags.relink }),
  );
  return reportCheckout(ctx, r);
}

export function reportCheckout(ctx: CommandContext, r: { added: string[]; modified: string[]; deleted: string[]; failed: { path: string; reason: string }[] }): number {
  if (ctx.json) {
    json(ctx, r);
    return r.failed.length ? EXIT.FAILED : EXIT.OK;
  }
  const lines: string[] = [];
  for (const p of r.added) lines.push(`A       ${p}`);
  for (const p of r.modified) lines.push(`M       ${p}`);
  for (const p of r.deleted) lines.push(`D       ${p}`);
  const parts: string[] = [];
  if (r.added.length) parts.push(`${plural(r.added.length, "file")} added`);
  if (r.modified.length) parts.push(`${plural(r.modified.length, "file")} modified`);
  if (r.deleted.length) parts.push(`${plural(r.deleted.length, "file")} deleted`);
  if (parts.length) lines.push(parts.join(", "));
  if (lines.length) out(ctx, lines.join("\n"));
  if (r.failed.length) {
    ctx.stderr.write(`ERROR: Checkout failed for following targets:\n${r.failed.map((f) => `${f.path} (${f.reason})`).join("\n")}\nIs your cache up to date?\n`);
    return EXIT.FAILED;
  }
  return EXIT.OK;
}
