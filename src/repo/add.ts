/**
 * `dvx add`: validate every target first (nothing is written when one is bad), then for each:
 * hash and store into the cache in one pass, write `<target>.dvc`, and ignore the target in git.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { outToDict, parseDvcFile, serializeDvcFile } from "../formats/dvcFile.js";
import { readTextIfExists, writeFileAtomic } from "./atomicWrite.js";
import type { RepoContext } from "./context.js";
import { trackedUnder } from "./git.js";
import { ignoreOutputs } from "./gitignore.js";
import { loadIgnoreRules } from "./ignore.js";
import { WorkspaceGuard } from "./insideWorkspace.js";
import { collectOutputs, type Output } from "./outputs.js";
import { isInDvcDir, isWithin, toRepoRel } from "./root.js";
import { saveOutput } from "./saveOutput.js";
import { relinkOutput } from "./checkout.js";
import { statFollow } from "./walk.js";

export interface AddOptions {
  noCommit?: boolean;
}

export interface AddedOutput {
  path: string;
  dvcFile: string;
  md5: string;
  size: number;
  nfiles?: number;
  hashName: string;
  changed: boolean;
}

/** Turns user targets (absolute paths) into validated repo-relative output paths. */
export function validateAddTargets(ctx: RepoContext, absTargets: string[], existing: Output[]): string[] {
  const rels: string[] = [];
  const guard = new WorkspaceGuard(ctx.root);
  for (const abs of absTargets) {
    const rel = toRepoRel(ctx.root, abs);
    if (rel === "") throw new DvxError("USAGE", `${abs}: cannot add the repository root itself`, { data: { path: abs } });
    guard.check(rel, "dvx add"); // its .dvc file and .gitignore go next to it
    if (isInDvcDir(rel)) throw new DvxError("PATH_IN_DVC_DIR", `${rel}: cannot add a path inside .dvc/`, { data: { path: rel } });
    if (rel.split("/").includes(".git")) throw new DvxError("USAGE", `${rel}: cannot add a path inside .git/`, { data: { path: rel } });
    const st = statFollow(abs);
    if (!st) throw new DvxError("NOT_FOUND", `${rel}: no such file or directory`, { data: { path: rel } });
    if (st.isFile() && rel.endsWith(".dvc")) {
      throw new DvxError("TARGET_IS_DVC_FILE", `${rel}: is a .dvc file; add the data it points to instead`, { data: { path: rel } });
    }
    if (!st.isFile() && !st.isDirectory()) throw new DvxError("USAGE", `${rel}: not a regular file or directory`, { data: { path: rel } });
    const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    const rules = loadIgnoreRules(ctx.root, [parent]);
    if (rules.isIgnored(rel, st.isDirectory())) {
      throw new DvxError("IGNORED_PATH", `${rel}: path is ignored by .dvcignore`, { data: { path: rel } });
    }
    const ownDvc = `${rel}.dvc`;
    for (const o of existing) {
      if (o.path === rel && o.declaredIn === ownDvc) continue; // re-adding our own output
      if (o.path === rel || isWithin(rel, o.path) || isWithin(o.path, rel)) {
        throw new DvxError("OVERLAPPING_OUTPUT", `${rel}: overlaps with output '${o.path}' tracked by ${o.declaredIn}`, {
          data: { path: rel, output: o.path, file: o.declaredIn },
        });
      }
    }
    if (rels.some((r) => isWithin(r, rel) || isWithin(rel, r))) {
      throw new DvxError("OVERLAPPING_OUTPUT", `${rel}: given twice or overlapping another target`, { data: { path: rel } });
    }
    rels.push(rel);
  }
  if (!ctx.noScm) {
    const tracked = trackedUnder(ctx.root, rels);
    if (tracked.length) {
      const t = tracked[0]!;
      const target = rels.find((r) => isWithin(t, r)) ?? t;
      throw new DvxError("GIT_TRACKED", `${target}: is tracked by git ('${t}'); remove it from git first ('git rm -r --cached ${target}')`, {
        data: { path: target },
      });
    }
  }
  return rels;
}

export async function add(ctx: RepoContext, absTargets: string[], opts: AddOptions = {}): Promise<AddedOutput[]> {
  const existing = collectOutputs(ctx.root, loadIgnoreRules(ctx.root));
  const rels = validateAddTargets(ctx, absTargets, existing);
  const added: AddedOutput[] = [];
  for (const rel of rels) {
    const dvcRel = `${rel}.dvc`;
    const dvcAbs = path.join(ctx.root, dvcRel);
    const previousText = readTextIfExists(dvcAbs);
    const previous = previousText === undefined ? undefined : parseDvcFile(previousText, dvcRel);
    const prevOut = previous?.outs.length === 1 ? previous.outs[0] : undefined;
    const saved = await saveOutput(ctx, rel, prevOut, { store: !opts.noCommit });
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    const extra = prevOut ? flagsOf(prevOut.raw) : undefined;
    const dict = outToDict(
      { path: prevOut?.path ?? base, md5: saved.md5, size: saved.size, nfiles: saved.nfiles, isexec: saved.isexec, hashName: saved.hashName },
      extra,
    );
    ignoreOutputs(ctx, [rel]);
    if (!opts.noCommit) await relinkOutput(ctx, rel, saved);
    writeFileAtomic(dvcAbs, serializeDvcFile([dict], previousText));
    added.push({ path: rel, dvcFile: dvcRel, md5: saved.md5, size: saved.size, nfiles: saved.nfiles, hashName: saved.hashName, changed: saved.changed });
  }
  return added;
}

/** Annotations and flags of an existing entry, carried over on re-add/commit. */
export function flagsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!["md5", "size", "nfiles", "isexec", "hash", "path", "etag", "checksum", "files"].includes(k)) out[k] = v;
  }
  return out;
}

export function fileExists(p: string): boolean {
  return fs.existsSync(p);
}
