/**
 * `dvx gc`: DVC's scopes and messages, with dvx's guard rails for shared storage:
 * - `--dry` lists every object that would go and the bytes, deletes nothing (no prompt);
 * - `-c/--cloud` never runs without `-f`: it prints what it would delete on the remote and stops;
 * - local gc without `-f` asks on a terminal, and refuses (exit 1) when stdin is not one: no
 *   prompt is ever waited for in CI.
 * Progress (the deletion phase) goes through the usual reporter: the live UI on a terminal, plain
 * lines otherwise. It is created only once the prompt is answered (or with -f), so the live frame
 * never fights the prompt for the terminal. Ctrl-C cancels (exit 252), also at the prompt.
 */
import { createInterface } from "node:readline";
import { DvxError, Repo, type GcOptions, type GcPlan, type LayoutPlan, type ProgressEvent } from "../../src/index.js";
import { EXIT, plural, type CommandContext } from "../context.js";
import { formatBytes } from "../progress/format.js";
import { createReporter, type Reporter } from "../progress/reporter.js";
import { jobsFlag, json, out } from "./common.js";

function count(layouts: LayoutPlan[]): { objects: number; bytes: number; estimated?: boolean } {
  let objects = 0;
  let bytes = 0;
  let estimated = false;
  for (const l of layouts) {
    objects += l.dirs.length + l.files.length;
    bytes += l.bytes;
    if (l.bytesEstimated && l.dirs.length + l.files.length) estimated = true;
  }
  return { objects, bytes, ...(estimated ? { estimated } : {}) };
}

const sizeText = (c: { bytes: number; estimated?: boolean }) => `${c.estimated ? "~" : ""}${formatBytes(c.bytes)}`;

/** DVC's CmdGC warning text. */
function scopeMessage(o: GcOptions): string {
  let msg = "This will remove all cache except items used in the workspace";
  if (o.allCommits) msg += " and all git commits";
  else {
    if (o.allBranches && o.allTags) msg += " and all git branches and tags";
    else if (o.allBranches) msg += " and all git branches";
    else if (o.allTags) msg += " and all git tags";
    if (o.date) msg += ` and all git commits before date ${o.date}`;
    if (o.revs?.length) msg += ` and last ${o.num ?? 1} commits from ${o.revs.join(", ")}`;
  }
  return msg + " of the current repo.";
}

function keyOf(l: LayoutPlan, oid: string): string {
  const rel = `${oid.slice(0, 2)}/${oid.slice(2)}`;
  return l.hashName === "md5" ? `files/md5/${rel}` : rel;
}

function summary(plan: GcPlan): string {
  const local = count(plan.local);
  let s = `${plural(local.objects, "object")} (${formatBytes(local.bytes)}) from the local cache`;
  if (plan.remote) {
    const r = count(plan.remote.layouts);
    s += ` and ${plural(r.objects, "object")} (${sizeText(r)}) from remote '${plan.remote.name}' (${plan.remote.url})`;
  }
  return s;
}

async function ask(ctx: CommandContext, question: string, signal: AbortSignal): Promise<boolean> {
  // line by line from stdin (the terminal echoes in cooked mode); EOF answers no, Ctrl-C cancels
  const rl = createInterface({ input: process.stdin, terminal: false });
  const onAbort = () => rl.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    ctx.stderr.write(`${question} [y/n]: `);
    for await (const line of rl) {
      const a = line.trim().toLowerCase();
      if (a === "y" || a === "yes") return true;
      if (a === "n" || a === "no") return false;
      ctx.stderr.write(`${question} [y/n]: `);
    }
    return false;
  } finally {
    signal.removeEventListener("abort", onAbort);
    rl.close();
    if (signal.aborted) ctx.stderr.write("\n");
  }
}

function planJson(plan: GcPlan) {
  const layouts = (ls: LayoutPlan[]) => ({
    ...count(ls),
    layouts: ls.map((l) => ({ hash_name: l.hashName, total: l.total, dirs: l.dirs, files: l.files, bytes: l.bytes, ...(l.bytesEstimated ? { bytes_estimated: true } : {}), files_protected: l.filesProtected })),
  });
  return {
    revisions: plan.revisions,
    skipped: plan.skipped,
    used: plan.used,
    unreadable_dirs: plan.unreadableDirs,
    warnings: plan.warnings,
    local: layouts(plan.local),
    ...(plan.remote ? { remote: { name: plan.remote.name, url: plan.remote.url, ...layouts(plan.remote.layouts) } } : {}),
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.flags;
  const num = f.num === undefined ? undefined : Number(f.num);
  if (num !== undefined && (!Number.isInteger(num) || num < 1)) {
    ctx.stderr.write(`ERROR: --num must be a positive integer, got '${String(f.num)}'\n`);
    return EXIT.USAGE;
  }
  const opts: GcOptions = {
    workspace: !!f.workspace,
    allBranches: !!f["all-branches"],
    allTags: !!f["all-tags"],
    allCommits: !!f["all-commits"],
    ...(f.rev ? { revs: f.rev as string[] } : {}),
    ...(num !== undefined ? { num } : {}),
    ...(f.date ? { date: f.date as string } : {}),
    cloud: !!f.cloud,
    ...(f.remote ? { remote: f.remote as string } : {}),
    skipFailed: !!f["skip-failed"],
    dropUnreadableDirs: !!f["drop-unreadable-dirs"],
    offline: !!f.offline,
  };
  const jobs = jobsFlag(ctx);
  if (jobs !== undefined) opts.jobs = jobs;
  if (ctx.args.length) {
    ctx.stderr.write(`ERROR: dvx gc takes no positional arguments (got '${ctx.args[0]}')\n`);
    return EXIT.USAGE;
  }
  const dry = !!f.dry;
  const force = !!f.force;
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(EXIT.INTERRUPTED);
    abort.abort(new DvxError("ABORTED", "interrupted by the user"));
  };
  let reporter: Reporter | undefined;
  let forward: (e: ProgressEvent) => void = () => {};
  const startProgress = async () => {
    reporter ??= await createReporter(ctx);
    forward = reporter.onProgress;
  };
  const repo = Repo.open(ctx.cwd, { onProgress: (e) => forward(e), signal: abort.signal });
  process.on("SIGINT", onSigint);
  let declined = false;
  try {
    if (force && !dry) await startProgress();
    const result = await repo
      .gc({
        ...opts,
        dry,
        force,
        confirm: async (plan) => {
          for (const w of plan.warnings) ctx.stderr.write(`WARNING: ${w}\n`);
          const local = count(plan.local);
          const remote = plan.remote ? count(plan.remote.layouts) : { objects: 0, bytes: 0 };
          if (local.objects + remote.objects === 0) return true; // nothing to delete: nothing to confirm
          if (plan.remote) {
            ctx.stderr.write(
              `ERROR: gc --cloud deletes from a shared remote and needs -f: it would delete ${summary(plan)}.\n` +
                "Re-run with --dry to list them, or with -f to delete them.\n",
            );
            declined = true;
            return false;
          }
          if (!process.stdin.isTTY) {
            ctx.stderr.write(`ERROR: refusing to delete ${summary(plan)} without confirmation (stdin is not a terminal).\nRe-run with -f to delete, or --dry to list what would go.\n`);
            declined = true;
            return false;
          }
          ctx.stderr.write(`WARNING: ${scopeMessage(opts)}\nThis would delete ${summary(plan)}.\n`);
          const yes = await ask(ctx, "Are you sure you want to proceed?", abort.signal);
          if (abort.signal.aborted) throw abort.signal.reason;
          if (!yes) declined = true;
          else await startProgress();
          return yes;
        },
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted && !(e instanceof DvxError && e.code === "ABORTED")) throw abort.signal.reason;
        throw e;
      })
      .finally(async () => {
        process.off("SIGINT", onSigint);
        // the live frame is erased before anything below is printed
        await reporter?.close();
      });
    const { plan } = result;
    if (ctx.json) {
      json(ctx, {
        dry,
        executed: result.executed,
        ...planJson(plan),
        removed: { local: result.removedLocal, remote: result.removedRemote, bytes_local: result.bytesLocal, bytes_remote: result.bytesRemote },
      });
      return declined ? EXIT.FAILED : EXIT.OK;
    }
    if (dry || force) for (const w of plan.warnings) ctx.stderr.write(`WARNING: ${w}\n`);
    for (const s of plan.skipped) ctx.stderr.write(`WARNING: Failed to collect '${s.rev}', skipping: ${s.error}\n`);
    if (dry) {
      const list = (where: string, layouts: LayoutPlan[]) => {
        const c = count(layouts);
        const lines = layouts.flatMap((l) => [...l.dirs, ...l.files].map((oid) => `    ${keyOf(l, oid)}`));
        if (lines.length) out(ctx, `Would remove from ${where}:\n${lines.join("\n")}`);
        out(ctx, `Would remove ${plural(c.objects, "object")} (${sizeText(c)}) from ${where}.`);
      };
      list("local cache", plan.local);
      if (plan.remote) list(`remote '${plan.remote.name}' (${plan.remote.url})`, plan.remote.layouts);
      return EXIT.OK;
    }
    if (!result.executed) return declined ? EXIT.FAILED : EXIT.OK;
    const local = count(plan.local);
    out(ctx, result.removedLocal ? `Removed ${plural(result.removedLocal, "object")} (${formatBytes(local.bytes)}) from local cache.` : "No unused 'local' cache to remove.");
    if (plan.remote) {
      const r = count(plan.remote.layouts);
      out(ctx, result.removedRemote ? `Removed ${plural(result.removedRemote, "object")} (${sizeText(r)}) from remote '${plan.remote.name}'.` : "No unused cache to remove from remote.");
    }
    return EXIT.OK;
  } finally {
    repo.close();
  }
}
