/**
 * Place one workspace file from a cache object with one link type (spec 7.4), atomically: the
 * file is built under a temp name in the destination's directory and renamed over the final
 * name, so readers see the old file or the complete new one, never a partial file.
 *
 * Effects (as DVC):
 * - reflink: clone (COPYFILE_FICLONE_FORCE, fails where the filesystem cannot clone), then
 *   mode 0o666 & ~umask (writable);
 * - copy: copyFile with COPYFILE_FICLONE (clone when possible, else a byte copy), mode
 *   0o666 & ~umask (copyFile would otherwise keep the object's 0444);
 * - hardlink: same inode as the read-only object; zero-byte files are created fresh instead;
 * - symlink: to the absolute object path.
 * `isexec` adds S_IXUSR to the mode of the file it ends up on (DVC: `st_mode | stat.S_IEXEC`);
 * for hardlinks and symlinks that is the cache object itself, exactly as DVC does.
 */
import { constants as fsc } from "node:fs";
import { chmod, copyFile, link, rename, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { tmpToken } from "../hash/tmpToken.js";

export type LinkType = "reflink" | "hardlink" | "symlink" | "copy";
export const LINK_TYPES: readonly LinkType[] = ["reflink", "hardlink", "symlink", "copy"];

const S_IXUSR = 0o100;

/** Errors meaning "this link type does not work here": try the next one. */
const UNSUPPORTED = new Set(["EXDEV", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EINVAL", "EPERM", "EMLINK", "ENOTTY"]);

export function isLinkUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && UNSUPPORTED.has(code);
}

/** Temp name next to `dest`: hidden, random (DVC's tmp_fname shape). */
export function siblingTmp(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${tmpToken(16)}.tmp`);
}

const SIBLING_TMP_RE = /^\..+\.[A-Za-z0-9_-]{16}\.tmp$/;

/**
 * Is `name` a temp file of {@link siblingTmp} (of `forName` when given)? One is left behind when
 * the process is killed while placing a file; a later checkout deletes it.
 */
export function isSiblingTmp(name: string, forName?: string): boolean {
  if (!SIBLING_TMP_RE.test(name)) return false;
  return forName === undefined || (name.length === forName.length + 22 && name.startsWith(`.${forName}.`));
}

export interface PlaceOptions {
  /** Process umask, for the mode of writable files. */
  umask: number;
  isexec?: boolean;
  /** Object size, if known (hardlink: zero-byte files are created fresh). */
  size?: number;
}

/** Link or copy `objectPath` to `dest` with `type`. Throws the fs error when it cannot. */
export async function placeFile(objectPath: string, dest: string, type: LinkType, opts: PlaceOptions): Promise<void> {
  const fileMode = 0o666 & ~opts.umask;
  const tmp = siblingTmp(dest);
  let chmodAfter = false;
  try {
    switch (type) {
      case "reflink":
        await copyFile(objectPath, tmp, fsc.COPYFILE_FICLONE_FORCE);
        await chmod(tmp, fileMode | (opts.isexec ? S_IXUSR : 0));
        break;
      case "copy":
        await copyFile(objectPath, tmp, fsc.COPYFILE_FICLONE);
        await chmod(tmp, fileMode | (opts.isexec ? S_IXUSR : 0));
        break;
      case "hardlink": {
        const size = opts.size ?? (await stat(objectPath)).size;
        if (size === 0) {
          await writeFile(tmp, "", { flag: "wx", mode: fileMode });
          await chmod(tmp, fileMode | (opts.isexec ? S_IXUSR : 0));
        } else {
          await link(objectPath, tmp);
          chmodAfter = !!opts.isexec;
        }
        break;
      }
      case "symlink":
        await symlink(objectPath, tmp);
        chmodAfter = !!opts.isexec;
        break;
    }
    await rename(tmp, dest);
    // POSIX: renaming a hard link onto another link of the same inode "does nothing" and leaves
    // the source name in place (re-checkout of an already hardlinked file).
    if (type === "hardlink") await unlink(tmp).catch(() => {});
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (chmodAfter) {
    // stat/chmod follow the link: the object's mode changes, as with DVC.
    const st = await stat(dest);
    await chmod(dest, (st.mode & 0o7777) | S_IXUSR);
  }
}
