/** Loads `.dvcignore` rules (spec 10.3): every `.dvcignore` from the root down to where we look. */
import * as fs from "node:fs";
import * as path from "node:path";
import { IgnoreRules } from "../formats/ignorePatterns.js";

/**
 * Rules from the `.dvcignore` files of the repo root and of every directory on the way to
 * `relDirs` (repo-relative). Nested `.dvcignore` files elsewhere do not affect those paths.
 */
export function loadIgnoreRules(root: string, relDirs: string[] = [""]): IgnoreRules {
  const dirs = new Set<string>([""]);
  for (const rel of relDirs) {
    const parts = rel ? rel.split("/") : [];
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const files: { dir: string; text: string }[] = [];
  for (const dir of [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1))) {
    try {
      files.push({ dir, text: fs.readFileSync(path.join(root, dir, ".dvcignore"), "utf8") });
    } catch {
      // no .dvcignore there
    }
  }
  return IgnoreRules.compile(files);
}
