/**
 * One writer per repository: `.dvc/tmp/dvx.lock`, holding the owner's pid, start time, host and
 * command. A lock whose process is gone (same host) is stale and is taken over, so a crash never
 * needs manual cleanup.
 *
 * - The lock appears with its content in one step (written to a temp file, then hard-linked onto
 *   the lock name, which fails if it exists), so nobody ever reads an empty lock.
 * - A pid alone does not identify a process: after a crash (or a container restart) the pid may
 *   belong to another process. Where the OS tells a process's start time (Linux /proc), the lock
 *   records it and a different start time means the holder is gone.
 * - Taking over a stale lock renames it aside first: only one of several processes that judged
 *   it stale can move that file, and a process that moved a fresh lock by mistake (taken by
 *   someone else in between) puts it back.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DvxError } from "../errors.js";

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Process start time (Linux: /proc/<pid>/stat field 22), when known. */
  start?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Start time of a process in clock ticks since boot (Linux), or undefined. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the command name in parentheses (which may contain spaces): field 3 onwards
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function readInfo(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

function sameLock(a: LockInfo | undefined, b: LockInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.pid === b.pid && a.host === b.host && a.since === b.since && a.start === b.start;
}

function isStale(holder: LockInfo | undefined, file: string): boolean {
  if (holder === undefined) return isOlderThan(file, 5_000); // unreadable (written by an older dvx that died mid-write)
  if (holder.host !== os.hostname()) return false;
  if (!alive(holder.pid)) return true;
  if (holder.start === undefined) return false;
  const start = processStart(holder.pid);
  return start !== undefined && start !== holder.start;
}

/** Creates `file` holding `text`, atomically; false if it exists. */
function createWithContent(file: string, text: string): boolean {
  const tmp = `${file}.${randomBytes(6).toString("base64url")}.tmp`;
  fs.writeFileSync(tmp, text, { flag: "wx" });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw e;
    // no hard links here: O_EXCL create (an empty lock is possible for an instant)
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, text);
      fs.closeSync(fd);
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e2;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes the lock if it is still the stale one we read (`holder`). Renaming is atomic: of several
 * processes only one moves the file; one that moved a different (fresh) lock puts it back.
 */
function takeOver(file: string, holder: LockInfo | undefined): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // someone else removed it
    throw e;
  }
  const moved = readInfo(aside);
  if (!sameLock(moved, holder)) {
    try {
      fs.linkSync(aside, file); // a live lock taken in between: put it back (unless replaced already)
    } catch {
      // EEXIST: yet another process holds the lock now; the one we moved keeps running without
      // its file, which is no worse than the stale takeover it raced with
    }
  }
  fs.rmSync(aside, { force: true });
}

export class RepoLock {
  private constructor(
    private readonly file: string,
    private readonly me: LockInfo,
  ) {}

  static acquire(tmpDir: string, command: string): RepoLock {
    fs.mkdirSync(tmpDir, { recursive: true });
    const file = path.join(tmpDir, "dvx.lock");
    const start = processStart(process.pid);
    const me: LockInfo = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString(), ...(start ? { start } : {}) };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createWithContent(file, JSON.stringify(me))) return new RepoLock(file, me);
      const holder = readInfo(file);
      if (isStale(holder, file)) {
        takeOver(file, holder);
        continue;
      }
      if (holder === undefined && !fs.existsSync(file)) continue; // released meanwhile
      const who = holder ? `pid ${holder.pid} on ${holder.host} ('${holder.command}', since ${holder.since})` : "another process";
      throw new DvxError("LOCKED", `${file}: repository is locked by ${who}`, {
        data: { file, holder },
        hint: "wait for it to finish; a lock left by a crashed process is cleared automatically",
      });
    }
    throw new DvxError("LOCKED", `${file}: could not take the repository lock`, { data: { file } });
  }

  release(): void {
    const holder = readInfo(this.file);
    if (sameLock(holder, this.me)) fs.rmSync(this.file, { force: true });
  }
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}
