/**
 * "Used objects" (spec 8.2) over a scope of revisions: the outputs of the workspace and of the
 * selected git revisions, and the objects they need — file oids, `.dir` oids and every file listed
 * in those `.dir` manifests — kept apart by hash name, because a 3.x (`md5`) oid protects only the
 * `files/md5/` layout and a legacy (`md5-dos2unix`) oid only the legacy root (spec 8.7).
 *
 * A directory's manifest is read from the local cache; when it is not there (or is damaged) it is
 * read from a remote, verified against its oid, and stored in the cache (as DVC's `get_dir_cache`
 * pulls it). A manifest found nowhere is reported in `unreadable`: its files cannot be known, and
 * callers must treat every file of that layout as possibly used (see gc.ts).
 */
import { Readable } from "node:stream";
import { DvxError, isDvxError } from "../errors.js";
import type { ManifestEntry } from "../formats/dirManifest.js";
import { isDirOid, type HashName } from "../odb/oid.js";
import type { Storage } from "../storage/storage.js";
import { loadCachedManifest, loadRemoteManifest } from "../transfer/manifests.js";
import type { RepoContext } from "./context.js";
import { loadIgnoreRules } from "./ignore.js";
import { collectOutputs, type Output } from "./outputs.js";
import { resolveRevisions, RevisionReader, scopeHasRevisions, type Revision, type RevisionReadError, type RevisionScope } from "./revisions.js";
import { selectOutputs, type Selected } from "./targets.js";

export const HASH_NAMES: readonly HashName[] = ["md5", "md5-dos2unix"];

/** Outputs of one place the scope selected: the workspace, or one git revision. */
export interface OutputSource {
  /** "workspace", or the revision's names joined by "," (DVC's brancher labels) */
  label: string;
  rev?: Revision;
  outputs: Output[];
}

export interface ScopeOutputs {
  sources: OutputSource[];
  revisions: Revision[];
  /** revisions whose pointer files could not be read */
  errors: RevisionReadError[];
}

/** The workspace's outputs (if `scope.workspace`) and those of every revision the scope names. */
export async function collectScopeOutputs(ctx: RepoContext, scope: RevisionScope): Promise<ScopeOutputs> {
  const sources: OutputSource[] = [];
  if (scope.workspace) sources.push({ label: "workspace", outputs: collectOutputs(ctx.root, loadIgnoreRules(ctx.root)) });
  if (!scopeHasRevisions(scope)) return { sources, revisions: [], errors: [] };
  if (ctx.noScm) {
    throw new DvxError("USAGE", "this repository has no git (core.no_scm): -a, -T, -A, --rev and --date need git", { data: { root: ctx.root } });
  }
  const revisions = resolveRevisions(ctx.root, scope);
  const reader = new RevisionReader(ctx.root);
  try {
    const { results, errors } = await reader.outputsAtEach(revisions);
    for (const r of results) sources.push({ label: r.rev.names.join(","), rev: r.rev, outputs: r.outputs });
    return { sources, revisions, errors };
  } finally {
    reader.close();
  }
}

export type UsedSet = Record<HashName, Set<string>>;

export function emptyUsedSet(): UsedSet {
  return { md5: new Set(), "md5-dos2unix": new Set() };
}

export interface UnreadableDir {
  oid: string;
  hashName: HashName;
  /** output path and where it was declared, for messages */
  path: string;
  sources: string[];
}

export interface UsedObjects {
  used: UsedSet;
  /** distinct `.dir` oids among them */
  dirs: number;
  /** used directories whose manifest could be read from neither the cache nor a remote */
  unreadable: UnreadableDir[];
  /** manifests found only on a remote and stored into the cache meanwhile */
  manifestsFetched: number;
  warnings: string[];
}

/** Opens remotes by name on demand (once each) to look for manifests; closes them at the end. */
export class RemoteManifestSource {
  private readonly open = new Map<string, Promise<Storage | undefined>>();
  readonly warnings: string[] = [];

  constructor(private readonly ctx: RepoContext, private readonly jobs?: number) {}

  /** `name` undefined = the default remote (none configured -> undefined). */
  get(name: string | undefined): Promise<Storage | undefined> {
    const wanted = (name ?? this.ctx.config.defaultRemote())?.toLowerCase();
    if (!wanted) return Promise.resolve(undefined);
    let p = this.open.get(wanted);
    if (!p) {
      p = (async () => {
        try {
          const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
          const spec = this.ctx.config.remote(wanted);
          return await openStorage(spec, { jobs: resolveJobs(spec, this.jobs) });
        } catch (e) {
          this.warnings.push(`cannot open remote '${wanted}' to look for directory manifests: ${(e as Error).message.split("\n")[0]}`);
          return undefined;
        }
      })();
      this.open.set(wanted, p);
    }
    return p;
  }

  /** Adds an already open storage under `name` (so it is not opened twice; not closed here). */
  adopt(name: string, storage: Storage): void {
    this.open.set(
      name.toLowerCase(),
      Promise.resolve(
        new Proxy(storage, {
          get: (t, k) => {
            if (k === "close") return async () => {};
            const v = Reflect.get(t, k, t) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
          },
        }),
      ),
    );
  }

  async close(): Promise<void> {
    for (const p of this.open.values()) {
      const s = await p;
      await s?.close().catch(() => {});
    }
    this.open.clear();
  }
}

/**
 * Reads one used directory's manifest: cache first, else each remote in `remotes` (verified; a
 * good copy is stored into the cache). Undefined when none has a valid one.
 */
export async function readManifestAnywhere(
  ctx: RepoContext,
  oid: string,
  hashName: HashName,
  remotes: (Storage | undefined)[],
  warnings: string[],
): Promise<{ entries: ManifestEntry[]; fetched: boolean } | undefined> {
  const cached = await loadCachedManifest(ctx.cache, oid, hashName);
  if (cached) return { entries: cached.entries, fetched: false };
  for (const remote of remotes) {
    if (!remote) continue;
    try {
      const got = await loadRemoteManifest(remote, oid, hashName);
      if (!got) continue;
      try {
        // The .dir is used, so keeping a verified copy can only help (DVC pulls it too).
        await ctx.cache.putVerified(oid, hashName, Readable.from([got.bytes]));
      } catch (e) {
        warnings.push(`could not store directory manifest ${oid} in the cache: ${(e as Error).message.split("\n")[0]}`);
      }
      return { entries: got.entries, fetched: true };
    } catch (e) {
      if (isDvxError(e, "ABORTED")) throw e;
      warnings.push(`directory manifest ${oid} on ${remote.url}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return undefined;
}

export interface UsedObjectsOptions {
  /** remotes to look for manifests the cache lacks (by output `remote:` or default); none: cache only */
  manifests?: RemoteManifestSource;
  /** the remote that gc --cloud works on: looked at first for missing manifests */
  primary?: Storage;
}

/**
 * The objects `sources` need. Outputs with `cache: false` or without a hash need nothing (DVC
 * warns about the latter); everything else counts whatever its `push:` or `remote:` says.
 */
export async function usedObjects(ctx: RepoContext, sources: OutputSource[], opts: UsedObjectsOptions = {}): Promise<UsedObjects> {
  const used = emptyUsedSet();
  const dirs = new Map<string, { oid: string; hashName: HashName; path: string; sources: Set<string>; remotes: Set<string | undefined> }>();
  for (const src of sources) {
    for (const out of src.outputs) {
      if (!out.cache || !out.md5) continue;
      used[out.hashName].add(out.md5);
      if (!isDirOid(out.md5)) continue;
      const key = `${out.hashName}:${out.md5}`;
      let d = dirs.get(key);
      if (!d) dirs.set(key, (d = { oid: out.md5, hashName: out.hashName, path: out.path, sources: new Set(), remotes: new Set() }));
      d.sources.add(src.label);
      d.remotes.add(out.remote);
    }
  }
  const warnings: string[] = [];
  const unreadable: UnreadableDir[] = [];
  let fetched = 0;
  for (const d of dirs.values()) {
    if (ctx.signal?.aborted) throw new DvxError("ABORTED", "aborted");
    const remotes: (Storage | undefined)[] = [];
    if (opts.primary) remotes.push(opts.primary);
    if (opts.manifests) for (const r of d.remotes) remotes.push(await opts.manifests.get(r));
    const byUrl = new Map<string, Storage>();
    for (const r of remotes) if (r && !byUrl.has(r.url)) byUrl.set(r.url, r);
    const m = await readManifestAnywhere(ctx, d.oid, d.hashName, [...byUrl.values()], warnings);
    if (!m) {
      unreadable.push({ oid: d.oid, hashName: d.hashName, path: d.path, sources: [...d.sources] });
      continue;
    }
    if (m.fetched) fetched++;
    for (const e of m.entries) used[d.hashName].add(e.md5);
  }
  if (opts.manifests) warnings.push(...opts.manifests.warnings);
  return { used, dirs: dirs.size, unreadable, manifestsFetched: fetched, warnings };
}

/**
 * push/fetch/pull with `-a`/`-T`/`-A`/`--rev`: the outputs `absTargets` select in the workspace and
 * in every revision of the scope (DVC's brancher always includes the workspace). A target may be
 * absent from some revisions; it is an error only when it matches nothing anywhere. A revision
 * whose pointer files cannot be read fails the operation, as in DVC.
 */
export async function selectInScope(ctx: RepoContext, absTargets: string[] | undefined, scope: RevisionScope): Promise<Selected[]> {
  const { sources, errors } = await collectScopeOutputs(ctx, { ...scope, workspace: true });
  if (errors.length) {
    const e = errors[0]!;
    throw new DvxError("MALFORMED_FILE", `revision ${e.rev}: ${e.error}`, { data: { errors, ...(e.file ? { file: e.file } : {}) } });
  }
  const picked: Selected[] = [];
  const targets = absTargets?.length ? absTargets : undefined;
  const matched = new Set<string>();
  for (const src of sources) {
    for (const t of targets ?? [undefined]) {
      try {
        picked.push(...selectOutputs(ctx.root, src.outputs, t === undefined ? undefined : [t]));
        if (t !== undefined) matched.add(t);
      } catch (e) {
        if (!isDvxError(e, "NOT_FOUND")) throw e;
      }
    }
  }
  for (const t of targets ?? []) {
    if (!matched.has(t)) throw new DvxError("NOT_FOUND", `${t}: not tracked by any .dvc file or dvc.lock in the workspace or the selected revisions`, { data: { target: t } });
  }
  return picked;
}
