/**
 * `dvx diff`: DVC's CmdDiff output: `--json` (Python json.dumps layout, hashes only with
 * `--show-hash`), `--md` (a GFM table), or grouped text with a "files summary" line. Like DVC,
 * "not in cache" is shown only against the workspace and without --hide-missing; entries are
 * sorted by path; `--targets` takes the paths that follow it (DVC's nargs="*").
 */
import { pyJsonString } from "../../src/formats/pyjson.js";
import type { DiffResult } from "../../src/index.js";
import { EXIT, type CommandContext } from "../context.js";
import { withRepo } from "./common.js";

type Hash = string | null | { old: string | null; new: string | null };
interface Entry {
  path: string | { old: string; new: string };
  hash?: Hash;
}

/** Python `json.dumps` (default separators, ensure_ascii) keeping key order. */
export function pyDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return pyJsonString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyJsonString(k)}: ${pyDumps(x)}`)
    .join(", ")}}`;
}

function digest(h: Hash | undefined): string {
  if (h === null || h === undefined) return "";
  if (typeof h === "string") return h.slice(0, 8);
  return `${(h.old ?? "None").slice(0, 8)}..${(h.new ?? "None").slice(0, 8)}`;
}

const pathText = (p: Entry["path"]) => (typeof p === "string" ? p : `${p.old} -> ${p.new}`);
const STATES = ["added", "deleted", "renamed", "modified", "not in cache"] as const;

/** CmdDiff._show_diff. */
export function renderText(diff: Record<string, Entry[]>, hideMissing: boolean): string {
  const lines: string[] = [];
  const summary: Record<string, number> = {};
  const states = STATES.filter((s) => !hideMissing || s !== "not in cache");
  for (const state of states) {
    summary[state] = 0;
    const entries = diff[state] ?? [];
    if (!entries.length) continue;
    lines.push(`${state.charAt(0).toUpperCase()}${state.slice(1)}:`);
    for (const e of entries) {
      const p = pathText(e.path);
      const d = digest(e.hash);
      if (!p.endsWith("/")) summary[state]!++;
      lines.push(`    ${d}${d ? "  " : ""}${p}`);
    }
    lines.push("");
  }
  const total = Object.values(summary).reduce((a, b) => a + b, 0);
  if (total) lines.push(`files summary: ${states.filter((s) => summary[s]! > 0).map((s) => `${summary[s]} ${s}`).join(", ")}`);
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** _show_markdown (tabulate's GFM "github" table, as DVC's ui.table(markdown=True)). */
export function renderMarkdown(diff: Record<string, Entry[]>, showHash: boolean, hideMissing: boolean): string {
  const headers = showHash ? ["Status", "Hash", "Path"] : ["Status", "Path"];
  const rows: string[][] = [];
  for (const state of STATES.filter((s) => !hideMissing || s !== "not in cache")) {
    for (const e of diff[state] ?? []) rows.push(showHash ? [state, digest(e.hash), pathText(e.path)] : [state, pathText(e.path)]);
  }
  // tabulate pads headers by MIN_PADDING = 2; rich's console adds a blank line after the table
  const widths = headers.map((h, i) => Math.max(h.length + 2, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n") + "\n\n";
}

/** Splits positionals like argparse would with `--targets` as nargs="*" (paths right after it are targets). */
function splitArgs(ctx: CommandContext): { revs: string[]; targets: string[] | undefined } {
  const given = (ctx.flags.targets as string[] | undefined) ?? [];
  if (!given.length && !process.argv.includes("--targets")) return { revs: ctx.args, targets: undefined };
  const argv = process.argv.slice(process.argv.indexOf("diff") + 1);
  const targets: string[] = [];
  const revs: string[] = [];
  let inTargets = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--targets") {
      inTargets = true;
      continue;
    }
    if (a.startsWith("--targets=")) {
      targets.push(a.slice("--targets=".length));
      inTargets = true;
      continue;
    }
    if (a.startsWith("-")) {
      inTargets = false;
      continue;
    }
    (inTargets ? targets : revs).push(a);
  }
  return { revs, targets };
}

export async function run(ctx: CommandContext): Promise<number> {
  const { revs, targets } = splitArgs(ctx);
  if (revs.length > 2) {
    ctx.stderr.write(`ERROR: dvx diff takes at most two revisions (got ${revs.map((r) => `'${r}'`).join(", ")})\n`);
    return EXIT.USAGE;
  }
  const [aRev, bRev] = revs;
  const showHash = !!ctx.flags["show-hash"];
  const hideMissing = bRev !== undefined || !!ctx.flags["hide-missing"];
  const result = (await withRepo(ctx, (repo) => repo.diff(aRev, bRev, { cwd: ctx.cwd, ...(targets ? { targets } : {}) }))) as DiffResult | Record<string, never>;
  const shown: Record<string, Entry[]> = {};
  for (const [key, entries] of Object.entries(result) as [string, Entry[]][]) {
    if (hideMissing && key === "not in cache") continue;
    shown[key] = entries.map((e) => (showHash ? { path: e.path, hash: e.hash ?? null } : { path: e.path }));
  }
  if (ctx.json) {
    ctx.stdout.write(pyDumps(shown) + "\n");
  } else if (ctx.flags.md) {
    ctx.stdout.write(renderMarkdown(shown, showHash, hideMissing));
  } else if (Object.keys(shown).length && !ctx.quiet) {
    ctx.stdout.write(renderText(shown, hideMissing));
  }
  return EXIT.OK;
}
