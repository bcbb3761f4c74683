/**
 * `dvx status`: each output against the workspace and the cache, in DVC's shape (spec: DVC's
 * `Output.status`): "not in cache" first, then "deleted", then "modified". The result maps a
 * stage (the `.dvc` file, or the pipeline stage name) to its changes; `{}` means clean.
 * Pipeline stages also get DVC's `changed deps` (Stage._status_deps) for their path deps, hashed
 * as dvc.lock recorded them (md5, or md5-dos2unix for 2.x entries without `hash:`); params deps,
 * `changed command` and frozen stages are not evaluated (docs/compatibility.md).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDvcLock, type LockEntry } from "../formats/dvcLock.js";
import { parseDvcYaml } from "../formats/dvcYaml.js";
import { buildOutput, loadManifest } from "./buildOutput.js";
import { cacheStamp, knownComplete, recordComplete, type StampMemo } from "./cacheComplete.js";
import type { RepoContext } from "./context.js";
import { isExternalPath, joinInRepo, type Output } from "./outputs.js";

export type OutStatus = "not in cache" | "deleted" | "modified" | "new";
export type StatusResult = Record<string, Array<{ "changed outs"?: Record<string, OutStatus>; "changed deps"?: Record<string, OutStatus> } | string>>;

/**
 * Whether the cache holds everything the output needs (the `.dir` and every file in it). A
 * directory's proof (its manifest parsed, the cache listed) is remembered (cacheComplete.ts).
 */
export async function outputInCache(ctx: RepoContext, out: Output, stamps: StampMemo = new Map()): Promise<boolean> {
  if (!out.md5) return false;
  if (!out.md5.endsWith(".dir")) return ctx.cache.exists(out.md5, out.hashName);
  const stamp = cacheStamp(ctx, out.hashName, stamps);
  if (!stamp) return false; // no object directory: nothing is cached
  if (knownComplete(ctx, out.md5, out.hashName, stamp)) return true;
  if (!(await ctx.cache.exists(out.md5, out.hashName))) return false;
  const manifest = await loadManifest(ctx, out.md5, out.hashName);
  if (!manifest) return false;
  const wanted = new Set(manifest.map((e) => e.md5));
  if (ctx.cache.existingSync(wanted, out.hashName).size !== wanted.size) return false;
  recordComplete(ctx, out.md5, out.hashName, stamp);
  return true;
}

export async function outputStatus(ctx: RepoContext, out: Output, stamps?: StampMemo): Promise<OutStatus | undefined> {
  if (out.md5 && out.cache && !(await outputInCache(ctx, out, stamps))) return "not in cache";
  const built = await buildOutput(ctx, out.path, out.hashName, { store: false, oidOnly: true });
  if (!built.exists) return "deleted";
  if (built.oid !== out.md5) return "modified";
  return undefined;
}

/** Display name of a path relative to the caller's cwd (DVC prints paths relative to cwd). */
export function displayPath(ctx: RepoContext, rel: string, cwd: string): string {
  const r = path.relative(cwd, path.join(ctx.root, rel)).split(path.sep).join("/");
  return r === "" ? "." : r;
}

export function stageName(ctx: RepoContext, out: Output, cwd: string): string {
  if (out.kind === "dvcfile") return displayPath(ctx, out.declaredIn, cwd);
  const file = displayPath(ctx, out.declaredIn, cwd);
  return file === "dvc.yaml" ? out.stage! : `${file}:${out.stage}`;
}

/**
 * DVC's `Output.workspace_status` for a stage's path dep: "deleted" when it is gone, "modified"
 * when its hash differs from the one dvc.lock recorded (or none was recorded).
 */
async function depStatus(ctx: RepoContext, rel: string, locked: LockEntry | undefined): Promise<OutStatus | undefined> {
  const built = await buildOutput(ctx, rel, locked?.hashName ?? "md5", { store: false, oidOnly: true });
  if (!built.exists) return "deleted";
  if (!locked?.md5 || built.oid !== locked.md5) return "modified";
  return undefined;
}

/** `changed deps` of the pipeline stages that declare any of `outs`, keyed by stage name. */
async function pipelineDepsStatus(ctx: RepoContext, outs: Output[], cwd: string): Promise<Map<string, Record<string, OutStatus>>> {
  const result = new Map<string, Record<string, OutStatus>>();
  const stagesByFile = new Map<string, Set<string>>();
  for (const o of outs) if (o.kind === "lock" && o.stage) (stagesByFile.get(o.declaredIn) ?? stagesByFile.set(o.declaredIn, new Set()).get(o.declaredIn)!).add(o.stage);
  for (const [yamlRel, stages] of stagesByFile) {
    const dir = path.posix.dirname(yamlRel) === "." ? "" : path.posix.dirname(yamlRel);
    const lockRel = dir ? `${dir}/dvc.lock` : "dvc.lock";
    const yaml = parseDvcYaml(fs.readFileSync(path.join(ctx.root, yamlRel), "utf8"), yamlRel);
    let lockText: string | undefined;
    try {
      lockText = fs.readFileSync(path.join(ctx.root, lockRel), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const lock = lockText === undefined ? undefined : parseDvcLock(lockText, lockRel);
    for (const [name, def] of yaml.stages) {
      if (!stages.has(name)) continue;
      const base = def.wdir && def.wdir !== "." ? joinInRepo(dir, def.wdir, yamlRel) : dir;
      const locked = lock?.stages.get(name);
      const changed: Record<string, OutStatus> = {};
      for (const dep of def.deps) {
        if (isExternalPath(dep)) continue;
        const rel = joinInRepo(base, dep, yamlRel);
        const s = await depStatus(ctx, rel, locked?.deps.find((e) => e.path === dep));
        if (s) changed[displayPath(ctx, rel, cwd)] = s;
      }
      if (Object.keys(changed).length) result.set(stageName(ctx, outs.find((o) => o.declaredIn === yamlRel && o.stage === name)!, cwd), changed);
    }
  }
  return result;
}

export async function status(ctx: RepoContext, outs: Output[], cwd: string): Promise<StatusResult> {
  const result: StatusResult = {};
  const stamps: StampMemo = new Map();
  for (const [stage, changed] of await pipelineDepsStatus(ctx, outs, cwd)) result[stage] = [{ "changed deps": changed }];
  for (const out of outs) {
    const s = await outputStatus(ctx, out, stamps);
    if (!s) continue;
    const key = stageName(ctx, out, cwd);
    const list = (result[key] ??= []);
    let changed = list.find((x): x is { "changed outs": Record<string, OutStatus> } => typeof x === "object" && "changed outs" in x);
    if (!changed) {
      changed = { "changed outs": {} };
      list.push(changed);
    }
    changed["changed outs"][displayPath(ctx, out.path, cwd)] = s;
  }
  return result;
}
