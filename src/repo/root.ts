/** Finding the repository root and turning user targets into repo-relative paths. */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";

/** Walks up from `start` to the first directory containing a `.dvc/` directory (spec 10.1). */
export function findRepoRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    try {
      if (fs.statSync(path.join(dir, ".dvc")).isDirectory()) return dir;
    } catch {
      // not here; keep walking
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new DvxError("NOT_A_REPO", `${path.resolve(start)}: not a dvx/DVC repository (no .dvc/ directory found here or above)`, {
        data: { path: path.resolve(start) },
        hint: "run 'dvx init' first",
      });
    }
    dir = parent;
  }
}

/** POSIX-style path of `abs` relative to `root`; throws when it lies outside. */
export function toRepoRel(root: string, abs: string, what = "target"): string {
  const rel = path.relative(root, abs);
  if (rel === "" ) return "";
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new DvxError("PATH_OUTSIDE_REPO", `${abs}: ${what} is outside the repository ${root}`, { data: { path: abs } });
  }
  return rel.split(path.sep).join("/");
}

/** True when the repo-relative posix path is `.dvc` or inside it. */
export function isInDvcDir(rel: string): boolean {
  return rel === ".dvc" || rel.startsWith(".dvc/");
}

/** True if `child` equals `parent` or lies inside it (both repo-relative posix paths). */
export function isWithin(child: string, parent: string): boolean {
  return parent === "" || child === parent || child.startsWith(parent + "/");
}
