/**
 * `dvx commit`: record the workspace state of outputs in their `.dvc` files and store the data
 * in the cache. `.dvc` files are rewritten DVC's way (spec 4.5): existing keys keep their place,
 * an unchanged legacy entry keeps its bytes. Stage outputs update their `dvc.lock` entries.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { outToDict, serializeDvcFile } from "../formats/dvcFile.js";
import { lockOutToDict, serializeDvcLock } from "../formats/dvcLock.js";
import { parseYaml } from "../formats/yamlRead.js";
import { flagsOf } from "./add.js";
import { writeFileAtomic } from "./atomicWrite.js";
import { relinkOutput } from "./checkout.js";
import type { RepoContext } from "./context.js";
import type { Output } from "./outputs.js";
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
    if (![...saved.entries()].some(([o, s]) => entryChanged(o, s))) continue;
    if (fileOuts[0]!.kind === "dvcfile") writeDvcFile(ctx, file, fileOuts, saved);
    else writeLockFile(ctx, file, fileOuts, saved);
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

function writeLockFile(ctx: RepoContext, lockRel: string, outs: Output[], saved: Map<Output, SavedOutput>): void {
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
  writeFileAtomic(abs, serializeDvcLock({ stages: changed }, previousText, lockRel));
}
