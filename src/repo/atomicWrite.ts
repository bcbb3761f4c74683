/** Every pointer file, config and .gitignore is written to a temp file beside it and renamed. */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { malformed } from "../errors.js";

export function tmpNameBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("base64url")}.tmp`);
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tmpNameBeside(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Pointer files, dvc.yaml/dvc.lock and config files larger than this are refused unread. */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a pointer/config file, refusing one over {@link MAX_TEXT_FILE_BYTES} before reading it (a
 * huge or hostile file must give a clear error naming it, not exhaust memory or string limits).
 * `shown` is the name used in messages (repo-relative when known).
 */
export function readTextFile(file: string, shown: string = file): string {
  const size = fs.statSync(file).size;
  if (size > MAX_TEXT_FILE_BYTES) throw malformed(shown, `file is larger than the ${MAX_TEXT_FILE_BYTES}-byte limit (${size} bytes)`);
  return fs.readFileSync(file, "utf8");
}
