/**
 * Which of these oids exist on a remote (spec 8.3)? Any method that returns the same set is
 * interoperable; we pick the cheapest by a small cost model.
 *
 * Object stores (costs in request round trips, `jobs` requests in flight):
 *   n <= 64 oids                 -> HEAD each (no sampling: it would cost as much as it saves)
 *   otherwise estimate the remote's size R by listing the sample prefix `<odb>/00/0` (1/4096 of the
 *   key space, as DVC's TRAVERSE_PREFIX_LEN=3 does; one page is enough, a full page means R >= 4M):
 *     head          = ceil(n' / jobs)                      n' = oids not settled by the sample
 *     list-once     = ceil(R / 1000) * W                   one listing of `<odb>/`, pages sequential
 *                                                          (never for the legacy layout, whose root
 *                                                          also holds `files/` and `runs/`)
 *     list-prefixes = ceil(d / jobs) * ceil(R / 256 / 1000) * W
 *                                                          d = distinct 2-hex prefixes of the oids,
 *                                                          each `<odb>/xx/` listed, `jobs` at a time
 *   W = 4: a 1000-key LIST page (~100-200 KB of XML/JSON) costs about four HEADs of latency.
 *   The cheapest wins. Examples with jobs = 8: 10,000 oids vs an empty remote -> list-once (1 page);
 *   1,000 oids vs 1M objects -> head (125 rounds vs 250 for list-prefixes); 100,000 oids vs 1M ->
 *   list-prefixes (128 rounds vs 12,500 HEAD rounds).
 * Local directories (kind "local"): a stat is ~10 us, reading a directory entry ~1 us:
 *   n <= 2000 -> stat each; else R from a readdir of `<odb>/00/` (x256), and list the d prefix
 *   directories when d * R/256 + 20 d < 10 n, else stat each.
 */
import { keyToOid, odbPrefix, oidKey, type HashName } from "../odb/oid.js";
import type { Storage } from "../storage/storage.js";
import { runPool } from "./pool.js";

export type ExistsStrategy = "head" | "list-once" | "list-prefixes";

export const EXISTS_TUNING = {
  headOnlyMax: 64,
  pageSize: 1000,
  listPageWeight: 4,
  /** The sample prefix `00/0` holds 1/4096 of a uniformly spread key space. */
  sampleFraction: 4096,
  localStatOnlyMax: 2000,
};

export interface ExistsPlanInput {
  /** Oids still to decide. */
  n: number;
  /** Distinct 2-hex prefixes among them. */
  prefixes: number;
  /** Estimated number of objects in this ODB on the remote. */
  remoteSize: number;
  jobs: number;
  /** Legacy layout: the ODB is the remote root, so it is never listed whole. */
  legacy: boolean;
  local: boolean;
}

/** The decision function (see the module comment); exported for tests and documentation. */
export function chooseExistsStrategy(p: ExistsPlanInput): { strategy: ExistsStrategy; costs: Record<ExistsStrategy, number> } {
  const jobs = Math.max(1, p.jobs);
  let costs: Record<ExistsStrategy, number>;
  if (p.local) {
    costs = {
      head: 10 * p.n,
      "list-once": Infinity,
      "list-prefixes": p.prefixes * (p.remoteSize / 256) + 20 * p.prefixes,
    };
  } else {
    const W = EXISTS_TUNING.listPageWeight;
    const P = EXISTS_TUNING.pageSize;
    costs = {
      head: Math.ceil(p.n / jobs),
      "list-once": p.legacy ? Infinity : Math.max(1, Math.ceil(p.remoteSize / P)) * W,
      "list-prefixes": Math.ceil(p.prefixes / jobs) * Math.max(1, Math.ceil(p.remoteSize / 256 / P)) * W,
    };
  }
  let best: ExistsStrategy = "head";
  for (const s of ["list-once", "list-prefixes"] as const) if (costs[s] < costs[best]) best = s;
  return { strategy: best, costs };
}

export interface OidsExistOptions {
  /** Called with the strategy chosen (for tests, benchmarks and --verbose output). */
  onStrategy?: (s: ExistsStrategy | "sample-only", input?: ExistsPlanInput) => void;
  signal?: AbortSignal;
  /** Skip the cost model and use this strategy (tests, benchmarks, a tuning flag). */
  force?: ExistsStrategy;
}

/** The subset of `oids` present in `hashName`'s layout on `remote` (spec 8.1, 8.3). */
export async function oidsExist(
  remote: Storage,
  hashName: HashName,
  oids: string[],
  jobs: number,
  opts: OidsExistOptions = {},
): Promise<Set<string>> {
  const wanted = new Set(oids);
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  const local = remote.kind === "local";
  const odb = odbPrefix(hashName);
  const base = odb ? `${odb}/` : "";

  if (opts.force === "head" || (!opts.force && wanted.size <= (local ? EXISTS_TUNING.localStatOnlyMax : EXISTS_TUNING.headOnlyMax))) {
    opts.onStrategy?.("head");
    await headEach(remote, hashName, [...wanted], jobs, found, opts.signal);
    return found;
  }

  // Estimate the remote's size from a sample prefix.
  const samplePrefix = local ? "00/" : "00/0";
  const sampleCap = local ? Infinity : EXISTS_TUNING.pageSize;
  let sampled = 0;
  let sampleComplete = true;
  for await (const key of remote.list(base + samplePrefix)) {
    const oid = keyToOid(key.slice(base.length));
    if (oid === undefined) continue;
    sampled++;
    if (wanted.has(oid)) found.add(oid);
    if (sampled >= sampleCap) {
      sampleComplete = false;
      break;
    }
  }
  const remoteSize = sampled * (local ? 256 : EXISTS_TUNING.sampleFraction);
  // Oids under the sample prefix are settled by a complete sample.
  const rest = [...wanted].filter((o) => !(sampleComplete && o.startsWith(samplePrefix.replace("/", ""))) && !found.has(o));
  if (rest.length === 0 && !opts.force) {
    opts.onStrategy?.("sample-only");
    return found;
  }
  const prefixes = [...new Set(rest.map((o) => o.slice(0, 2)))];
  const input: ExistsPlanInput = { n: rest.length, prefixes: prefixes.length, remoteSize, jobs, legacy: !odb, local };
  const strategy = opts.force ?? chooseExistsStrategy(input).strategy;
  opts.onStrategy?.(strategy, input);

  const restSet = new Set(rest);
  const take = (key: string): void => {
    const oid = keyToOid(key.slice(base.length));
    if (oid !== undefined && restSet.has(oid)) found.add(oid);
  };
  if (strategy === "head") {
    await headEach(remote, hashName, rest, jobs, found, opts.signal);
  } else if (strategy === "list-once") {
    for await (const key of remote.list(base)) take(key);
  } else {
    await runPool(prefixes, jobs, async (p) => {
      for await (const key of remote.list(`${base}${p}/`)) take(key);
    }, opts.signal);
  }
  return found;
}

async function headEach(
  remote: Storage,
  hashName: HashName,
  oids: string[],
  jobs: number,
  found: Set<string>,
  signal?: AbortSignal,
): Promise<void> {
  await runPool(oids, remote.kind === "local" ? Math.max(jobs, 32) : jobs, async (oid) => {
    if (await remote.exists(oidKey(oid, hashName))) found.add(oid);
  }, signal);
}
