import * as path from "node:path";
import type { CheckoutResult, ProgressEvent, Repo } from "../../src/index.js";
import { EXIT, plural, type CommandContext } from "../context.js";
import type { Reporter } from "../progress/reporter.js";
import { json, out, withRepo } from "./common.js";

/** How checkout lines name outputs (DVC's): relative to the working directory, directories with a trailing `/`. */
export interface CheckoutDisplay {
  root: string;
  dirs: Set<string>;
  /** files written by the checkout phase(s), from their progress */
  files: number;
}

/**
 * Runs `op` with a progress callback that still feeds the reporter and also counts the files the
 * checkout phase writes (for the summary line), and notes which outputs are directories.
 */
export async function countingCheckout<T>(repo: Repo, reporter: Reporter, op: (onProgress: (e: ProgressEvent) => void) => Promise<T>): Promise<{ result: T; display: CheckoutDisplay }> {
  let files = 0;
  const result = await op((e) => {
    if (e.type === "end" && e.phase === "checkout") files += e.done.files;
    reporter.onProgress(e);
  });
  const dirs = new Set(repo.outputs().filter((o) => o.md5?.endsWith(".dir")).map((o) => o.path));
  return { result, display: { root: repo.root, dirs, files } };
}

export async function run(ctx: CommandContext): Promise<number> {
  const { result, display } = await withRepo(ctx, (repo, reporter) =>
    countingCheckout(repo, reporter, (onProgress) => repo.checkout(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd, force: !!ctx.flags.force, relink: !!ctx.flags.relink, onProgress })),
  );
  const code = reportCheckout(ctx, result, display);
  if (code === EXIT.OK && ctx.flags.relink && !ctx.json) out(ctx, "Relinked successfully"); // as dvc checkout --relink
  return code;
}

/**
 * DVC's lines (`A       data/`, `M       ../model.pkl`, `D       …`), then one summary line with
 * the outputs per state and the files written (DVC prints its counts only with --summary).
 */
export function reportCheckout(ctx: CommandContext, r: CheckoutResult, display?: CheckoutDisplay): number {
  if (ctx.json) {
    json(ctx, r);
    return r.failed.length ? EXIT.FAILED : EXIT.OK;
  }
  if (ctx.flags.summary) {
    out(ctx, dvcSummary(r));
    return reportFailed(ctx, r, display);
  }
  const shown = (p: string) => shownPath(ctx, p, display);
  const lines: string[] = [];
  for (const p of r.added) lines.push(`A       ${shown(p)}`);
  for (const p of r.modified) lines.push(`M       ${shown(p)}`);
  for (const p of r.deleted) lines.push(`D       ${shown(p)}`);
  const parts: string[] = [];
  if (r.added.length) parts.push(`${plural(r.added.length, "output")} added`);
  if (r.modified.length) parts.push(`${plural(r.modified.length, "output")} modified`);
  if (r.deleted.length) parts.push(`${plural(r.deleted.length, "output")} deleted`);
  if (parts.length) lines.push(parts.join(", ") + (display ? ` (${plural(display.files, "file")} written)` : ""));
  if (lines.length) out(ctx, lines.join("\n"));
  return reportFailed(ctx, r, display);
}

/** An output as DVC names it: relative to the working directory, directories with a trailing `/`. */
function shownPath(ctx: CommandContext, p: string, display?: CheckoutDisplay): string {
  return display ? `${path.relative(ctx.cwd, path.join(display.root, p)) || "."}${display.dirs.has(p) ? "/" : ""}` : p;
}

function reportFailed(ctx: CommandContext, r: CheckoutResult, display?: CheckoutDisplay): number {
  if (!r.failed.length) return EXIT.OK;
  ctx.stderr.write(`ERROR: Checkout failed for following targets:\n${r.failed.map((f) => `${shownPath(ctx, f.path, display)} (${f.reason})`).join("\n")}\nIs your cache up to date?\n`);
  return EXIT.FAILED;
}

/**
 * `dvc checkout --summary`'s line (dvc/utils/humanize.py get_summary over the file counts, in
 * the order modified, added, deleted): "1 file modified and 7 files added", or "No changes.".
 */
export function dvcSummary(r: CheckoutResult): string {
  const parts = (["modified", "added", "deleted"] as const)
    .filter((state) => r.stats[state] > 0)
    .map((state) => `${r.stats[state]} file${r.stats[state] > 1 ? "s" : ""} ${state}`);
  if (!parts.length) return "No changes.";
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0]!;
}
