import * as path from "node:path";
import { DvxError } from "../../src/errors.js";
import { EXIT, type CommandContext } from "../context.js";
import { json, out, withRepo } from "./common.js";

async function expandGlobs(ctx: CommandContext, targets: string[]): Promise<string[]> {
  const fg = (await import("fast-glob")).default;
  const result: string[] = [];
  for (const t of targets) {
    const matches = await fg(t, { cwd: ctx.cwd, onlyFiles: false, dot: false, unique: true });
    if (!matches.length) throw new DvxError("NOT_FOUND", `${t}: glob matched nothing`, { data: { target: t } });
    result.push(...matches.sort());
  }
  return result;
}

export async function run(ctx: CommandContext): Promise<number> {
  if (!ctx.args.length) throw new DvxError("USAGE", "add: at least one TARGET is required");
  const targets = ctx.flags.glob ? await expandGlobs(ctx, ctx.args) : ctx.args;
  let root = "";
  const added = await withRepo(ctx, (repo) => {
    root = repo.root;
    return repo.add(targets, { cwd: ctx.cwd, noCommit: !!ctx.flags["no-commit"] });
  });
  if (ctx.json) {
    json(ctx, added);
    return EXIT.OK;
  }
  // What DVC suggests after `dvc add`: stage the pointer files and the .gitignore files.
  const toGit = added.flatMap((a) => {
    const dir = a.path.includes("/") ? a.path.slice(0, a.path.lastIndexOf("/")) : "";
    return [a.dvcFile, dir ? `${dir}/.gitignore` : ".gitignore"];
  });
  const shown = [...new Set(toGit)].map((p) => path.relative(ctx.cwd, path.join(root, p)) || p);
  out(ctx, `\nTo track the changes with git, run:\n\n\tgit add ${shown.join(" ")}\n`);
  return EXIT.OK;
}
