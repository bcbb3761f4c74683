/**
 * `dvx stamp [TARGET...]`: writes the reproducibility record of a training run (data, code,
 * environment, seeds) as JSON, env lines or MLflow tags/params, to stdout or `-o FILE`.
 * `dvx stamp verify FILE`: lists every difference between the repository and a stamp; exit 1 on drift.
 * docs/stamp.md is the reference.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../../src/errors.js";
import { writeFileAtomic } from "../../src/repo/atomicWrite.js";
import { formatStamp, STAMP_FORMATS, type StampFormat } from "../../src/stamp/format.js";
import type { StampRecord } from "../../src/stamp/types.js";
import { parseStamp, verifyStamp, type VerifyResult } from "../../src/stamp/verify.js";
import { EXIT, plural, type CommandContext } from "../context.js";
import { jobsFlag, json, out, withRepo } from "./common.js";

function usage(message: string): DvxError {
  return new DvxError("USAGE", message, { hint: "see 'dvx stamp --help'" });
}

function refuse(ctx: CommandContext, names: string[], mode: string): void {
  for (const n of names) if (ctx.flags[n] !== undefined && ctx.flags[n] !== false) throw usage(`--${n} does not apply to ${mode}`);
}

const short = (s: string | null | undefined, n = 12) => (s ? s.slice(0, n) : "none");

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args[0] === "verify") return verify(ctx);
  refuse(ctx, ["ignore"], "'dvx stamp' (only to 'dvx stamp verify')");
  const format = (ctx.flags.format as string | undefined) ?? "json";
  if (!STAMP_FORMATS.includes(format as StampFormat)) throw usage(`--format must be one of ${STAMP_FORMATS.join(", ")}, got '${format}'`);
  if (ctx.json && format !== "json") throw usage(`--json and --format ${format} contradict each other`);
  const outFile = ctx.flags.out ? path.resolve(ctx.cwd, ctx.flags.out as string) : undefined;
  const jobs = jobsFlag(ctx);
  const record = await withRepo(ctx, (repo) =>
    repo.stamp(ctx.args.length ? ctx.args : undefined, {
      cwd: ctx.cwd,
      seeds: (ctx.flags.seed as string[] | undefined) ?? [],
      python: !!ctx.flags.python,
      ...(ctx.flags["image-digest"] !== undefined ? { imageDigest: ctx.flags["image-digest"] as string } : {}),
      remote: !ctx.flags["no-remote"],
      ...(jobs !== undefined ? { jobs } : {}),
      ...(outFile ? { stampFile: outFile } : {}),
    }),
  );
  const text = formatStamp(record, format as StampFormat);
  warn(ctx, record);
  if (outFile) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileAtomic(outFile, text);
    out(ctx, summary(record, path.relative(ctx.cwd, outFile) || outFile));
  } else {
    ctx.stdout.write(text);
  }
  return EXIT.OK;
}

function summary(r: StampRecord, file: string): string {
  const c = r.code;
  const code = c.vcs ? `commit ${short(c.commit)}${c.branch ? ` (${c.branch})` : ""}${c.dirty ? `, ${plural(c.changes.length, "uncommitted change")}` : ", clean"}` : "no git";
  return `Stamp written to ${file}: ${plural(r.data.outputs.length, "output")} (data ${short(r.data.fingerprint, 19)}), ${code}, ${plural(r.environment.lockFiles.length, "lock file")}`;
}

/** What a stamp records but a later checkout could not bring back: said on stderr, never fatal. */
function warn(ctx: CommandContext, r: StampRecord): void {
  if (ctx.quiet) return;
  const w = (s: string) => ctx.stderr.write(`WARNING: ${s}\n`);
  if (r.code.dirty && r.code.commit) w(`uncommitted changes (${r.code.changes.map((c) => c.path).join(", ")}): the stamp records them, but checking out commit ${short(r.code.commit)} will not bring them back`);
  if (r.code.vcs === "git" && !r.code.commit) w("the repository has no commit yet: the code is not pinned");
  const notCached = r.data.outputs.filter((o) => o.inCache === false).map((o) => o.path);
  if (notCached.length) w(`not in the local cache: ${notCached.join(", ")}`);
  const notPushed = r.data.outputs.filter((o) => o.inRemote === "no").map((o) => o.path);
  if (notPushed.length) w(`not on the remote yet: ${notPushed.join(", ")} (run 'dvx push')`);
  const unknown = r.data.outputs.filter((o) => o.inRemote === "unknown");
  for (const [err, paths] of group(unknown.map((o) => [o.remoteError ?? "unknown error", o.path]))) w(`remote presence unknown for ${paths.join(", ")}: ${err}`);
  const noRemote = r.data.outputs.filter((o) => o.cache && o.push && o.hash && !o.remote).map((o) => o.path);
  if (noRemote.length) w(`no remote for ${noRemote.join(", ")} (set one with 'dvx remote add -d NAME URL')`);
  const uncommitted = r.data.outputs.filter((o) => !o.hash).map((o) => o.path);
  if (uncommitted.length) w(`outputs without a recorded hash: ${uncommitted.join(", ")}`);
  if (r.environment.python?.error) w(`python: ${r.environment.python.error}`);
}

function group(pairs: Array<[string, string]>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
}

async function verify(ctx: CommandContext): Promise<number> {
  refuse(ctx, ["seed", "out", "format", "python", "no-remote"], "'dvx stamp verify'");
  const files = ctx.args.slice(1);
  if (files.length !== 1) throw usage(files.length ? `verify takes one stamp file, got ${files.length}` : "verify needs the stamp file: dvx stamp verify FILE");
  const file = path.resolve(ctx.cwd, files[0]!);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new DvxError("NOT_FOUND", `${files[0]}: cannot read the stamp (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { data: { file } });
  }
  const record = parseStamp(text, files[0]!);
  const jobs = jobsFlag(ctx);
  const result = await withRepo(ctx, (repo) =>
    verifyStamp(repo, record, {
      stampFile: file,
      ignore: (ctx.flags.ignore as string[] | undefined) ?? [],
      ...(jobs !== undefined ? { jobs } : {}),
      ...(ctx.flags["image-digest"] !== undefined ? { imageDigest: ctx.flags["image-digest"] as string } : {}),
    }),
  );
  if (ctx.json) {
    const { current: _current, ...rest } = result;
    json(ctx, { file: files[0], ...rest });
  } else {
    out(ctx, render(result, files[0]!));
  }
  return result.ok ? EXIT.OK : EXIT.FAILED;
}

function render(r: VerifyResult, file: string): string {
  const head = `stamp ${file} (created ${r.stamp.createdAt}, commit ${short(r.stamp.commit)})`;
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`No drift: the repository matches ${head}.`);
  } else {
    lines.push(`Drift: ${plural(r.differences.length, "difference")} from ${head}:`);
    const width = Math.max(...r.differences.map((d) => d.kind.length));
    for (const d of r.differences) lines.push(`  ${d.kind.padEnd(width)}  ${d.message}`);
  }
  if (r.ignored) lines.push(`(${plural(r.ignored, "difference")} ignored by --ignore)`);
  for (const n of r.notes) lines.push(`note: ${n.message}`);
  return lines.join("\n");
}
