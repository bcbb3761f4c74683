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
