/** `dvx init`: the files `dvc init` creates (spec 10.1), staged in git unless --no-scm. */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { DVCIGNORE_INIT_TEXT } from "../formats/ignorePatterns.js";
import { writeFileAtomic } from "./atomicWrite.js";
import { gitAdd, hasGit } from "./git.js";

export const DVC_DIR_GITIGNORE = "/config.local\n/tmp\n/cache\n";

export interface InitOptions {
  noScm?: boolean;
  force?: boolean;
}

export function initRepo(dir: string, opts: InitOptions = {}): string {
  const root = path.resolve(dir);
  const dvcDir = path.join(root, ".dvc");
  if (fs.existsSync(dvcDir)) {
    if (!opts.force) {
      throw new DvxError("ALREADY_INITIALIZED", `${dvcDir}: already exists; use -f to reinitialize (this removes the local cache)`, {
        data: { path: dvcDir },
      });
    }
    fs.rmSync(dvcDir, { recursive: true, force: true });
  }
  if (!opts.noScm && !hasGit(root)) {
    throw new DvxError("USAGE", `${root}: is not tracked by git; use --no-scm to initialize without git`, { data: { path: root } });
  }
  fs.mkdirSync(path.join(dvcDir, "tmp"), { recursive: true });
  writeFileAtomic(path.join(dvcDir, "config"), opts.noScm ? "[core]\n    no_scm = True\n" : "");
  writeFileAtomic(path.join(dvcDir, ".gitignore"), DVC_DIR_GITIGNORE);
  const ignoreFile = path.join(root, ".dvcignore");
  if (!fs.existsSync(ignoreFile)) writeFileAtomic(ignoreFile, DVCIGNORE_INIT_TEXT);
  if (!opts.noScm) gitAdd(root, [".dvc/config", ".dvc/.gitignore", ".dvcignore"]);
  return root;
}
