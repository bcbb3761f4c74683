/**
 * "The cache holds this directory output whole" (its `.dir` object and every object it lists),
 * remembered in state under the cache's membership stamp (cache/odbStamp.ts), so that status and
 * a repeated add do not re-prove it by parsing the manifest and listing the cache each time.
 *
 * A proof is recorded only with a stamp taken BEFORE the proof began and not racy; it is trusted
 * only while the object directory's stamp is still exactly that one, so any object added or
 * removed since (by dvx, DVC's gc or a user) makes it be proved again.
 */
import { odbStamp, type OdbStamp } from "../cache/odbStamp.js";
import type { HashName } from "../odb/oid.js";
import type { RepoContext } from "./context.js";

/** Stamps of the object directories, taken once per command. */
export type StampMemo = Map<HashName, OdbStamp | undefined>;

/** The object directory's stamp now (memoised in `memo` when given); undefined: no such directory. */
export function cacheStamp(ctx: RepoContext, hashName: HashName, memo?: StampMemo): OdbStamp | undefined {
  if (memo?.has(hashName)) return memo.get(hashName);
  const stamp = odbStamp(ctx.cache.odbDir(hashName));
  memo?.set(hashName, stamp);
  return stamp;
}

/** Whether a proof that the cache holds `dirOid` whole was recorded under `stamp`. */
export function knownComplete(ctx: RepoContext, dirOid: string, hashName: HashName, stamp: OdbStamp | undefined): boolean {
  return stamp !== undefined && ctx.state.getCompleteStamp(ctx.cache.objectPath(dirOid, hashName)) === stamp.value;
}

/** Records that the cache holds `dirOid` whole, proved after `stamp` was taken. */
export function recordComplete(ctx: RepoContext, dirOid: string, hashName: HashName, stamp: OdbStamp | undefined): void {
  if (stamp && !stamp.racy) ctx.state.setCompleteStamp(ctx.cache.objectPath(dirOid, hashName), stamp.value);
}

/** Beyond the racy window of directories modified a moment ago (odbStamp.ts: 100 ms). */
const RACY_WAIT_MS = 150;

/**
 * After a pass that wrote objects: wait until the object directories' mtimes are out of the racy
 * window, take a fresh stamp, then prove (one listing of the cache) that `dirOid` and `fileOids`
 * are all there, and record that under the fresh stamp.
 */
export async function proveAfterStore(ctx: RepoContext, dirOid: string, hashName: HashName, fileOids: Iterable<string>): Promise<void> {
  await new Promise((r) => setTimeout(r, RACY_WAIT_MS));
  const stamp = cacheStamp(ctx, hashName);
  if (!stamp || stamp.racy) return; // someone else is writing to the cache: leave it to status
  const wanted = new Set(fileOids);
  wanted.add(dirOid);
  if (ctx.cache.existingSync(wanted, hashName).size !== wanted.size) return;
  recordComplete(ctx, dirOid, hashName, stamp);
}
