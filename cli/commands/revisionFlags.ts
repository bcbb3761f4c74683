/** DVC's revision scope flags (-a, -T, -A, --rev) as a RevisionScope for push/pull/fetch. */
import type { RevisionScope } from "../../src/index.js";
import type { CommandContext } from "../context.js";

export function revisionScope(ctx: CommandContext): RevisionScope {
  const f = ctx.flags;
  return {
    ...(f["all-branches"] ? { allBranches: true } : {}),
    ...(f["all-tags"] ? { allTags: true } : {}),
    ...(f["all-commits"] ? { allCommits: true } : {}),
    ...(f.rev ? { revs: f.rev as string[] } : {}),
  };
}
