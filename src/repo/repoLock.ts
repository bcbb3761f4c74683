/**
 * One writer per repository: `.dvc/tmp/dvx.lock`, created with O_EXCL and holding the owner's
 * pid, host and command. A lock whose process is gone (same host) is stale and is taken over, so
 * a crash never needs manual cleanup.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DvxError } from "../errors.js";

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readInfo(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

export class RepoLock {
  private constructor(private readonly file: string) {}

  static acquire(tmpDir: string, command: string): RepoLock {
    fs.mkdirSync(tmpDir, { recursive: true });
    const file = path.join(tmpDir, "dvx.lock");
    const me: LockInfo = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, "wx");
        fs.writeSync(fd, JSON.stringify(me));
        fs.closeSync(fd);
        return new RepoLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readInfo(file);
      const stale = holder === undefined
        ? isOlderThan(file, 5_000) // unreadable: a writer died between open and write
        : holder.host === os.hostname() && !alive(holder.pid);
      if (stale) {
        fs.rmSync(file, { force: true });
        continue;
      }
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
    if (holder?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}
