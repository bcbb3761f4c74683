/**
 * Walks a tracked directory the way DVC builds a tree (spec 3.2): regular files only, symlinks to
 * files followed (their target is hashed), symlinks to directories skipped, broken symlinks an
 * error, `.dvcignore` honoured, empty directories not recorded.
 *
 * A synchronous readdir/stat walk: for the 20,000-file tree it is I/O-cheap (everything comes from
 * the dentry cache) and avoids a promise per entry; fast-glob adds pattern machinery we don't need
 * here because ignore rules are already compiled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import type { IgnoreRules } from "../formats/ignorePatterns.js";
import { FileList } from "./fileList.js";

export interface FileStat {
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  mode: number;
}

export interface WalkedFile {
  /** posix path relative to the walked directory */
  rel: string;
  abs: string;
  stat: FileStat;
}

export function statOf(st: fs.BigIntStats): FileStat {
  return { ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs, mode: Number(st.mode) };
}

/**
 * Stat a path following symlinks; a broken symlink is a DvxError naming it.
 * Returns undefined when the path does not exist at all.
 */
export function statFollow(abs: string): fs.BigIntStats | undefined {
  try {
    return fs.statSync(abs, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      let isLink = false;
      try {
        isLink = fs.lstatSync(abs).isSymbolicLink();
      } catch {
        // really absent
      }
      if (isLink) throw new DvxError("BROKEN_SYMLINK", `${abs}: broken symlink`, { data: { path: abs } });
      return undefined;
    }
    throw e;
  }
}

/**
 * All files under `absDir`. `repoRelDir` is the directory's path relative to the repository root
 * and is used to match ignore rules, which are repo-relative.
 */
export function walkDir(absDir: string, repoRelDir: string, rules: IgnoreRules | undefined): WalkedFile[] {
  const list = walkList(absDir, repoRelDir, rules);
  const out = new Array<WalkedFile>(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = { rel: list.rel(i), abs: list.absPath(i), stat: { ino: list.ino(i), size: list.size(i), mtimeNs: list.mtimeNs(i), mode: list.mode(i) } };
  }
  return out;
}

/** {@link walkDir} into a compact {@link FileList} (same files, same order). */
export function walkList(absDir: string, repoRelDir: string, rules: IgnoreRules | undefined): FileList {
  const out = new FileList(absDir);
  const root = path.normalize(absDir);
  const stack: string[] = [""];
  while (stack.length) {
    const relDir = stack.pop()!;
    const dirAbs = relDir ? path.join(root, relDir) : root;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    // Paths are built by concatenation, not path.join: readdir names hold no separators or dots
    // to normalise, and this loop runs once per file (status of 20,000 files spent 26 ms in join).
    const absPrefix = dirAbs.endsWith("/") ? dirAbs : `${dirAbs}/`;
    const relPrefix = relDir ? `${relDir}/` : "";
    const repoRelPrefix = repoRelDir ? `${repoRelDir}/${relPrefix}` : relPrefix;
    let dirIndex = -1; // registered on its first file: most directories of a deep tree hold none
    for (const ent of entries) {
      const abs = absPrefix + ent.name;
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      let st: fs.BigIntStats | undefined;
      if (ent.isSymbolicLink()) {
        st = statFollow(abs);
        if (!st) continue;
        if (st.isDirectory()) continue; // symlinked directories are not descended (spec 3.2)
        isFile = st.isFile();
        isDir = false;
      }
      if (isDir) {
        if (rules?.isIgnored(repoRelPrefix + ent.name, true)) continue;
        if (ent.name === ".dvc") continue; // a nested DVC repository is not ours
        stack.push(relPrefix + ent.name);
        continue;
      }
      if (!isFile) continue; // sockets, fifos, devices
      if (rules?.isIgnored(repoRelPrefix + ent.name, false)) continue;
      if (ent.name === ".dvcignore") {
        throw new DvxError("MALFORMED_FILE", `${abs}: a .dvcignore inside a tracked directory is not allowed (move its patterns to a parent .dvcignore)`, {
          data: { file: abs },
        });
      }
      st ??= fs.statSync(abs, { bigint: true });
      if (dirIndex < 0) dirIndex = out.addDir(relDir);
      out.push(dirIndex, ent.name, st.ino, Number(st.size), st.mtimeNs, Number(st.mode));
    }
  }
  return out;
}
