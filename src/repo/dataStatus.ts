/**
 * `dvx data status`: DVC 3's `dvc data status` (iterative/dvc `dvc/repo/data.py` `status`).
 *
 * Three views of every cached output are compared:
 *   HEAD       the `.dvc` files / `dvc.lock` committed in git      ─┐ committed   (HEAD vs index)
 *   index      the `.dvc` files / `dvc.lock` in the workspace      ─┤
 *   workspace  the data itself, hashed (state DB: unchanged = stat) ─┘ uncommitted (index vs workspace)
 * plus the index's objects missing from the cache (`not_in_cache`) and, on request, from the remote
 * (`not_in_remote`), and git's untracked files. Keys are repo-relative posix paths with a trailing
 * `/` for directories, as DVC prints them; `untracked` is relative to `cwd` (DVC does the same).
 * Shallow by default (one entry per output); `granular` adds the files inside directories, read
 * from the `.dir` manifests in the cache (a manifest not in the cache makes its files `unknown`).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { parseDvcFile } from "../formats/dvcFile.js";
import { parseDvcLock } from "../formats/dvcLock.js";
import { parseDvcYaml } from "../formats/dvcYaml.js";
import type { HashName } from "../odb/oid.js";
import { buildOutput, loadManifest } from "./buildOutput.js";
import type { RepoContext } from "./context.js";
import { git, hasGit } from "./git.js";
import { isExternalPath, joinInRepo, type Output } from "./outputs.js";
import { isWithin, toRepoRel } from "./root.js";

export interface DataStatusOptions {
  /** list the files inside tracked directories too (`--granular`) */
  granular?: boolean;
  /** check which objects the remote lacks (`--not-in-remote`) */
  notInRemote?: boolean;
  /** remote for `notInRemote` (default: each output's `remote:`, else core.remote) */
  remote?: string;
  /** parallel existence checks against the remote */
  jobs?: number;
  /** list git-untracked files (`--untracked-files`) */
  untrackedFiles?: boolean;
  /** git revision the `committed` changes are relative to (default HEAD) */
  head?: string;
}

export interface DataStatusRename {
  old: string;
  new: string;
}

/** One diff (DVC's `DiffResult`): only non-empty lists are present. */
export interface DataStatusDiff {
  modified?: string[];
  added?: string[];
  deleted?: string[];
  renamed?: DataStatusRename[];
  unknown?: string[];
}

export interface DataStatusGit {
  /** the repository has no commit yet */
  is_empty?: boolean;
  /** git sees staged, unstaged (or, with untrackedFiles, untracked) changes */
  is_dirty?: boolean;
}

/** DVC's `Status` TypedDict, key for key and in DVC's order. */
export interface DataStatusResult {
  not_in_cache: string[];
  not_in_remote: string[];
  committed: DataStatusDiff;
  uncommitted: DataStatusDiff;
  untracked: string[];
  unchanged: string[];
  /** `{}` when the repository is not in git (no_scm) */
  git: DataStatusGit;
}

/** One entry of an index: an output (`data/`, `model.pkl`) or, granular, a file inside one. */
interface Entry {
  key: string;
  /** `md5:<oid>` etc.; undefined = no hash recorded (output never committed) */
  hash?: string;
  isDir: boolean;
  /** set on directory entries whose contents could not be listed */
  unknownContents?: boolean;
}

type Index = Map<string, Entry>;

const hashOf = (hashName: HashName, oid: string | undefined) => (oid ? `${hashName}:${oid}` : undefined);
const dirKey = (p: string) => (p === "" ? "/" : `${p}/`);

/** Keys an output contributes (the output itself and, granular, its files). */
async function indexEntries(ctx: RepoContext, out: { path: string; md5?: string; hashName: HashName }, granular: boolean, into: Index): Promise<void> {
  const isDir = !!out.md5?.endsWith(".dir");
  const key = isDir ? dirKey(out.path) : out.path;
  const entry: Entry = { key, hash: hashOf(out.hashName, out.md5), isDir };
  into.set(key, entry);
  if (!granular || !isDir) return;
  const manifest = await manifestIfCached(ctx, out.md5!, out.hashName);
  if (!manifest) {
    entry.unknownContents = true;
    return;
  }
  for (const e of manifest) into.set(`${out.path}/${e.relpath}`, { key: `${out.path}/${e.relpath}`, hash: hashOf(out.hashName, e.md5), isDir: false });
}

/** The `.dir` manifest, or undefined when the cache does not have it (or has it corrupt). */
async function manifestIfCached(ctx: RepoContext, oid: string, hashName: HashName) {
  try {
    return await loadManifest(ctx, oid, hashName);
  } catch (e) {
    if (e instanceof DvxError && (e.code === "MISSING_CACHE" || e.code === "NOT_FOUND")) return undefined;
    throw e;
  }
}

/** The workspace side: each output hashed as it is now (nothing stored). */
async function workspaceIndex(ctx: RepoContext, outs: Output[], granular: boolean): Promise<Index> {
  const index: Index = new Map();
  for (const out of outs) {
    if (ctx.signal?.aborted) throw abortError();
    // shallow needs only each output's own hash: an unchanged directory is one state record
    const built = await buildOutput(ctx, out.path, out.hashName, { store: false, oidOnly: !granular });
    if (!built.exists) continue;
    const key = built.isDir ? dirKey(out.path) : out.path;
    index.set(key, { key, hash: hashOf(out.hashName, built.oid), isDir: built.isDir });
    if (granular && built.isDir) {
      for (const e of built.entries ?? []) index.set(`${out.path}/${e.relpath}`, { key: `${out.path}/${e.relpath}`, hash: hashOf(out.hashName, e.md5), isDir: false });
    }
  }
  return index;
}

function abortError(): DvxError {
  return new DvxError("ABORTED", "data status was cancelled");
}

interface DiffOut {
  diff: DataStatusDiff;
  unchanged: string[];
}

/**
 * DVC's `_diff(old, new, with_renames=True, hash_only=True, with_unknown=True)`: an added and a
 * deleted entry with the same hash are a rename; entries under a directory whose old contents are
 * unknown are `unknown`; entries without a hash on both sides are skipped.
 */
export function diffIndexes(old: Index, now: Index): DiffOut {
  const modified: string[] = [];
  let added: string[] = [];
  let deleted: string[] = [];
  const unknown: string[] = [];
  const unchanged: string[] = [];
  const unknownDirs = [...old.values(), ...now.values()].filter((e) => e.unknownContents).map((e) => e.key);
  const underUnknown = (key: string) => unknownDirs.some((d) => key !== d && key.startsWith(d));
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(key);
    const b = now.get(key);
    if (!a?.hash && !b?.hash) continue;
    if ((!a || !b) && underUnknown(key)) {
      unknown.push(key);
      continue;
    }
    if (!a?.hash) added.push(key);
    else if (!b?.hash) deleted.push(key);
    else if (a.hash !== b.hash) modified.push(key);
    else unchanged.push(key);
  }
  const renamed: DataStatusRename[] = [];
  if (added.length && deleted.length) {
    const byHash = new Map<string, string[]>();
    for (const key of deleted.sort()) {
      const h = `${old.get(key)!.isDir}:${old.get(key)!.hash}`;
      byHash.set(h, [...(byHash.get(h) ?? []), key]);
    }
    const used = new Set<string>();
    const stillAdded: string[] = [];
    for (const key of added.sort()) {
      const h = `${now.get(key)!.isDir}:${now.get(key)!.hash}`;
      const from = byHash.get(h)?.find((k) => !used.has(k));
      if (from === undefined) {
        stillAdded.push(key);
        continue;
      }
      used.add(from);
      renamed.push({ old: from, new: key });
    }
    added = stillAdded;
    deleted = deleted.filter((k) => !used.has(k));
  }
  const diff: DataStatusDiff = {};
  if (modified.length) diff.modified = modified.sort();
  if (added.length) diff.added = added.sort();
  if (deleted.length) diff.deleted = deleted.sort();
  if (renamed.length) diff.renamed = renamed;
  if (unknown.length) diff.unknown = unknown.sort();
  return { diff, unchanged: unchanged.sort() };
}

/** Files at `rev` (paths relative to the git top level) → contents, for the names `want` accepts. */
function gitFilesAt(gitTop: string, rev: string, want: (p: string) => boolean): Map<string, string> | undefined {
  const ls = git(gitTop, ["ls-tree", "-r", "-z", "--full-tree", rev]);
  if (ls.code !== 0) return undefined; // no such revision (an empty repository)
  const blobs: Array<{ sha: string; path: string }> = [];
  for (const rec of ls.stdout.split("\0")) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (m && want(m[2]!)) blobs.push({ sha: m[1]!, path: m[2]! });
  }
  const files = new Map<string, string>();
  if (!blobs.length) return files;
  const r = spawnSync("git", ["cat-file", "--batch"], { cwd: gitTop, input: blobs.map((b) => b.sha).join("\n") + "\n", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git cat-file failed: ${String(r.stderr)}`);
  const buf = r.stdout;
  let pos = 0;
  for (const b of blobs) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString("utf8");
    const size = Number(header.split(" ")[2]);
    files.set(b.path, buf.subarray(nl + 1, nl + 1 + size).toString("utf8"));
    pos = nl + 1 + size + 1;
  }
  return files;
}

interface HeadOutput {
  path: string;
  md5?: string;
  hashName: HashName;
}

/** Cached outputs declared by the `.dvc` files and `dvc.yaml`+`dvc.lock` committed at `rev`. */
function outputsAtRevision(root: string, gitTop: string, rev: string): HeadOutput[] | undefined {
  const prefix = toRepoRel(gitTop, root); // "" unless the DVC repo is a subdirectory of the git repo
  const inRepo = (p: string) => (prefix === "" ? p : p.startsWith(prefix + "/") ? p.slice(prefix.length + 1) : undefined);
  const files = gitFilesAt(gitTop, rev, (p) => {
    const rel = inRepo(p);
    if (rel === undefined || rel.startsWith(".dvc/")) return false;
    const base = path.posix.basename(rel);
    return (base.endsWith(".dvc") && base !== ".dvc") || base === "dvc.yaml" || base === "dvc.lock";
  });
  if (!files) return undefined;
  const outs: HeadOutput[] = [];
  for (const [gitPath, text] of files) {
    const rel = inRepo(gitPath)!;
    const dir = path.posix.dirname(rel) === "." ? "" : path.posix.dirname(rel);
    try {
      if (rel.endsWith(".dvc")) {
        const data = parseDvcFile(text, rel);
        const base = data.wdir ? joinInRepo(dir, data.wdir, rel) : dir;
        for (const o of data.outs) if (o.cache && !o.external) outs.push({ path: joinInRepo(base, o.path, rel), md5: o.md5, hashName: o.hashName });
      } else if (path.posix.basename(rel) === "dvc.yaml") {
        const yaml = parseDvcYaml(text, rel);
        const lockText = files.get(prefix ? `${prefix}/${dir ? dir + "/" : ""}dvc.lock` : `${dir ? dir + "/" : ""}dvc.lock`);
        const lock = lockText === undefined ? undefined : parseDvcLock(lockText, dir ? `${dir}/dvc.lock` : "dvc.lock");
        for (const [stage, def] of yaml.stages) {
          const base = def.wdir && def.wdir !== "." ? joinInRepo(dir, def.wdir, rel) : dir;
          for (const o of def.outs) {
            if (!o.cache || isExternalPath(o.path)) continue;
            const locked = lock?.stages.get(stage)?.outs.find((e) => e.path === o.path);
            outs.push({ path: joinInRepo(base, o.path, rel), md5: locked?.md5, hashName: locked?.hashName ?? "md5-dos2unix" });
          }
        }
      }
    } catch (e) {
      // A file that does not parse at HEAD (it may have been fixed since) contributes nothing.
      if ((e as DvxError).name !== "DvxError") throw e;
    }
  }
  return outs;
}

/** Whether repo-relative `key` (maybe with a trailing `/`) is selected by the filter. */
function selected(key: string, filters: string[] | undefined): boolean {
  if (!filters) return true;
  const k = key.endsWith("/") ? key.slice(0, -1) : key;
  return filters.some((f) => f === "" || isWithin(k, f));
}

function filterIndex(index: Index, filters: string[] | undefined): Index {
  if (!filters) return index;
  return new Map([...index].filter(([k]) => selected(k, filters)));
}

interface GitStatus {
  staged: number;
  unstaged: number;
  untracked: string[];
  isEmpty: boolean;
}

function gitStatus(gitTop: string, untracked: boolean): GitStatus {
  const r = git(gitTop, ["status", "--porcelain=v1", "-z", `--untracked-files=${untracked ? "all" : "no"}`]);
  const st: GitStatus = { staged: 0, unstaged: 0, untracked: [], isEmpty: git(gitTop, ["rev-parse", "--verify", "-q", "HEAD"]).code !== 0 };
  const recs = r.stdout.split("\0");
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i]!;
    if (rec.length < 4) continue;
    const x = rec[0]!;
    const y = rec[1]!;
    const p = rec.slice(3);
    if (x === "?" && y === "?") st.untracked.push(p);
    else {
      if (x !== " ") st.staged++;
      if (y !== " ") st.unstaged++;
      if (x === "R" || x === "C") i++; // the original path follows
    }
  }
  return st;
}

/** Runs the whole status. `outs` are the repository's outputs; `targets` absolute paths (optional). */
export async function dataStatus(ctx: RepoContext, outs: Output[], targets: string[] | undefined, cwd: string, opts: DataStatusOptions = {}): Promise<DataStatusResult> {
  const granular = !!opts.granular;
  const filters = targets?.length ? targets.map((t) => toRepoRel(ctx.root, t)).map((t) => (t.endsWith(".dvc") ? t.slice(0, -4) : t)) : undefined;
  const cached = outs.filter((o) => o.cache);
  // only outputs that can hold a selected key are hashed
  const relevant = filters ? cached.filter((o) => filters.some((f) => f === "" || isWithin(o.path, f) || isWithin(f, o.path))) : cached;

  // index (the .dvc files as they are) vs workspace
  const index: Index = new Map();
  for (const o of relevant) await indexEntries(ctx, o, granular, index);
  const workspace = await workspaceIndex(ctx, relevant, granular);
  const uncommitted = diffIndexes(filterIndex(index, filters), filterIndex(workspace, filters));

  // index objects missing from the cache
  // (one bulk existence check per hash layout, not a stat per entry)
  const byLayout = new Map<HashName, { key: string; oid: string }[]>();
  for (const e of filterIndex(index, filters).values()) {
    if (!e.hash) continue;
    const [hashName, oid] = e.hash.split(/:(.*)/s) as [HashName, string];
    const list = byLayout.get(hashName) ?? byLayout.set(hashName, []).get(hashName)!;
    list.push({ key: e.key, oid });
  }
  const notInCache: string[] = [];
  for (const [hashName, list] of byLayout) {
    const present = ctx.cache.existingSync(list.map((x) => x.oid), hashName);
    for (const x of list) if (!present.has(x.oid)) notInCache.push(x.key);
  }

  const notInRemote = opts.notInRemote ? await entriesNotInRemote(ctx, relevant, filters, granular, opts) : [];

  // HEAD vs index, when the repository is in git
  let committed: DataStatusDiff = {};
  let unchanged = uncommitted.unchanged;
  let gitInfo: DataStatusGit = {};
  let untracked: string[] = [];
  const gitTop = !ctx.noScm && hasGit(ctx.root) ? git(ctx.root, ["rev-parse", "--show-toplevel"]).stdout.trim() : "";
  if (gitTop) {
    const headIndex: Index = new Map();
    for (const o of outputsAtRevision(ctx.root, gitTop, opts.head ?? "HEAD") ?? []) {
      if (!filters || filters.some((f) => f === "" || isWithin(o.path, f) || isWithin(f, o.path))) await indexEntries(ctx, o, granular, headIndex);
    }
    const c = diffIndexes(filterIndex(headIndex, filters), filterIndex(index, filters));
    committed = c.diff;
    const both = new Set(c.unchanged);
    unchanged = unchanged.filter((k) => both.has(k));
    const st = gitStatus(gitTop, !!opts.untrackedFiles);
    gitInfo = { is_empty: st.isEmpty, is_dirty: st.staged + st.unstaged + st.untracked.length > 0 };
    if (opts.untrackedFiles) {
      const prefix = toRepoRel(gitTop, ctx.root);
      const scmFilters = targets?.length ? targets.map((t) => toRepoRel(gitTop, t)) : undefined;
      untracked = st.untracked
        .filter((p) => !scmFilters || scmFilters.some((f) => f === "" || isWithin(p, f)))
        .flatMap((p) => (prefix === "" ? [p] : p.startsWith(prefix + "/") ? [p.slice(prefix.length + 1)] : []))
        .map((p) => path.relative(cwd, path.join(ctx.root, p)).split(path.sep).join("/"));
    }
  }

  return {
    not_in_cache: notInCache.sort(),
    not_in_remote: notInRemote.sort(),
    committed,
    uncommitted: uncommitted.diff,
    untracked,
    unchanged,
    git: gitInfo,
  };
}

/**
 * Index entries whose object the remote lacks (DVC's `_get_entries_not_in_remote`): only pushable
 * outputs; shallow checks each output's own object (a directory's `.dir`), granular also every
 * file listed in a cached manifest.
 */
async function entriesNotInRemote(ctx: RepoContext, outs: Output[], filters: string[] | undefined, granular: boolean, opts: DataStatusOptions): Promise<string[]> {
  const groups = new Map<string, { remote: string; hashName: HashName; byOid: Map<string, string[]> }>();
  for (const o of outs) {
    if (!o.push || !o.md5) continue;
    if (opts.remote && o.remote && o.remote.toLowerCase() !== opts.remote.toLowerCase()) continue;
    const remote = (o.remote ?? opts.remote ?? ctx.config.defaultRemote())?.toLowerCase();
    if (!remote) throw new DvxError("CONFIG_ERROR", "no remote given and no default remote set", { hint: "use '-r NAME' or 'dvx remote add -d NAME URL'" });
    const entries: Index = new Map();
    await indexEntries(ctx, o, granular, entries);
    const gk = `${remote}\0${o.hashName}`;
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { remote, hashName: o.hashName, byOid: new Map() }));
    for (const e of filterIndex(entries, filters).values()) {
      const oid = e.hash!.slice(e.hash!.indexOf(":") + 1);
      g.byOid.set(oid, [...(g.byOid.get(oid) ?? []), e.key]);
    }
  }
  const missing: string[] = [];
  if (!groups.size) return missing;
  const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
  const { oidsExist } = await import("../transfer/exists.js");
  for (const g of groups.values()) {
    const spec = ctx.config.remote(g.remote);
    const jobs = resolveJobs(spec, opts.jobs);
    const storage = await openStorage(spec, { jobs });
    try {
      const found = await oidsExist(storage, g.hashName, [...g.byOid.keys()], jobs, { signal: ctx.signal });
      for (const [oid, keys] of g.byOid) if (!found.has(oid)) missing.push(...keys);
    } finally {
      await storage.close();
    }
  }
  return missing;
}
