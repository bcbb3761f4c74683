/**
 * After checkout (and so pull) has placed files, record their hashes in state, so the next
 * `status` or `add` does not read back the gigabytes it just wrote (DVC saves state on checkout
 * too). The content is known: each file is a copy or link of the object it was made from.
 *
 * The racy-clean rule (state.ts isRacy) still holds: a file written a moment ago could be changed
 * again within the same mtime tick without its stat changing. So the files are stat'ed once the
 * clock is past their mtimes' racy window (waiting at most MAX_WAIT_MS for it), and only those
 * whose stat is then no longer racy are recorded: any later change gets a later mtime.
 */
import * as fs from "node:fs";
import { isRacy, toFileStat, type StateEntry } from "../hash/state.js";
import type { HashName } from "../odb/oid.js";
import type { RepoContext } from "./context.js";

export interface PlacedFile {
  abs: string;
  oid: string;
}

/** The racy window for sub-second mtimes is 100 ms; a little over that, never seconds. */
const MAX_WAIT_MS = 150;

export async function recordPlaced(ctx: RepoContext, files: readonly PlacedFile[], hashName: HashName, lastWriteAt: number): Promise<void> {
  if (files.length === 0) return;
  const wait = Math.min(MAX_WAIT_MS, lastWriteAt + MAX_WAIT_MS - Date.now());
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const now = Date.now();
  const entries: StateEntry[] = [];
  for (const f of files) {
    const st = fs.statSync(f.abs, { bigint: true, throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    const stat = toFileStat(st);
    if (!isRacy(stat, now)) entries.push({ absPath: f.abs, stat, hashName, md5: f.oid });
  }
  if (entries.length) ctx.state.setMany(entries);
}
