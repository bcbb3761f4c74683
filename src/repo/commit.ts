/**
 * `dvx commit`: record the workspace state of outputs in their `.dvc` files and store the data
 * in the cache. `.dvc` files are rewritten DVC's way (spec 4.5): existing keys keep their place,
 * an unchanged legacy entry keeps its bytes. Stage outputs update their `dvc.lock` entries, and,
 * as `dvc commit` saves whole stages, those stages' path deps too (params and cmd are left as
 * recorded).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { outToDict, serializeDvcFile } from "../formats/dvcFile.js";
import { lockOutToDict, parseDvcLock, serializeDvcLock } from "../formats/dvcLock.js";
import { parseDvcYaml } from "../formats/dvcYaml.js";
import { compareCodePoints } from "../formats/pyjson.js";
import { parseYaml } from "../formats/yamlRead.js";
import { flagsOf } from "./add.js";
import { writeFileAtomic } from "./atomicWrite.js";
import { relinkOutput } from "./checkout.js";
import type { RepoContext } from "./context.js";
import { isExternalPath, joinInRepo, type Output } from "./outputs.js";
import { saveOutput, type SavedOutput } from "./saveOutput.js";

export interface CommitResult {
  committed: { path: string; file: string; changed: boolean }[];
}

export async function commit(ctx: RepoContext, outs: Output[]): Promise<CommitResult> {
  const result: CommitResult = { committed: [] };
  const byFile = new Map<string, Output[]>();
  for (const o of outs) {
    if (!o.cache && o.kind === "dvcfile") continue;
    const key = o.kind === "lock" ? o.declaredIn.replace(/dvc\.yaml$/, "dvc.lock") : o.declaredIn;
    (byFile.get(key) ?? byFile.set(key, []).get(key)!).push(o);
  }
  for (const [file, fileOuts] of byFile) {
    const saved = new Map<Output, SavedOutput>();
    for (const o of fileOuts) {
      const s = await saveOutput(ctx, o.path, o.md5 ? { hashName: o.hashName, md5: o.md5 } : undefined, { store: o.cache });
      if (o.cache) await relinkOutput(ctx, o.path, s);
      saved.set(o, s);
      result.committed.push({ path: o.path, file, changed: entryChanged(o, s) });
    }
    const deps = fileOuts[0]!.kind === "lock" ? await saveStageDeps(ctx, file, fileOuts) : [];
    for (const d of deps) if (d.changed) result.committed.push({ path: d.rel, file, changed: true });
    if (![...saved.entries()].some(([o, s]) => entryChanged(o, s)) && !deps.some((d) => d.changed)) continue;
    if (fileOuts[0]!.kind === "dvcfile") writeDvcFile(ctx, file, fileOuts, saved);
    else writeLockFile(ctx, file, fileOuts, saved, deps);
  }
  return result;
}

interface SavedDep {
  stage: string;
  /** as written in dvc.yaml / dvc.lock (relative to the stage's wdir) */
  defPath: string;
  rel: string;
  saved: SavedOutput;
  changed: boolean;
}

/**
 * The path deps of the stages that declare `outs`, hashed as `dvc commit` saves them (an unchanged
 * 2.x entry stays md5-dos2unix; nothing is stored). A missing dep fails, as it does in DVC.
 */
async function saveStageDeps(ctx: RepoContext, lockRel: string, outs: Output[]): Promise<SavedDep[]> {
  const yamlRel = outs[0]!.declaredIn;
  const dir = path.posix.dirname(yamlRel) === "." ? "" : path.posix.dirname(yamlRel);
  const yaml = parseDvcYaml(fs.readFileSync(path.join(ctx.root, yamlRel), "utf8"), yamlRel);
  let lockText: string | undefined;
  try {
    lockText = fs.readFileSync(path.join(ctx.root, lockRel), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const lock = lockText === undefined ? undefined : parseDvcLock(lockText, lockRel);
  const stages = new Set(outs.map((o) => o.stage!));
  const result: SavedDep[] = [];
  for (const [stage, def] of yaml.stages) {
    if (!stages.has(stage)) continue;
    const base = def.wdir && def.wdir !== "." ? joinInRepo(dir, def.wdir, yamlRel) : dir;
    for (const dep of def.deps) {
      if (isExternalPath(dep)) continue;
      const rel = joinInRepo(base, dep, yamlRel);
      const locked = lock?.stages.get(stage)?.deps.find((e) => e.path === dep);
      const saved = await saveOutput(ctx, rel, locked?.md5 ? { hashName: locked.hashName, md5: locked.md5 } : undefined, { store: false });
      const changed =
        !locked || saved.changed || (locked.isexec ?? false) !== (saved.isexec ?? false) || locked.size !== saved.size || locked.nfiles !== saved.nfiles;
      result.push({ stage, defPath: dep, rel, saved, changed });
    }
  }
  return result;
}

/**
 * Whether the recorded entry must be rewritten: the data changed, or only its metadata did (an
 * executable bit dropped or set, a missing size), which `dvc commit -f` also writes back.
 */
function entryChanged(o: Output, s: SavedOutput): boolean {
  return s.changed || (o.isexec ?? false) !== (s.isexec ?? false) || o.size !== s.size || o.nfiles !== s.nfiles;
}

function writeDvcFile(ctx: RepoContext, file: string, changedOuts: Output[], saved: Map<Output, SavedOutput>): void {
  const abs = path.join(ctx.root, file);
  const previousText = fs.readFileSync(abs, "utf8");
  const raw = parseYaml(previousText, file) as Record<string, unknown>;
  const outsRaw = (raw.outs as Record<string, unknown>[]).map((entry, index) => {
    const o = changedOuts.find((x) => x.index === index);
    const s = o && saved.get(o);
    if (!o || !s) return entry;
    return outToDict({ path: o.defPath, md5: s.md5, size: s.size, nfiles: s.nfiles, isexec: s.isexec, hashName: s.hashName }, flagsOf(o.entry?.raw ?? {}));
  });
  writeFileAtomic(abs, serializeDvcFile(outsRaw, previousText));
}

function writeLockFile(ctx: RepoContext, lockRel: string, outs: Output[], saved: Map<Output, SavedOutput>, deps: SavedDep[]): void {
  const abs = path.join(ctx.root, lockRel);
  let previousText: string | undefined;
  try {
    previousText = fs.readFileSync(abs, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  // keepFloats: params like `lr: 1.0` must come back as written, not as `1`
  const raw = (previousText ? parseYaml(previousText, lockRel, { keepFloats: true }) : {}) as { stages?: Record<string, Record<string, unknown>> };
  const stages = raw.stages ?? {};
  const changed: Record<string, Record<string, unknown>> = {};
  for (const o of outs) {
    const s = saved.get(o)!;
    const stage = stages[o.stage!];
    if (!stage) {
      throw new DvxError("USAGE", `${lockRel}: stage '${o.stage}' has no lock entry; run it with 'dvc repro' first`, { data: { file: lockRel } });
    }
    const list = ((stage.outs as Record<string, unknown>[] | undefined) ?? []).slice();
    const dict = lockOutToDict({ path: o.defPath, md5: s.md5, size: s.size, nfiles: s.nfiles, isexec: s.isexec, hashName: s.hashName });
    const i = list.findIndex((e) => e.path === o.defPath);
    if (i >= 0) list[i] = dict;
    else list.push(dict);
    changed[o.stage!] = { ...stage, outs: list };
    stages[o.stage!] = changed[o.stage!]!;
  }
  for (const d of deps) {
    const stage = changed[d.stage];
    if (!stage) continue;
    const list = ((stage.deps as Record<string, unknown>[] | undefined) ?? []).slice();
    const s = d.saved;
    const dict = lockOutToDict({ path: d.defPath, md5: s.md5, size: s.size, nfiles: s.nfiles, isexec: s.isexec, hashName: s.hashName });
    const i = list.findIndex((e) => e.path === d.defPath);
    if (i >= 0) list[i] = dict;
    else {
      list.push(dict);
      list.sort((a, b) => compareCodePoints(String(a.path), String(b.path)));
    }
    stage.deps = list;
  }
  writeFileAtomic(abs, serializeDvcLock({ stages: changed }, previousText, lockRel));
}
