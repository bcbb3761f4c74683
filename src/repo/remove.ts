/** `dvx remove`: stop tracking (delete the `.dvc` file and its .gitignore entries); `--outs` also deletes the data. */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import type { RepoContext } from "./context.js";
import { unignoreOutputs } from "./gitignore.js";
import { WorkspaceGuard } from "./insideWorkspace.js";
import { outputsOfDvcFile } from "./outputs.js";
import { toRepoRel } from "./root.js";

export function remove(ctx: RepoContext, absTargets: string[], opts: { outs?: boolean } = {}): string[] {
  const plans = absTargets.map((abs) => {
    let rel = toRepoRel(ctx.root, abs);
    if (!rel.endsWith(".dvc") && fs.existsSync(path.join(ctx.root, rel + ".dvc"))) rel += ".dvc";
    if (!rel.endsWith(".dvc") || !fs.existsSync(path.join(ctx.root, rel))) {
      throw new DvxError("NOT_FOUND", `${rel}: not a .dvc file`, { data: { path: rel } });
    }
    return { rel, outs: outputsOfDvcFile(ctx.root, rel) };
  });
  const removed: string[] = [];
  for (const { rel, outs } of plans) {
    unignoreOutputs(ctx, outs.filter((o) => o.cache).map((o) => o.path));
    if (opts.outs) {
      const guard = new WorkspaceGuard(ctx.root);
      for (const o of outs) guard.check(o.path, rel); // never delete through a symlink leading outside
      for (const o of outs) fs.rmSync(path.join(ctx.root, o.path), { recursive: true, force: true });
    }
    fs.rmSync(path.join(ctx.root, rel));
    removed.push(rel);
  }
  return removed;
}
