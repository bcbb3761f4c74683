/** The code part of a stamp: git commit, branch, uncommitted changes (docs/stamp.md "code"). */
import * as fs from "node:fs";
import * as path from "node:path";
import { git } from "../repo/git.js";
import { byPath, dirtyDigest, sha256Hex } from "./digest.js";
import type { StampChange, StampCode } from "./types.js";

/** Removes `user:password@` from URLs (https tokens must not end up in a record). */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@]*@/, "$1");
}

function isGitWorkTree(root: string): boolean {
  const r = git(root, ["rev-parse", "--is-inside-work-tree"]);
  return r.code === 0 && r.stdout.trim() === "true";
}

function fileSha256(abs: string): string | null {
  try {
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) return sha256Hex(`symlink:${fs.readlinkSync(abs)}`);
    if (st.isDirectory()) return sha256Hex("directory"); // a submodule or nested repository
    return sha256Hex(fs.readFileSync(abs));
  } catch {
    return null;
  }
}

/** Uncommitted changes (untracked files included), paths relative to the repository root. */
export function gitChanges(root: string, ignored: Set<string>): StampChange[] {
  // git prints paths relative to its top level; the DVC repo may be a subdirectory of it
  const prefix = git(root, ["rev-parse", "--show-prefix"]).stdout.trim();
  const r = git(root, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", "."]);
  if (r.code !== 0) return [];
  const changes: StampChange[] = [];
  for (const rec of r.stdout.split("\0")) {
    if (rec.length < 4) continue;
    const status = rec.slice(0, 2);
    let p = rec.slice(3);
    if (prefix && p.startsWith(prefix)) p = p.slice(prefix.length);
    if (ignored.has(p)) continue;
    changes.push({ path: p, status });
  }
  return changes.sort(byPath);
}

export function collectCode(root: string, ignoredPaths: string[], noScm: boolean): StampCode {
  const ignored = [...new Set(ignoredPaths)].sort();
  if (noScm || !isGitWorkTree(root)) {
    return { vcs: null, commit: null, branch: null, dirty: null, changes: [], dirtyDigest: null, origin: null, ignoredPaths: ignored };
  }
  const head = git(root, ["rev-parse", "--verify", "-q", "HEAD^{commit}"]);
  const commit = head.code === 0 ? head.stdout.trim() : null;
  const sym = git(root, ["symbolic-ref", "-q", "--short", "HEAD"]);
  const branch = sym.code === 0 && sym.stdout.trim() ? sym.stdout.trim() : null;
  const changes = gitChanges(root, new Set(ignored));
  const digest = changes.length ? dirtyDigest(changes.map((c) => ({ path: c.path, sha256: fileSha256(path.join(root, c.path)) }))) : null;
  const origin = git(root, ["remote", "get-url", "origin"]);
  return {
    vcs: "git",
    commit,
    branch,
    dirty: changes.length > 0,
    changes,
    dirtyDigest: digest,
    origin: origin.code === 0 && origin.stdout.trim() ? stripCredentials(origin.stdout.trim()) : null,
    ignoredPaths: ignored,
  };
}

/** Paths that differ between two commits (relative to the repository root), or null if unknown. */
export function changedBetween(root: string, a: string, b: string): string[] | null {
  const prefix = git(root, ["rev-parse", "--show-prefix"]).stdout.trim();
  const r = git(root, ["diff", "--name-only", "-z", "--no-renames", a, b, "--", "."]);
  if (r.code !== 0) return null;
  return r.stdout
    .split("\0")
    .filter(Boolean)
    .map((p) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p));
}

export function commitExists(root: string, rev: string): boolean {
  return git(root, ["cat-file", "-e", `${rev}^{commit}`]).code === 0;
}

export function isAncestor(root: string, a: string, b: string): boolean {
  return git(root, ["merge-base", "--is-ancestor", a, b]).code === 0;
}
