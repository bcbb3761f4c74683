/**
 * Which of many object ids an object directory (`<odb>/ab/cdef…`) holds, without one async stat
 * per id. `status` of a 20,000-file directory spent most of its time on exactly that: 20,000
 * `fs.promises.stat` calls, each a thread-pool round trip and a promise.
 *
 * Two synchronous ways, chosen as the answer comes in:
 * - listing the two-character prefix directories the ids fall in (`readdir`, one call per prefix,
 *   names returned in bulk): cheap while the cache is small next to the number of ids asked;
 * - one `statSync` per id: cheap when a few ids are asked of a big cache.
 * The cost of listing is estimated from the directories listed so far; when listing the rest
 * would read far more names than there are ids left to answer, the rest are stat'ed instead.
 */
import * as fs from "node:fs";
import { join } from "node:path";

/** Below this many ids a stat each is always cheaper than listing. */
const MIN_IDS_TO_LIST = 256;
/** One directory entry returned by readdir costs about this fraction of one statSync. */
const NAME_COST_IN_STATS = 0.1;

/**
 * The subset of `oids` (valid object ids: 32 hex digits, optionally `.dir`) present as regular
 * files under `odbDir`.
 */
export function existingObjects(odbDir: string, oids: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const byPrefix = new Map<string, string[]>();
  const unique = new Set(oids);
  for (const oid of unique) {
    const p = oid.slice(0, 2);
    const list = byPrefix.get(p);
    if (list) list.push(oid);
    else byPrefix.set(p, [oid]);
  }
  const count = unique.size;
  let listMode = count >= MIN_IDS_TO_LIST;
  let namesListed = 0;
  let dirsListed = 0;
  let idsLeft = count;
  for (const [prefix, list] of byPrefix) {
    if (listMode && dirsListed >= 2) {
      const dirsLeft = byPrefix.size - dirsListed;
      const namesPerDir = namesListed / dirsListed;
      if (namesPerDir * dirsLeft * NAME_COST_IN_STATS > idsLeft) listMode = false;
    }
    if (listMode) {
      const names = listFiles(join(odbDir, prefix));
      namesListed += names.size;
      dirsListed++;
      for (const oid of list) if (names.has(oid.slice(2))) found.add(oid);
    } else {
      for (const oid of list) {
        if (fs.statSync(join(odbDir, prefix, oid.slice(2)), { throwIfNoEntry: false })?.isFile()) found.add(oid);
      }
    }
    idsLeft -= list.length;
  }
  return found;
}

/** Names of the regular files (or symlinks, checked by stat) in `dir`; empty when it is absent. */
function listFiles(dir: string): Set<string> {
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return new Set();
    throw e;
  }
  const names = new Set<string>();
  for (const e of ents) {
    if (e.isFile()) names.add(e.name);
    else if (e.isSymbolicLink() && fs.statSync(join(dir, e.name), { throwIfNoEntry: false })?.isFile()) names.add(e.name);
  }
  return names;
}
