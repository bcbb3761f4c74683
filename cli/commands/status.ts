import { EXIT, type CommandContext } from "../context.js";
import { json, out, withRepo } from "./common.js";

const STATUS_LEN = 20;

/** DVC's CmdDataStatus._show: nested dicts/lists, statuses padded to 20 columns, tab indents. */
export function renderStatus(status: unknown, indent = 0, lines: string[] = []): string[] {
  const ind = "\t".repeat(indent);
  if (typeof status === "string") {
    lines.push(`${ind}${status}`);
  } else if (Array.isArray(status)) {
    for (const e of status) renderStatus(e, indent, lines);
  } else if (status && typeof status === "object") {
    for (const [key, value] of Object.entries(status)) {
      if (typeof value === "string") lines.push(`${ind}${(value + ":").padEnd(STATUS_LEN)}${key}`);
      else if (value && (typeof value !== "object" || Object.keys(value).length)) {
        lines.push(`${ind}${key}:`);
        renderStatus(value, indent + 1, lines);
      }
    }
  }
  return lines;
}

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.flags.cloud || ctx.flags.remote) {
    const { runCloudStatus } = await import("./cloudStatus.js");
    return runCloudStatus(ctx);
  }
  const result = await withRepo(ctx, (repo) => repo.status(ctx.args.length ? ctx.args : undefined, { cwd: ctx.cwd }));
  if (ctx.json) {
    json(ctx, result);
    return EXIT.OK;
  }
  // DVC: `status -q` prints nothing and exits 1 when anything changed
  if (ctx.quiet) return Object.keys(result).length ? EXIT.FAILED : EXIT.OK;
  if (Object.keys(result).length === 0) out(ctx, "Data and pipelines are up to date.");
  else out(ctx, renderStatus(result).join("\n"));
  return EXIT.OK;
}
