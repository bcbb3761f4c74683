/**
 * `dvx status`: each output against the workspace and the cache, in DVC's shape (spec: DVC's
 * `Output.status`): "not in cache" first, then "deleted", then "modified". The result maps a
 * stage (the `.dvc` file, or the pipeline stage name) to its changes; `{}` means clean.
 */
import * as path from "node:path";
import { buildOutput, loadManifest } from "./buildOutput.js";
import type { RepoContext } from "./context.js";
import type { Output } from "./outputs.js";

export type OutStatus = "not in cache" | "deleted" | "modified" | "new";
export type StatusResult = Record<string, Array<{ "changed outs"?: Record<string, OutStatus>; "changed deps"?: Record<string, OutStatus> } | string>>;

/** Whether the cache holds everything the output needs (the `.dir` and every file in it). */
export async function outputInCache(ctx: RepoContext, out: Output): Promise<boolean> {
  if (!out.md5) return false;
  if (!(await ctx.cache.exists(out.md5, out.hashName))) return false;
  if (!out.md5.endsWith(".dir")) return true;
  const manifest = await loadManifest(ctx, out.md5, out.hashName);
  if (!manifest) return false;
  for (const e of manifest) if (!(await ctx.cache.exists(e.md5, out.hashName))) return false;
  return true;
}

export async function outputStatus(ctx: RepoContext, out: Output): Promise<OutStatus | undefined> {
  if (out.md5 && out.cache && !(await outputInCache(ctx, out))) return "not in cache";
  const built = await buildOutput(ctx, out.path, out.hashName, { store: false });
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

export async function status(ctx: RepoContext, outs: Output[], cwd: string): Promise<StatusResult> {
  const result: StatusResult = {};
  for (const out of outs) {
    const s = await outputStatus(ctx, out);
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
