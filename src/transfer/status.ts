/**
 * Cloud status (`dvc status -c`, spec 8.6): for the used objects (files, `.dir` objects and the
 * files of their manifests), compare the local cache with the remote:
 *   new = only local, deleted = only on the remote, missing = neither, ok = both.
 * Like DVC, a `.dir` present on the remote vouches for its files there (spec 8.4/8.8). A manifest
 * not in the local cache is read from the remote (verified, not cached: status does not write).
 *
 * The map is keyed by oid. The same oid can be used under both hash names (a binary file hashed
 * by 2.x and by 3.x); the legacy entry is then keyed `md5-dos2unix:<oid>`: use
 * `lookupRemoteStatus` to read the map by (oid, hash name).
 */
import { isDvxError } from "../errors.js";
import type { HashName } from "../odb/oid.js";
import { oidsExist } from "./exists.js";
import { groupByHash } from "./group.js";
import { loadCachedManifest, loadRemoteManifest, selectEntries, type LoadedManifest } from "./manifests.js";
import { defaultTransferJobs, runPool } from "./pool.js";
import type { RemoteStatus, StatusOptions, TransferRequest } from "./types.js";

export type RemoteStatusMap = Map<string, { hashName: HashName; status: RemoteStatus }>;

export function lookupRemoteStatus(map: RemoteStatusMap, oid: string, hashName: HashName): RemoteStatus | undefined {
  const direct = map.get(oid);
  if (direct && direct.hashName === hashName) return direct.status;
  return map.get(`${hashName}:${oid}`)?.status;
}

export async function remoteStatus(req: TransferRequest, opts: StatusOptions): Promise<RemoteStatusMap> {
  const { cache, remote, signal } = opts;
  const jobs = Math.max(1, opts.jobs ?? defaultTransferJobs());
  const out: RemoteStatusMap = new Map();

  for (const group of groupByHash(req)) {
    const h = group.hashName;
    const dirs = [...group.dirs.values()];
    const dirOids = dirs.map((d) => d.oid);

    const [dirsOnRemote, dirsLocal] = await Promise.all([
      oidsExist(remote, h, dirOids, jobs, signal ? { signal } : {}),
      existsLocally(cache, h, dirOids),
    ]);

    const manifests = new Map<string, LoadedManifest | undefined>();
    await runPool(dirs, jobs, async (d) => {
      let m = await loadCachedManifest(cache, d.oid, h);
      if (!m && dirsOnRemote.has(d.oid)) {
        try {
          m = await loadRemoteManifest(remote, d.oid, h);
        } catch (e) {
          if (!isDvxError(e, "CORRUPT_OBJECT") && !isDvxError(e, "MALFORMED_FILE")) throw e;
        }
      }
      manifests.set(d.oid, m);
    }, signal);

    const files = new Set<string>(group.files);
    const trusted = new Set<string>();
    for (const d of dirs) {
      const m = manifests.get(d.oid);
      if (!m) continue;
      const selected = selectEntries(m.entries, d.only);
      for (const e of selected) files.add(e.md5);
      if (dirsOnRemote.has(d.oid)) for (const e of m.entries) trusted.add(e.md5);
    }
    const fileList = [...files];
    const [filesOnRemote, filesLocal] = await Promise.all([
      oidsExist(remote, h, fileList.filter((o) => !trusted.has(o)), jobs, signal ? { signal } : {}),
      existsLocally(cache, h, fileList),
    ]);
    for (const o of trusted) filesOnRemote.add(o);

    const put = (oid: string, local: boolean, onRemote: boolean): void => {
      const status: RemoteStatus = local ? (onRemote ? "ok" : "new") : onRemote ? "deleted" : "missing";
      const taken = out.get(oid);
      out.set(taken && taken.hashName !== h ? `${h}:${oid}` : oid, { hashName: h, status });
    };
    for (const oid of dirOids) put(oid, dirsLocal.has(oid), dirsOnRemote.has(oid));
    for (const oid of fileList) put(oid, filesLocal.has(oid), filesOnRemote.has(oid));
  }
  return out;
}

/** Local existence, answered synchronously in bulk (a Promise only to run beside the remote's). */
async function existsLocally(cache: StatusOptions["cache"], hashName: HashName, oids: string[]): Promise<Set<string>> {
  return cache.existingSync(oids, hashName);
}
