/**
 * `dvx ls-cache`: for the outputs of a scope (the workspace, or git revisions read straight from
 * git), which of their objects the local cache holds and, with a remote, which the remote holds.
 * One row per distinct (output path, hash); a directory counts its `.dir` object and every file of
 * its manifest (read from the cache, else from the remote; nothing is written).
 */
import { DvxError, isDvxError } from "../errors.js";
import type { ManifestEntry } from "../formats/dirManifest.js";
import { compareCodePoints } from "../formats/pyjson.js";
import { isDirOid, type HashName } from "../odb/oid.js";
import type { Storage } from "../storage/storage.js";
import { oidsExist } from "../transfer/exists.js";
import { loadCachedManifest, loadRemoteManifest } from "../transfer/manifests.js";
import { runPool } from "../transfer/pool.js";
import type { RepoContext } from "./context.js";
import type { RevisionReadError, RevisionScope } from "./revisions.js";
import { isWithin, toRepoRel } from "./root.js";
import { collectScopeOutputs } from "./usedObjects.js";

export type Presence = "ok" | "partial" | "missing" | "unknown";

export interface PresenceCount {
  status: Presence;
  /** objects present (the `.dir` included) */
  present: number;
  /** objects needed; undefined when a directory's manifest could not be read anywhere */
  total?: number;
}

export interface LsCacheEntry {
  path: string;
  /** where it was declared: `.dvc` file, or `dvc.yaml:stage` */
  declaredIn: string;
  hash: string | null;
  hashName: HashName;
  isDir: boolean;
  /** labels of the sources (workspace, revisions) that use this output version */
  revs: string[];
  cache: PresenceCount;
  remote?: PresenceCount;
}

export interface LsCacheResult {
  entries: LsCacheEntry[];
  remote?: { name: string; url: string };
  errors: RevisionReadError[];
}

export interface LsCacheOptions extends RevisionScope {
  /** absolute paths: outputs, paths inside them, or directories holding outputs */
  targets?: string[];
  /** also check this remote (`true`: the default remote) */
  remote?: string | true;
  jobs?: number;
}

function presence(present: number, total: number | undefined): Presence {
  if (total === undefined) return present === 0 ? "missing" : "unknown";
  if (present >= total) return "ok";
  return present === 0 ? "missing" : "partial";
}

export async function lsCache(ctx: RepoContext, opts: LsCacheOptions): Promise<LsCacheResult> {
  const workspace = opts.workspace ?? !(opts.allBranches || opts.allTags || opts.allCommits || opts.revs?.length || opts.date);
  const scope = await collectScopeOutputs(ctx, { ...opts, workspace });
  const targets = opts.targets?.map((t) => toRepoRel(ctx.root, t));
  const rows = new Map<string, LsCacheEntry & { objects?: string[] }>();
  for (const src of scope.sources) {
    for (const out of src.outputs) {
      if (!out.cache) continue;
      if (targets && !targets.some((t) => isWithin(t, out.path) || isWithin(out.path, t) || out.declaredIn === t)) continue;
      const key = `${out.path}\0${out.hashName}:${out.md5 ?? ""}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          path: out.path,
          declaredIn: out.kind === "lock" ? `${out.declaredIn}:${out.stage}` : out.declaredIn,
          hash: out.md5 ?? null,
          hashName: out.hashName,
          isDir: !!out.md5 && isDirOid(out.md5),
          revs: [],
          cache: { status: "missing", present: 0 },
        };
        rows.set(key, row);
      }
      if (!row.revs.includes(src.label)) row.revs.push(src.label);
    }
  }
  const jobs = opts.jobs ?? 16;
  let storage: Storage | undefined;
  let remoteInfo: { name: string; url: string } | undefined;
  try {
    if (opts.remote) {
      const name = (opts.remote === true ? ctx.config.defaultRemote() : opts.remote)?.toLowerCase();
      if (!name) throw new DvxError("CONFIG_ERROR", "ls-cache: no remote given and no default remote set", { hint: "use '-r NAME'" });
      const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
      const spec = ctx.config.remote(name);
      storage = await openStorage(spec, { jobs: resolveJobs(spec, opts.jobs) });
      remoteInfo = { name, url: storage.url };
    }
    // the objects of every row: [hash] or [dir, ...files] (files unknown when no manifest)
    const manifests = new Map<string, ManifestEntry[] | undefined>();
    await runPool([...rows.values()], jobs, async (row) => {
      if (!row.hash) return;
      if (!row.isDir) {
        row.objects = [row.hash];
        return;
      }
      const mk = `${row.hashName}:${row.hash}`;
      if (!manifests.has(mk)) {
        let m = (await loadCachedManifest(ctx.cache, row.hash, row.hashName))?.entries;
        if (!m && storage) {
          try {
            m = (await loadRemoteManifest(storage, row.hash, row.hashName))?.entries;
          } catch (e) {
            if (!isDvxError(e, "CORRUPT_OBJECT") && !isDvxError(e, "MALFORMED_FILE")) throw e;
          }
        }
        manifests.set(mk, m);
      }
      const m = manifests.get(mk);
      row.objects = m ? [row.hash, ...new Set(m.map((e) => e.md5))] : [row.hash];
      if (!m) row.cache.total = undefined;
    });
    for (const h of ["md5", "md5-dos2unix"] as HashName[]) {
      const mine = [...rows.values()].filter((r) => r.hashName === h && r.objects);
      const all = [...new Set(mine.flatMap((r) => r.objects!))];
      const local = ctx.cache.existingSync(all, h);
      const remote = storage ? await oidsExist(storage, h, all, jobs, ctx.signal ? { signal: ctx.signal } : {}) : undefined;
      for (const r of mine) {
        const known = r.isDir ? manifests.get(`${h}:${r.hash}`) !== undefined : true;
        const total = known ? r.objects!.length : undefined;
        const inCache = r.objects!.filter((o) => local.has(o)).length;
        r.cache = { status: presence(inCache, total), present: inCache, ...(total !== undefined ? { total } : {}) };
        if (remote) {
          const onRemote = r.objects!.filter((o) => remote.has(o)).length;
          r.remote = { status: presence(onRemote, total), present: onRemote, ...(total !== undefined ? { total } : {}) };
        }
      }
    }
    for (const r of rows.values()) {
      if (!r.objects) {
        // never committed: nothing to have
        r.cache = { status: "unknown", present: 0 };
        if (storage) r.remote = { status: "unknown", present: 0 };
      }
      delete r.objects;
    }
  } finally {
    await storage?.close();
  }
  const entries = [...rows.values()].sort((a, b) => compareCodePoints(a.path, b.path) || compareCodePoints(a.hash ?? "", b.hash ?? ""));
  return { entries, ...(remoteInfo ? { remote: remoteInfo } : {}), errors: scope.errors };
}
