/**
 * A cheap fingerprint of an object directory's membership, so that "the cache holds every object
 * of this `.dir`" can be remembered between commands instead of re-proved each time.
 *
 * Proving it for a 20,000-file directory means reading and parsing its manifest and listing the
 * 256 prefix directories: most of what `status` costs once the workspace walk is answered from
 * state. Membership only changes when a name is added to or removed from a prefix directory
 * (`ab/cdef…`), and every such change moves that directory's mtime; a prefix directory appearing
 * or vanishing moves the object directory's own. So the inode and mtime of the object directory
 * and of each prefix directory in it, 257 `stat`s, stand for the membership of the whole cache,
 * whoever changed it (dvx, DVC's `gc`, a user's `rm`).
 *
 * Racy rule, as for file hashes (state.ts `isRacy`): a directory modified so recently that
 * another change could land within the same timestamp tick makes the stamp unusable for
 * recording; the caller proves membership the slow way and records nothing.
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";

export interface OdbStamp {
  /** Digest of (name, inode, mtime_ns) of the object directory and its prefix directories. */
  value: string;
  /** A directory changed within the racy window: the stamp may be compared, never recorded. */
  racy: boolean;
}

const PREFIX = /^[0-9a-f]{2}$/;
const MS = 1_000_000n;

/**
 * The stamp of `odbDir`, or undefined when it does not exist (an empty cache holds nothing, so
 * there is nothing to remember). `nowMs` is the wall-clock time the caller takes BEFORE it starts
 * proving membership, so a change made while it proves lands inside the racy window.
 */
export function odbStamp(odbDir: string, nowMs: number = Date.now()): OdbStamp | undefined {
  const root = fs.statSync(odbDir, { bigint: true, throwIfNoEntry: false });
  if (!root?.isDirectory()) return undefined;
  const h = createHash("md5");
  let newest = root.mtimeNs;
  h.update(`${root.ino}:${root.mtimeNs}\n`);
  const names = fs.readdirSync(odbDir).filter((n) => PREFIX.test(n)).sort();
  for (const name of names) {
    const st = fs.statSync(join(odbDir, name), { bigint: true, throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    if (st.mtimeNs > newest) newest = st.mtimeNs;
    h.update(`${name}:${st.ino}:${st.mtimeNs}\n`);
  }
  // Sub-second timestamps on Linux come from a coarse clock (1-10 ms ticks); whole-second ones
  // (FAT, some network filesystems) need two seconds.
  const windowNs = newest % (1000n * MS) === 0n ? 2000n * MS : 100n * MS;
  const racy = newest > BigInt(Math.floor(nowMs)) * MS - windowNs;
  return { value: h.digest("hex"), racy };
}
