/**
 * The repository's outputs: every `outs` entry of every `.dvc` file, and every cached output of
 * `dvc.yaml` stages with its hash from `dvc.lock` (spec 5.3). Paths are repo-relative posix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { parseDvcFile, type OutEntry } from "../formats/dvcFile.js";
import { parseDvcLock } from "../formats/dvcLock.js";
import { parseDvcYaml, type ParseDvcYamlOptions } from "../formats/dvcYaml.js";
import type { IgnoreRules } from "../formats/ignorePatterns.js";
import type { HashName } from "../odb/oid.js";
import { readTextFile } from "./atomicWrite.js";
import { isWithin } from "./root.js";

export interface Output {
  kind: "dvcfile" | "lock";
  /** repo-relative path of the .dvc file, or of dvc.yaml for stage outputs */
  declaredIn: string;
  /** stage name (stage outputs only) */
  stage?: string;
  /** position in the `outs` list of its .dvc file */
  index: number;
  /** repo-relative posix path of the data */
  path: string;
  /** the path as written in the file (relative to the declaring file's directory or wdir) */
  defPath: string;
  hashName: HashName;
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  cache: boolean;
  push: boolean;
  remote?: string;
  entry?: OutEntry;
}

/** Joins a path from a pointer file onto its base and refuses anything that leaves the repo. */
export function joinInRepo(baseDir: string, rel: string, source: string): string {
  const joined = path.posix.normalize(baseDir ? `${baseDir}/${rel}` : rel);
  if (joined === ".." || joined.startsWith("../") || path.posix.isAbsolute(joined) || joined.includes("\0")) {
    throw new DvxError("UNSAFE_PATH", `${source}: path '${rel}' escapes the repository`, { data: { file: source, path: rel } });
  }
  return joined === "." ? "" : joined.replace(/\/$/, "");
}

export function isExternalPath(p: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p) || path.posix.isAbsolute(p);
}

/** Outputs declared by one `.dvc` file (repo-relative path `rel`). */
export function outputsOfDvcFile(root: string, rel: string): Output[] {
  return outputsOfDvcFileText(rel, readTextFile(path.join(root, rel), rel));
}

/** Outputs of a `.dvc` file given its text (e.g. read from another git revision). */
export function outputsOfDvcFileText(rel: string, text: string): Output[] {
  const data = parseDvcFile(text, rel);
  const dir = path.posix.dirname(rel) === "." ? "" : path.posix.dirname(rel);
  const base = data.wdir ? joinInRepo(dir, data.wdir, rel) : dir;
  return data.outs.map((o, index) => ({
    kind: "dvcfile" as const,
    declaredIn: rel,
    index,
    path: joinInRepo(base, o.path, rel),
    defPath: o.path,
    hashName: o.hashName,
    md5: o.md5,
    size: o.size,
    nfiles: o.nfiles,
    isexec: o.isexec,
    cache: o.cache,
    push: o.push,
    remote: o.remote,
    entry: o,
  }));
}

/** Cached outputs of the stages in `dvcYamlRel`, hashes filled from the sibling dvc.lock. */
export function outputsOfPipeline(root: string, dvcYamlRel: string): Output[] {
  const dir = path.posix.dirname(dvcYamlRel) === "." ? "" : path.posix.dirname(dvcYamlRel);
  const lockRel = dir ? `${dir}/dvc.lock` : "dvc.lock";
  let lockText: string | undefined;
  try {
    lockText = readTextFile(path.join(root, lockRel), lockRel);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return outputsOfPipelineText(dvcYamlRel, readTextFile(path.join(root, dvcYamlRel), dvcYamlRel), lockText);
}

/**
 * Cached outputs of a `dvc.yaml` given its text and its sibling `dvc.lock`'s (undefined: no lock),
 * e.g. read from another git revision. `opts` goes to the dvc.yaml parser (vars files).
 */
export function outputsOfPipelineText(dvcYamlRel: string, yamlText: string, lockText: string | undefined, opts: ParseDvcYamlOptions = {}): Output[] {
  const dir = path.posix.dirname(dvcYamlRel) === "." ? "" : path.posix.dirname(dvcYamlRel);
  const yaml = parseDvcYaml(yamlText, dvcYamlRel, opts);
  const lockRel = dir ? `${dir}/dvc.lock` : "dvc.lock";
  const lock = lockText === undefined ? undefined : parseDvcLock(lockText, lockRel);
  const out: Output[] = [];
  for (const [stage, def] of yaml.stages) {
    const base = def.wdir && def.wdir !== "." ? joinInRepo(dir, def.wdir, dvcYamlRel) : dir;
    const locked = lock?.stages.get(stage);
    def.outs.forEach((o, index) => {
      if (isExternalPath(o.path)) return;
      const entry = locked?.outs.find((e) => e.path === o.path);
      out.push({
        kind: "lock",
        declaredIn: dvcYamlRel,
        stage,
        index,
        path: joinInRepo(base, o.path, dvcYamlRel),
        defPath: o.path,
        hashName: entry?.hashName ?? "md5-dos2unix",
        md5: entry?.md5,
        size: entry?.size,
        nfiles: entry?.nfiles,
        isexec: entry?.isexec,
        cache: o.cache,
        push: o.push,
        remote: o.remote,
      });
    });
  }
  return out;
}

/**
 * Finds every `.dvc` file and `dvc.yaml` in the workspace. Directories that are outputs of a
 * `.dvc` file found in their parent are not descended: a 200,000-file dataset is never walked
 * just to look for pointer files.
 */
export function collectOutputs(root: string, rules: IgnoreRules | undefined): Output[] {
  const outs: Output[] = [];
  const stack: string[] = [""];
  while (stack.length) {
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(rel ? path.join(root, rel) : root, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES") continue;
      throw e;
    }
    const skip = new Set<string>();
    for (const ent of entries) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isFile() && ent.name.endsWith(".dvc") && ent.name !== ".dvc") {
        if (rules?.isIgnored(childRel, false)) continue;
        const found = outputsOfDvcFile(root, childRel);
        for (const o of found) skip.add(o.path);
        outs.push(...found);
      } else if (ent.isFile() && ent.name === "dvc.yaml") {
        if (rules?.isIgnored(childRel, false)) continue;
        const found = outputsOfPipeline(root, childRel);
        for (const o of found) skip.add(o.path);
        outs.push(...found);
      }
    }
    for (const ent of entries) {
      if (!ent.isDirectory()) continue;
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.name === ".git" || ent.name === ".dvc" || ent.name === ".hg") continue;
      if (skip.has(childRel)) continue;
      if (rules?.isIgnored(childRel, true)) continue;
      if (rel !== "" && fs.existsSync(path.join(root, childRel, ".dvc"))) continue; // a sub-repository
      stack.push(childRel);
    }
  }
  outs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return outs;
}

/** The output containing repo-relative path `rel` (equal to it or an ancestor), if any. */
export function outputContaining(outs: Output[], rel: string): Output | undefined {
  return outs.find((o) => isWithin(rel, o.path));
}
