/**
 * `dvx ls-cache`: one line per output version of the scope (workspace by default; -a/-T/-A/--rev
 * read revisions straight from git): path, short hash, cache presence, remote presence (-c/-r)
 * and the revisions using it. Exit 1 when something is missing from the cache (or the remote).
 */
import type { LsCacheEntry, PresenceCount } from "../../src/index.js";
import { EXIT, type CommandContext } from "../context.js";
import { jobsFlag, json, out, withRepo } from "./common.js";

function cell(p: PresenceCount | undefined): string {
  if (!p) return "";
  if (p.total === undefined) return `${p.status} (${p.present}/?)`;
  return p.status === "ok" ? `ok (${p.total})` : `${p.status} (${p.present}/${p.total})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.flags;
  const remote = f.remote ? (f.remote as string) : f.cloud ? true : undefined;
  const jobs = jobsFlag(ctx);
  const r = await withRepo(ctx, (repo) =>
    repo.lsCache(ctx.args.length ? ctx.args : undefined, {
      cwd: ctx.cwd,
      ...(f.workspace ? { workspace: true } : {}),
      allBranches: !!f["all-branches"],
      allTags: !!f["all-tags"],
      allCommits: !!f["all-commits"],
      ...(f.rev ? { revs: f.rev as string[] } : {}),
      ...(remote !== undefined ? { remote } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
    }),
  );
  const bad = (e: LsCacheEntry) => (e.cache.status !== "ok" && e.hash !== null) || (e.remote !== undefined && e.remote.status !== "ok" && e.hash !== null);
  for (const e of r.errors) ctx.stderr.write(`WARNING: revision ${e.rev} could not be read: ${e.error}\n`);
  if (ctx.json) {
    json(ctx, r);
  } else if (r.entries.length === 0) {
    out(ctx, "No tracked outputs.");
  } else {
    const head = ["PATH", "HASH", "CACHE", ...(r.remote ? [`REMOTE ${r.remote.name}`] : []), "REVISIONS"];
    const rows = r.entries.map((e) => [
      e.isDir ? `${e.path}/` : e.path,
      e.hash ? e.hash.slice(0, 8) : "-",
      cell(e.cache),
      ...(r.remote ? [cell(e.remote)] : []),
      e.revs.map((r) => (/^[0-9a-f]{40,64}$/.test(r) ? r.slice(0, 8) : r)).join(", "),
    ]);
    out(ctx, table([head, ...rows]));
  }
  return r.entries.some(bad) || r.errors.length ? EXIT.FAILED : EXIT.OK;
}
