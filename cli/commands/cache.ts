/**
 * `dvx cache verify [--quarantine]`: re-hash every object of the cache (both layouts, trusted
 * 0444 objects too) and list those whose content no longer matches their name. With
 * `--quarantine` they are moved to `<cache>/.dvx-quarantine/`, out of reach of checkout and push
 * (fetch or pull then brings a good copy back from a remote). Exit 1 when anything is bad.
 */
import { DvxError } from "../../src/index.js";
import { EXIT, plural, type CommandContext } from "../context.js";
import { formatDuration } from "../progress/format.js";
import { suggest } from "../spec.js";
import { jobsFlag, json, out, withRepo } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.args;
  if (sub !== "verify" || rest.length > 0) {
    throw new DvxError("USAGE", sub === undefined ? "usage: dvx cache verify [--quarantine] [--json]" : `unknown 'cache' subcommand '${[sub, ...rest].join(" ")}'${rest.length === 0 && suggest(sub, ["verify"]) ? "; did you mean 'cache verify'?" : ""} (usage: dvx cache verify [--quarantine] [--json])`);
  }
  const started = Date.now();
  const quarantine = !!ctx.flags.quarantine;
  const jobs = jobsFlag(ctx);
  const r = await withRepo(ctx, (repo) => repo.verifyCache({ quarantine, ...(jobs !== undefined ? { jobs } : {}) }));
  const bad = r.corrupt.length + r.unreadable.length;
  if (ctx.json) {
    json(ctx, { checked: r.checked, ok: r.ok, corrupt: r.corrupt, unreadable: r.unreadable, quarantined: quarantine });
    return bad ? EXIT.FAILED : EXIT.OK;
  }
  for (const c of r.corrupt) {
    ctx.stderr.write(`ERROR: corrupt object ${c.oid} (${c.hashName}): its content does not match its hash${c.quarantinedTo ? `; moved to ${c.quarantinedTo}` : ` (${c.path})`}\n`);
  }
  for (const u of r.unreadable) ctx.stderr.write(`ERROR: cannot read object ${u.oid} (${u.hashName}): ${u.error}\n`);
  if (r.corrupt.length && !quarantine) ctx.stderr.write("hint: run 'dvx cache verify --quarantine' to move them aside, then 'dvx fetch' to get good copies\n");
  out(ctx, `verified ${plural(r.checked, "object")} in ${formatDuration(Date.now() - started)}: ${r.ok} ok, ${r.corrupt.length} corrupt, ${r.unreadable.length} unreadable`);
  return bad ? EXIT.FAILED : EXIT.OK;
}
