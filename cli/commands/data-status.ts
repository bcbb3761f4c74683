/**
 * `dvx data status`: DVC 3's `dvc data status` (iterative/dvc `dvc/commands/data.py`
 * CmdDataStatus): the same sections, labels, hints, 8-space item indent and `--json` shape
 * (empty sections dropped, `git` never printed).
 */
import type { DataStatusResult } from "../../src/index.js";
import { DvxError } from "../../src/errors.js";
import { EXIT, type CommandContext } from "../context.js";
import { jobsFlag, json, out, withRepo } from "./common.js";

type Section = "not_in_cache" | "not_in_remote" | "committed" | "uncommitted" | "untracked" | "unchanged";
const ORDER: Section[] = ["not_in_cache", "not_in_remote", "committed", "uncommitted", "untracked", "unchanged"];

const LABELS: Record<Section, string> = {
  not_in_remote: "Not in remote",
  not_in_cache: "Not in cache",
  committed: "DVC committed changes",
  uncommitted: "DVC uncommitted changes",
  untracked: "Untracked files",
  unchanged: "DVC unchanged files",
};

const HINTS: Partial<Record<Section, string[]>> = {
  not_in_remote: ['use "dvx push <file>..." to upload files'],
  not_in_cache: ['use "dvx fetch <file>..." to download files'],
  committed: ["git commit the corresponding dvc files to update the repo"],
  uncommitted: ['use "dvx commit <file>..." to track changes', 'use "dvx checkout <file>..." to discard changes'],
  untracked: ['use "git add <file> ..." or "dvx add <file>..." to commit to git or to dvc'],
};

const COLORS: Partial<Record<Section, number>> = { not_in_remote: 31, not_in_cache: 31, committed: 32, uncommitted: 33, untracked: 36 };

export type ShownStatus = Partial<Omit<DataStatusResult, "git">>;

/** What `--json` prints: the sections asked for, empty ones dropped (DVC's `compact(status)`). */
export function compactStatus(status: DataStatusResult, opts: { unchanged?: boolean; untracked?: boolean }): ShownStatus {
  const result: ShownStatus = {};
  for (const key of ORDER) {
    if (key === "unchanged" && !opts.unchanged) continue;
    if (key === "untracked" && !opts.untracked) continue;
    const v = status[key];
    if (Array.isArray(v) ? v.length : Object.keys(v).length) (result as Record<string, unknown>)[key] = v;
  }
  return result;
}

/** DVC's `_show_status`, line for line. */
export function renderDataStatus(shown: ShownStatus, git: DataStatusResult["git"], color = false): string {
  const paint = (s: string, code: number | undefined) => (color && code ? `\x1b[${code}m${s}\x1b[39m` : s);
  const lines: string[] = [];
  const sections = ORDER.filter((k) => shown[k] !== undefined);
  if (!sections.length) lines.push(`No changes${git.is_empty ? " in an empty git repo" : ""}.`);
  sections.forEach((key, i) => {
    if (i) lines.push("");
    lines.push(`${LABELS[key]}:`);
    for (const hint of HINTS[key] ?? []) lines.push(`  (${hint})`);
    const value = shown[key]!;
    const items = Array.isArray(value)
      ? value
      : Object.entries(value).flatMap(([state, changes]) =>
          (changes as Array<string | { old: string; new: string }>).map((c) => `${state}: ${typeof c === "string" ? c : `${c.old} -> ${c.new}`}`),
        );
    if (items.length) lines.push(paint(items.map((item) => `        ${item}`).join("\n"), COLORS[key]));
  });
  if (git.is_dirty) lines.push(paint(`(there are ${sections.length ? "other " : ""}changes not tracked by dvc, use "git status" to see)`, 34));
  return lines.join("\n");
}

export async function run(ctx: CommandContext): Promise<number> {
  const untrackedFlag = ctx.flags["untracked-files"];
  if (ctx.flags.remote && !ctx.flags["not-in-remote"]) {
    throw new DvxError("USAGE", "data status: -r/--remote is only applicable with --not-in-remote");
  }
  const status = await withRepo(ctx, (repo) =>
    repo.dataStatus(ctx.args.length ? ctx.args : undefined, {
      cwd: ctx.cwd,
      granular: !!ctx.flags.granular,
      notInRemote: !!ctx.flags["not-in-remote"],
      remote: ctx.flags.remote as string | undefined,
      jobs: jobsFlag(ctx),
      untrackedFiles: !!untrackedFlag,
    }),
  );
  const shown = compactStatus(status, { unchanged: !!ctx.flags.unchanged, untracked: !!untrackedFlag });
  if (ctx.json) json(ctx, shown);
  else out(ctx, renderDataStatus(shown, status.git, !!ctx.stdout.isTTY && !process.env.NO_COLOR));
  return EXIT.OK;
}
