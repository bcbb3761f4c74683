/**
 * The little git we need: is a path tracked, is it ignored, stage files, and read files at other
 * revisions. Spawning git keeps us exact (git's own ignore rules) at a few ms per call; callers
 * batch paths into one call where it matters.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function git(root: string, args: string[], input?: string): GitResult {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) return { code: 127, stdout: "", stderr: String(r.error.message) };
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Whether `root` is inside a git work tree (and git is installed). */
export function hasGit(root: string): boolean {
  if (!fs.existsSync(path.join(root, ".git"))) {
    return git(root, ["rev-parse", "--is-inside-work-tree"]).stdout.trim() === "true";
  }
  return true;
}

/** Files tracked by git at or under each repo-relative path (empty list = none). */
export function trackedUnder(root: string, rels: string[]): string[] {
  if (rels.length === 0) return [];
  const r = git(root, ["ls-files", "-z", "--", ...rels.map((p) => `:(literal)${p}`)]);
  if (r.code !== 0) return [];
  return r.stdout.split("\0").filter(Boolean);
}

/** The subset of repo-relative paths that git ignores. */
export function ignoredByGit(root: string, rels: string[]): Set<string> {
  if (rels.length === 0) return new Set();
  const r = git(root, ["check-ignore", "--no-index", "-z", "--stdin"], rels.join("\0") + "\0");
  return new Set(r.stdout.split("\0").filter(Boolean));
}

export function gitAdd(root: string, rels: string[]): void {
  if (rels.length) git(root, ["add", "--", ...rels]);
}
