/**
 * A remote (or any object tree) in a local directory (spec 7.2, 8.1): objects are written to
 * `<dir of key>/.<random>.tmp`, protected (chmod 0444) and renamed onto the final name, so a reader
 * never sees a partial object under a final name and DVC trusts the object without re-hashing
 * (spec 7.3). A key that already exists is skipped, like DVC.
 */
import { constants as fsc } from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { DvxError } from "../errors.js";
import { tmpToken } from "../hash/tmpToken.js";
import { abortError } from "./retry.js";
import type { Storage, WriteOptions, WriteSource } from "./storage.js";

const TMP_RE = /^\..+\.tmp$/;
const DELETE_CONCURRENCY = 64;

export class LocalStorage implements Storage {
  readonly url: string;
  readonly kind = "local" as const;
  private readonly root: string;
  private readonly name: string;
  /** Directories known to exist (saves a mkdir per object when writing many objects). */
  private readonly knownDirs = new Set<string>();

  constructor(root: string, opts: { name?: string } = {}) {
    this.root = path.resolve(root);
    this.url = this.root;
    this.name = opts.name ?? this.root;
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  /** Absolute path of a key; refuses keys that could leave the root. */
  pathOf(key: string): string {
    if (key === "") return this.root;
    const parts = key.split("/");
    if (key.startsWith("/") || parts.some((p) => p === ".." || p === "." || p === "") || key.includes("\0")) {
      throw new DvxError("UNSAFE_PATH", `invalid storage key '${key.slice(0, 200)}' for remote '${this.name}'`, {
        data: { remote: this.name, key },
      });
    }
    return path.join(this.root, ...parts);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.pathOf(key))).isFile();
    } catch (e) {
      if (isMissing(e)) return false;
      throw this.mapError(e, "check", key);
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const st = await fsp.stat(this.pathOf(key));
      return st.isFile() ? st.size : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw this.mapError(e, "check", key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const slash = prefix.lastIndexOf("/");
    const baseKey = slash < 0 ? "" : prefix.slice(0, slash);
    // A prefix such as "files/md5/00/0" is walked from its directory part and filtered by name.
    const stack: string[] = [baseKey];
    while (stack.length > 0) {
      const dirKey = stack.pop()!;
      let entries: import("node:fs").Dirent[];
      try {
        entries = await fsp.readdir(dirKey ? this.pathOf(dirKey) : this.root, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e) || (e as NodeJS.ErrnoException).code === "ENOTDIR") continue;
        throw this.mapError(e, "list", dirKey);
      }
      for (const ent of entries) {
        const key = dirKey ? `${dirKey}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          // Descend only into directories that can contain keys matching the prefix.
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) stack.push(key);
        } else if (ent.isFile() || ent.isSymbolicLink()) {
          if (TMP_RE.test(ent.name)) continue;
          if (key.startsWith(prefix)) yield key;
        }
      }
    }
  }

  async read(key: string): Promise<Readable> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(this.pathOf(key), "r");
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      }
    } catch (e) {
      if (isMissing(e)) {
        throw new DvxError("NOT_FOUND", `'${key}' not found in remote '${this.name}' (${this.url})`, {
          data: { remote: this.name, key },
        });
      }
      throw this.mapError(e, "read", key);
    }
    return fh.createReadStream();
  }

  async write(key: string, src: WriteSource, opts: WriteOptions = {}): Promise<void> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const final = this.pathOf(key);
    if (!opts.knownMissing) {
      try {
        await fsp.lstat(final);
        return; // content-addressed: an existing object is kept (spec 7.2)
      } catch (e) {
        if (!isMissing(e)) throw this.mapError(e, "write", key);
      }
    }
    const dir = path.dirname(final);
    const tmp = path.join(dir, `.${tmpToken(22)}.tmp`);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          if (!this.knownDirs.has(dir)) {
            await fsp.mkdir(dir, { recursive: true });
            this.knownDirs.add(dir);
          }
          if (Buffer.isBuffer(src)) await fsp.writeFile(tmp, src, { flag: "wx" });
          // Reflink where the filesystem can, else a kernel-side copy (copy_file_range).
          else await fsp.copyFile(src.path, tmp, fsc.COPYFILE_FICLONE);
          break;
        } catch (e) {
          // The directory may have been removed under us (gc): create it again, once.
          const srcThere = Buffer.isBuffer(src) || (await fsp.stat(src.path).then(() => true, () => false));
          if (attempt === 1 && isMissing(e) && srcThere && this.knownDirs.delete(dir)) continue;
          if (!srcThere) {
            throw new DvxError("NOT_FOUND", `source file '${(src as { path: string }).path}' not found`, {
              data: { file: (src as { path: string }).path },
            });
          }
          throw e;
        }
      }
      opts.onBytes?.(Buffer.isBuffer(src) ? src.length : src.size);
      if (opts.signal?.aborted) throw abortError(opts.signal);
      await fsp.chmod(tmp, 0o444).catch(() => {});
      await fsp.rename(tmp, final);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      if (e instanceof DvxError) throw e;
      throw this.mapError(e, "write", key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          await fsp.unlink(this.pathOf(key));
        } catch (e) {
          if (!isMissing(e)) throw this.mapError(e, "delete", key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }

  async close(): Promise<void> {}

  private mapError(e: unknown, op: string, key: string): DvxError {
    const code = (e as NodeJS.ErrnoException).code;
    const what =
      code === "EACCES" || code === "EPERM"
        ? "permission denied (check the directory's owner and mode)"
        : code === "ENOSPC"
          ? "no space left on device"
          : code === "EROFS"
            ? "read-only file system"
            : `${code ?? "error"}: ${(e as Error).message ?? String(e)}`;
    return new DvxError("REMOTE_ERROR", `remote '${this.name}' (${this.url}): cannot ${op} '${key}': ${what}`, {
      data: { remote: this.name, url: this.url, key, code },
      cause: e,
    });
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
