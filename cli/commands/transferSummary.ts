import type { SyncResult } from "../../src/index.js";
import { EXIT, plural, type CommandContext } from "../context.js";
import { formatBytes, formatDuration } from "../progress/format.js";
import { json, out } from "./common.js";

/** One summary line, failures listed on stderr, exit 1 if anything failed. */
export function reportTransfer(ctx: CommandContext, verb: "pushed" | "fetched", r: SyncResult, elapsedMs: number, extra?: Record<string, unknown>): number {
  const failed = r.failed.length > 0;
  if (ctx.json) {
    json(ctx, { [verb]: r.transferred, bytes: r.bytes, skipped: r.skipped, failed: r.failed, missing: r.missing, remotes: r.remotes, ...extra });
  } else {
    if (r.missing.length) {
      ctx.stderr.write(`WARNING: ${plural(r.missing.length, "object")} missing both locally and on the remote:\n${r.missing.slice(0, 20).map((m) => `\t${m.oid}`).join("\n")}${r.missing.length > 20 ? "\n\t..." : ""}\n`);
    }
    if (failed) {
      ctx.stderr.write(`ERROR: ${plural(r.failed.length, "object")} failed to transfer:\n${r.failed.slice(0, 50).map((f) => `\t${f.oid}: ${f.error}`).join("\n")}${r.failed.length > 50 ? "\n\t..." : ""}\n`);
    }
    const summary =
      r.transferred === 0 && !failed
        ? "Everything is up to date."
        : `${verb} ${plural(r.transferred, "object")} (${formatBytes(r.bytes)}) in ${formatDuration(elapsedMs)}, ${r.failed.length} failed`;
    out(ctx, summary);
  }
  return failed ? EXIT.FAILED : EXIT.OK;
}
