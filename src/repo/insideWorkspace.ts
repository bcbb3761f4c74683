/**
 * Writes (and deletes) under the workspace must not go through a symlink to somewhere else. Paths
 * from pointer files and manifests are already plain relative paths (formats/safePath.ts), but a
 * directory on the way may be a symlink in the workspace (a cloned repository can contain
 * `data -> /tmp/elsewhere`): `data/x` would then be written outside the repository.
 *
 * The rule: the real path of the directory a file is written into (its deepest existing ancestor,
 * since missing directories are created below it) must be inside the real path of the repository
 * root. The last component itself may be a symlink (cache.type=symlink workspaces are made of
 * them): it is replaced by rename or unlinked, never followed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";

export class WorkspaceGuard {
  private readonly realRoot: string;
  /** directory (absolute, as joined) -> real path when inside, or the offending symlink */
  private readonly memo = new Map<string, { ok: true } | { ok: false; link: string; target: string }>();

  constructor(private readonly root: string) {
    this.realRoot = fs.realpathSync(root);
  }

  /** Throws UNSAFE_PATH when writing or deleting `rel` (repo-relative posix) would leave the workspace. */
  check(rel: string, source: string): void {
    this.checkIn(path.dirname(path.join(this.root, rel)), rel, source);
  }

  /** Throws UNSAFE_PATH when files written inside directory `rel` would leave the workspace. */
  checkDir(rel: string, source: string): void {
    this.checkIn(path.join(this.root, rel), rel, source);
  }

  private checkIn(dir: string, rel: string, source: string): void {
    let verdict = this.memo.get(dir);
    if (!verdict) {
      verdict = this.judge(dir);
      this.memo.set(dir, verdict);
    }
    if (!verdict.ok) {
      throw new DvxError(
        "UNSAFE_PATH",
        `${rel}: refusing to write through the symlink '${path.relative(this.root, verdict.link) || "."}' -> '${verdict.target}', which leads outside the workspace (${source})`,
        { data: { path: rel, file: source, symlink: verdict.link }, hint: "replace the symlink by a real directory, or remove it and run the command again" },
      );
    }
  }

  private judge(dir: string): { ok: true } | { ok: false; link: string; target: string } {
    // the deepest existing ancestor (mkdir -p creates the rest as real directories)
    let existing = dir;
    for (;;) {
      try {
        fs.lstatSync(existing);
        break;
      } catch {
        const up = path.dirname(existing);
        if (up === existing) return { ok: true };
        existing = up;
      }
    }
    let real: string;
    try {
      real = fs.realpathSync(existing);
    } catch {
      return { ok: false, link: existing, target: "(unresolvable)" };
    }
    if (real === this.realRoot || real.startsWith(this.realRoot + path.sep)) return { ok: true };
    // name the first symlink on the way, for the message
    const rel = path.relative(this.root, existing);
    let cur = this.root;
    for (const part of rel.split(path.sep)) {
      cur = path.join(cur, part);
      try {
        if (fs.lstatSync(cur).isSymbolicLink()) return { ok: false, link: cur, target: fs.readlinkSync(cur) };
      } catch {
        break;
      }
    }
    return { ok: false, link: existing, target: real };
  }
}
