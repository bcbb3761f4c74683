/** Maintains the `.gitignore` entries DVC writes for outputs (spec 10.2), atomically. */
import * as fs from "node:fs";
import * as path from "node:path";
import { addGitignoreEntry, gitignoreEntry, removeGitignoreEntry } from "../formats/gitignore.js";
import { readTextIfExists, writeFileAtomic } from "./atomicWrite.js";
import { ignoredByGit } from "./git.js";
import type { RepoContext } from "./context.js";

function split(rel: string): { dir: string; base: string } {
  const i = rel.lastIndexOf("/");
  return i < 0 ? { dir: "", base: rel } : { dir: rel.slice(0, i), base: rel.slice(i + 1) };
}

/** Adds `/name` to the .gitignore beside each output unless git already ignores it. */
export function ignoreOutputs(ctx: RepoContext, rels: string[]): string[] {
  if (ctx.noScm || rels.length === 0) return [];
  const already = ignoredByGit(ctx.root, rels);
  const touched: string[] = [];
  for (const rel of rels) {
    if (already.has(rel)) continue;
    const { dir, base } = split(rel);
    const file = path.join(ctx.root, dir, ".gitignore");
    const next = addGitignoreEntry(readTextIfExists(file), gitignoreEntry(base));
    if (next === undefined) continue;
    writeFileAtomic(file, next);
    touched.push(dir ? `${dir}/.gitignore` : ".gitignore");
  }
  return touched;
}

/** Removes the entries of outputs that are no longer tracked; an emptied .gitignore is deleted. */
export function unignoreOutputs(ctx: RepoContext, rels: string[]): void {
  if (ctx.noScm) return;
  for (const rel of rels) {
    const { dir, base } = split(rel);
    const file = path.join(ctx.root, dir, ".gitignore");
    const text = readTextIfExists(file);
    if (text === undefined) continue;
    const next = removeGitignoreEntry(text, gitignoreEntry(base));
    if (next === null) fs.rmSync(file, { force: true });
    else if (next !== text) writeFileAtomic(file, next);
  }
}
