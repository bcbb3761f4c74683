/**
 * `dvx gc` (spec 8.7; iterative/dvc `dvc/repo/gc.py`, iterative/dvc-data `hashfile/gc.py`): delete
 * the objects of the local cache (and with `cloud`, of one remote) that no output of the selected
 * scope uses. Plan first (nothing is touched), then — after the caller confirmed — delete.
 *
 * Safety rules, each enforced here rather than left to the CLI:
 * - Only valid object paths are candidates: oids listed from `<odb>/<2 hex>/<30 hex>[.dir]` of each
 *   layout (3.x `files/md5/`, legacy root). `runs/`, `fs/`, temp files, quarantine and anything else
 *   are never listed, so never deleted.
 * - Layouts are separate: a 3.x-named used oid protects only `files/md5/`, a legacy one only the
 *   legacy root (as DVC: `hash_info.name != odb.hash_name` is skipped).
 * - `.dir` objects go before any file object, so an interruption never leaves a `.dir` whose files
 *   are gone (the `.dir`-last rule of transfers, spec 8.4, read backwards).
 * - A used `.dir` whose manifest cannot be read (missing from the cache and from the remotes, or
 *   damaged everywhere) is kept, and so is EVERY file object of its layout: its files are unknown,
 *   and any of them could be one, so deleting any file could make that directory version
 *   unrecoverable from this cache or remote. (DVC instead asks "Cache for files inside will be
 *   lost" and, with -f, deletes them.) `dropUnreadableDirs` opts into DVC's behaviour.
 * - If the pointer files of any selected revision cannot be read (a malformed `.dvc`, a git error),
 *   the used set is incomplete: the plan fails. `skipFailed` lets a LOCAL gc go on without those
 *   revisions (DVC's --skip-failed), but never a cloud gc: nothing is deleted on a remote then.
 * - Cloud gc works on exactly one remote (`remote` or the default) and protects on it every object
 *   any output uses, whatever the output's `remote:` says (DVC would gc per-output remotes keeping
 *   only their own outputs' objects; keeping more is the safe side).
 */
import { lstat, rm, stat } from "node:fs/promises";
import { DvxError } from "../errors.js";
import { isDirOid, keyToOid, odbPrefix, oidKey, type HashName } from "../odb/oid.js";
import type { Storage } from "../storage/storage.js";
import { runPool } from "../transfer/pool.js";
import type { RepoContext } from "./context.js";
import type { RevisionReadError, RevisionScope, Revision } from "./revisions.js";
import { collectScopeOutputs, HASH_NAMES, RemoteManifestSource, usedObjects, type UnreadableDir } from "./usedObjects.js";

export interface GcOptions extends RevisionScope {
  /** also collect garbage on a remote (`-c`) */
  cloud?: boolean;
  /** the remote for `cloud` (default: core.remote) */
  remote?: string;
  jobs?: number;
  /** go on without revisions whose pointer files cannot be read (local gc only) */
  skipFailed?: boolean;
  /** treat used directories whose manifest cannot be read as having no files (DVC's -f behaviour) */
  dropUnreadableDirs?: boolean;
  /** do not look for missing `.dir` manifests on remotes (local cache only) */
  offline?: boolean;
}

export interface LayoutPlan {
  hashName: HashName;
  /** objects found in this layout */
  total: number;
  /** `.dir` objects to delete (deleted first) */
  dirs: string[];
  /** file objects to delete */
  files: string[];
  /** bytes of the objects to delete (unknown sizes count 0) */
  bytes: number;
  /** remote only: `bytes` extrapolated from a sample (many objects), or unknown (no size support) */
  bytesEstimated?: boolean;
  /** file objects were all kept because a used `.dir` of this layout could not be read */
  filesProtected: boolean;
}

export interface GcPlan {
  /** git revisions considered besides the workspace */
  revisions: Revision[];
  /** revisions skipped with skipFailed */
  skipped: RevisionReadError[];
  /** used objects, per layout */
  used: Record<HashName, number>;
  unreadableDirs: UnreadableDir[];
  local: LayoutPlan[];
  remote?: { name: string; url: string; layouts: LayoutPlan[] };
  warnings: string[];
}

export interface GcResult {
  plan: GcPlan;
  /** false: dry run or the confirmation was declined */
  executed: boolean;
  removedLocal: number;
  removedRemote: number;
  bytesLocal: number;
  bytesRemote: number;
}

export function planCount(layouts: LayoutPlan[]): { objects: number; bytes: number } {
  let objects = 0;
  let bytes = 0;
  for (const l of layouts) {
    objects += l.dirs.length + l.files.length;
    bytes += l.bytes;
  }
  return { objects, bytes };
}

/** Validation of DVC's `_validate_args`. */
export function validateGcOptions(opts: GcOptions & { notInRemote?: boolean }): void {
  if (opts.remote && !opts.cloud) throw new DvxError("USAGE", "gc: `--remote` requires `--cloud`");
  if (!(opts.workspace || opts.allBranches || opts.allTags || opts.allCommits || opts.date || opts.revs?.length)) {
    throw new DvxError("USAGE", "gc: one of -w/--workspace, -a/--all-branches, -T/--all-tags, -A/--all-commits, --date or --rev needs to be set");
  }
  if (opts.num !== undefined && !opts.revs?.length) throw new DvxError("USAGE", "gc: `--num` can only be used alongside `--rev`");
}

function planLayout(hashName: HashName, present: Iterable<string>, used: Set<string>, protectFiles: boolean): LayoutPlan {
  const plan: LayoutPlan = { hashName, total: 0, dirs: [], files: [], bytes: 0, filesProtected: false };
  for (const oid of present) {
    plan.total++;
    if (used.has(oid)) continue;
    if (isDirOid(oid)) plan.dirs.push(oid);
    else if (protectFiles) plan.filesProtected = true;
    else plan.files.push(oid);
  }
  plan.dirs.sort();
  plan.files.sort();
  return plan;
}

/**
 * Every valid oid of both layouts on a remote. A small remote is listed in one pass from its root
 * (both layouts and whatever else lies there, filtered by `keyToOid`); a big one (the sample prefix
 * `files/md5/00/` alone fills a listing page, i.e. roughly 256,000+ objects) per 2-hex prefix of
 * each layout, `jobs` listings at a time. Either way only `<layout>/<2 hex>/<30 hex>[.dir]` keys
 * become candidates.
 */
export async function listRemoteOids(storage: Storage, jobs: number): Promise<Record<HashName, Set<string>>> {
  const out: Record<HashName, Set<string>> = { md5: new Set(), "md5-dos2unix": new Set() };
  const m5 = odbPrefix("md5") + "/";
  const take = (key: string) => {
    if (key.startsWith(m5)) {
      const oid = keyToOid(key.slice(m5.length));
      if (oid !== undefined) out.md5.add(oid);
    } else {
      const oid = keyToOid(key);
      if (oid !== undefined) out["md5-dos2unix"].add(oid);
    }
  };
  let sample = 0;
  for await (const _ of storage.list(`${m5}00/`)) if (++sample >= 1000) break;
  if (sample < 1000) {
    for await (const key of storage.list("")) take(key);
    return out;
  }
  const prefixes: string[] = [];
  for (let i = 0; i < 256; i++) {
    const xx = i.toString(16).padStart(2, "0");
    prefixes.push(`${m5}${xx}/`, `${xx}/`);
  }
  await runPool(prefixes, jobs, async (p) => {
    for await (const key of storage.list(p)) take(key);
  });
  return out;
}

/** Remote sizes need a request per object: all of them up to this many, else a sample, extrapolated. */
const SIZE_ALL_MAX = 5000;
const SIZE_SAMPLE = 1000;

async function remoteBytes(storage: Storage, layout: LayoutPlan, jobs: number): Promise<void> {
  if (!storage.size) {
    layout.bytesEstimated = true;
    return;
  }
  const all = [...layout.dirs, ...layout.files];
  const picked = all.length <= SIZE_ALL_MAX ? all : all.filter((_, i) => i % Math.ceil(all.length / SIZE_SAMPLE) === 0);
  let bytes = 0;
  const s = storage;
  await runPool(picked, jobs, async (oid) => {
    bytes += (await s.size!(oidKey(oid, layout.hashName)).catch(() => undefined)) ?? 0;
  });
  if (picked.length === all.length) layout.bytes = bytes;
  else {
    layout.bytes = Math.round((bytes / Math.max(1, picked.length)) * all.length);
    layout.bytesEstimated = true;
  }
}

function protectedLayouts(unreadable: UnreadableDir[], drop: boolean): Set<HashName> {
  return drop ? new Set() : new Set(unreadable.map((u) => u.hashName));
}

/** Plans a gc: reads the scope's outputs, the used objects, and lists what is there. Deletes nothing. */
export async function planGc(ctx: RepoContext, opts: GcOptions): Promise<GcPlan> {
  validateGcOptions(opts);
  const jobs = opts.jobs ?? 4 * Math.max(1, (await import("node:os")).availableParallelism());
  // the workspace is always part of gc's scope (DVC: "the workspace is always included")
  const scope = await collectScopeOutputs(ctx, { ...opts, workspace: true });
  if (scope.errors.length) {
    const list = scope.errors.map((e) => `${e.rev}: ${e.error}`).join("; ");
    if (opts.cloud) {
      throw new DvxError("USAGE", `gc --cloud: pointer files of ${scope.errors.length} revision(s) could not be read, so nothing will be deleted on the remote: ${list}`, {
        data: { errors: scope.errors },
        hint: "fix or exclude those revisions (the used set would be incomplete)",
      });
    }
    if (!opts.skipFailed) {
      throw new DvxError("MALFORMED_FILE", `gc: pointer files of ${scope.errors.length} revision(s) could not be read: ${list}`, {
        data: { errors: scope.errors },
        hint: "use --skip-failed to collect without them (their objects are then not protected)",
      });
    }
  }
  const manifests = opts.offline ? undefined : new RemoteManifestSource(ctx, opts.jobs);
  let storage: Storage | undefined;
  let remoteName: string | undefined;
  try {
    if (opts.cloud) {
      remoteName = (opts.remote ?? ctx.config.defaultRemote())?.toLowerCase();
      if (!remoteName) {
        throw new DvxError("CONFIG_ERROR", "gc --cloud: no remote given and no default remote set", { hint: "use '-r NAME' or 'dvx remote add -d NAME URL'" });
      }
      const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
      const spec = ctx.config.remote(remoteName);
      storage = await openStorage(spec, { jobs: resolveJobs(spec, opts.jobs) });
      manifests?.adopt(remoteName, storage);
    }
    const usedObjs = await usedObjects(ctx, scope.sources, { ...(manifests ? { manifests } : {}), ...(storage ? { primary: storage } : {}) });
    const warnings = [...usedObjs.warnings];
    for (const u of usedObjs.unreadable) {
      warnings.push(
        `missing cache for directory '${u.path}' (${u.oid}, used by ${u.sources.join(", ")}): ` +
          (opts.dropUnreadableDirs ? "files inside it may be deleted" : `no ${u.hashName === "md5" ? "files/md5" : "legacy"} file object will be deleted`),
      );
    }
    if (opts.cloud && !opts.allBranches && !opts.allCommits) {
      warnings.push("gc --cloud without -a/-A: objects that only other branches use are deleted from the remote too");
    }
    const protect = protectedLayouts(usedObjs.unreadable, !!opts.dropUnreadableDirs);
    const plan: GcPlan = {
      revisions: scope.revisions,
      skipped: scope.errors,
      used: { md5: usedObjs.used.md5.size, "md5-dos2unix": usedObjs.used["md5-dos2unix"].size },
      unreadableDirs: usedObjs.unreadable,
      local: [],
      warnings,
    };
    for (const h of HASH_NAMES) {
      const layout = planLayout(h, await ctx.cache.oidSet(h), usedObjs.used[h], protect.has(h));
      await runPool([...layout.dirs, ...layout.files], jobs, async (oid) => {
        const st = await stat(ctx.cache.objectPath(oid, h)).catch(() => undefined);
        layout.bytes += st?.size ?? 0;
      });
      plan.local.push(layout);
    }
    if (storage && remoteName) {
      const layouts: LayoutPlan[] = [];
      const present = await listRemoteOids(storage, jobs);
      for (const h of HASH_NAMES) {
        const layout = planLayout(h, present[h], usedObjs.used[h], protect.has(h));
        await remoteBytes(storage, layout, jobs);
        layouts.push(layout);
      }
      plan.remote = { name: remoteName, url: storage.url, layouts };
    }
    return plan;
  } finally {
    await manifests?.close();
    await storage?.close();
  }
}

/**
 * Deletes what `plan` lists: per layout `.dir` objects first, then files. Local cache objects are
 * unlinked (with DVC 2.x's `<oid>.dir.unpacked` directories); remote ones deleted in batches.
 */
export async function executeGc(ctx: RepoContext, plan: GcPlan, opts: Pick<GcOptions, "jobs"> = {}): Promise<Omit<GcResult, "plan" | "executed">> {
  const jobs = opts.jobs ?? 16;
  const started = Date.now();
  const result = { removedLocal: 0, removedRemote: 0, bytesLocal: 0, bytesRemote: 0 };
  const total = planCount([...plan.local, ...(plan.remote?.layouts ?? [])]);
  const done = { files: 0, bytes: 0 };
  ctx.onProgress({ type: "start", phase: "gc", total: { files: total.objects, bytes: total.bytes } });
  for (const layout of plan.local) {
    for (const batch of [layout.dirs, layout.files]) {
      await runPool(
        batch,
        jobs,
        async (oid) => {
          const p = ctx.cache.objectPath(oid, layout.hashName);
          if (isDirOid(oid)) {
            const unpacked = `${p}.unpacked`;
            if ((await lstat(unpacked).catch(() => undefined))?.isDirectory()) await rm(unpacked, { recursive: true, force: true });
          }
          if (await ctx.cache.remove(oid, layout.hashName)) {
            result.removedLocal++;
            done.files++;
            ctx.onProgress({ type: "item", phase: "gc", oid, path: p, bytes: 0, done: { ...done } });
          }
        },
        ctx.signal,
      );
      if (ctx.signal?.aborted) throw new DvxError("ABORTED", "gc aborted");
    }
    result.bytesLocal += layout.bytes;
  }
  if (plan.remote) {
    const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
    const spec = ctx.config.remote(plan.remote.name);
    const storage = await openStorage(spec, { jobs: resolveJobs(spec, opts.jobs) });
    try {
      for (const layout of plan.remote.layouts) {
        for (const batch of [layout.dirs, layout.files]) {
          for (let i = 0; i < batch.length; i += 1000) {
            if (ctx.signal?.aborted) throw new DvxError("ABORTED", "gc aborted");
            const keys = batch.slice(i, i + 1000).map((oid) => oidKey(oid, layout.hashName));
            await storage.delete(keys);
            result.removedRemote += keys.length;
            done.files += keys.length;
            ctx.onProgress({ type: "item", phase: "gc", path: `${storage.url}/${keys[keys.length - 1]}`, bytes: 0, done: { ...done } });
          }
        }
        result.bytesRemote += layout.bytes;
      }
    } finally {
      await storage.close();
    }
  }
  ctx.onProgress({ type: "end", phase: "gc", done: { ...done }, failed: 0, elapsedMs: Date.now() - started });
  return result;
}
