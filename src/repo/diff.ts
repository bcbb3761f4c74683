/**
 * `dvx diff [A_REV] [B_REV]` (iterative/dvc `dvc/repo/diff.py` on dvc-data's `index/diff.py`,
 * DVC 3.x): added, deleted, modified and renamed data between a git revision and another one or
 * the workspace, down to the files inside tracked directories, in DVC's result shape.
 *
 * The two sides are indexes of the cached outputs (`cache: false` ones are not data): at a git
 * revision, the outputs its pointer files declare (read straight from git, revisions.ts) with
 * directory contents from the `.dir` manifests (local cache, else the output's remote); in the
 * workspace, what is on disk, hashed with each output's hash name. The walk follows DVC's:
 * - roots are the output paths of both sides (or the targets); a key compares as modified when its
 *   hash (name and value) or its being a directory differs;
 * - directories are descended on both sides; when one side's manifest cannot be read, what lies
 *   below is "unknown" and not reported at all;
 * - entries that are directories without a hash (sub-directories of a tracked directory) are walked
 *   but never reported;
 * - renames: an added and a deleted entry with the same hash pair up, in key order;
 * - against the workspace only, every entry of the old side (changed or not) whose object is not in
 *   the cache is also listed under "not in cache".
 * Paths are repo-relative, directories with a trailing "/".
 */
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { compareCodePoints } from "../formats/pyjson.js";
import { isDirOid, type HashName } from "../odb/oid.js";
import { buildOutput } from "./buildOutput.js";
import type { RepoContext } from "./context.js";
import { git } from "./git.js";
import { loadIgnoreRules } from "./ignore.js";
import { collectOutputs, type Output } from "./outputs.js";
import { RevisionReader } from "./revisions.js";
import { isWithin, toRepoRel } from "./root.js";
import { readManifestAnywhere, RemoteManifestSource } from "./usedObjects.js";

export interface DiffResult {
  added: { path: string; hash: string | null }[];
  deleted: { path: string; hash: string | null }[];
  modified: { path: string; hash: { old: string | null; new: string | null } }[];
  renamed: { path: { old: string; new: string }; hash: string | null }[];
  "not in cache": { path: string; hash: string | null }[];
}

export interface DiffOptions {
  /** absolute target paths (outputs, paths inside them, `.dvc` files, `dvc.yaml:stage`) */
  targets?: string[];
  /** read manifests missing from the cache from remotes (default true) */
  remotes?: boolean;
}

interface Node {
  isdir: boolean;
  /** undefined: no hash (a sub-directory of a tracked directory, or an output never committed) */
  hash?: string;
  hashName: HashName;
}

type Children = { items: Map<string, Node>; unknown: boolean };

/** One side of the comparison: an index of output keys and (lazily) what directories hold. */
interface Side {
  outs: Map<string, { node: Node; out: Output }>;
  /** entries directly under `key` (a full repo-relative path) */
  children(key: string, node: Node): Promise<Children>;
  /** the node at any key (an output, or a path inside a directory output), if known */
  lookup(key: string): Promise<Node | undefined>;
  /** true when `key` lies inside a directory output whose manifest cannot be read */
  unknownAt(key: string): Promise<boolean>;
}

const NO_CHILDREN: Children = { items: new Map(), unknown: false };

/** A directory output's manifest, turned into a trie of its sub-directories. */
type DirTrie = Map<string, Map<string, Node>>; // dir relpath ("" = the output) -> child name -> node

function buildTrie(entries: { relpath: string; md5: string }[], hashName: HashName): DirTrie {
  const trie: DirTrie = new Map([["", new Map()]]);
  for (const e of entries) {
    const parts = e.relpath.split("/");
    let dir = "";
    for (let i = 0; i < parts.length - 1; i++) {
      const sub = dir ? `${dir}/${parts[i]}` : parts[i]!;
      if (!trie.has(sub)) {
        trie.get(dir)!.set(parts[i]!, { isdir: true, hashName });
        trie.set(sub, new Map());
      }
      dir = sub;
    }
    trie.get(dir)!.set(parts[parts.length - 1]!, { isdir: false, hash: e.md5, hashName });
  }
  return trie;
}

/** Shared by both kinds of side: children and lookups through per-output tries. */
abstract class TrieSide implements Side {
  readonly outs = new Map<string, { node: Node; out: Output }>();
  private readonly tries = new Map<string, Promise<DirTrie | undefined>>();

  protected abstract loadTrie(outKey: string, node: Node, out: Output): Promise<DirTrie | undefined>;

  private trieOf(outKey: string): Promise<DirTrie | undefined> {
    let t = this.tries.get(outKey);
    if (!t) {
      const o = this.outs.get(outKey)!;
      t = o.node.isdir && o.node.hash ? this.loadTrie(outKey, o.node, o.out) : Promise.resolve(undefined);
      this.tries.set(outKey, t);
    }
    return t;
  }

  /** The output whose directory contains `key` (or is it). */
  private container(key: string): string | undefined {
    let best: string | undefined;
    for (const k of this.outs.keys()) if (isWithin(key, k) && (best === undefined || k.length > best.length)) best = k;
    return best;
  }

  async children(key: string, node: Node): Promise<Children> {
    if (!node.isdir) return NO_CHILDREN;
    const outKey = this.container(key);
    if (outKey === undefined) return NO_CHILDREN;
    const outNode = this.outs.get(outKey)!.node;
    if (!outNode.isdir) return NO_CHILDREN;
    const trie = await this.trieOf(outKey);
    if (!trie) return { items: new Map(), unknown: !!outNode.hash };
    const rel = key === outKey ? "" : key.slice(outKey.length + 1);
    const kids = trie.get(rel);
    if (!kids) return NO_CHILDREN;
    const items = new Map<string, Node>();
    for (const [name, n] of kids) items.set(key ? `${key}/${name}` : name, n);
    return { items, unknown: false };
  }

  async unknownAt(key: string): Promise<boolean> {
    const outKey = this.container(key);
    if (outKey === undefined) return false;
    const node = this.outs.get(outKey)!.node;
    return node.isdir && !!node.hash && !(await this.trieOf(outKey));
  }

  async lookup(key: string): Promise<Node | undefined> {
    const direct = this.outs.get(key);
    if (direct) return direct.node;
    const outKey = this.container(key);
    if (outKey === undefined) return undefined;
    const trie = await this.trieOf(outKey);
    if (!trie) return undefined;
    const rel = key.slice(outKey.length + 1);
    const slash = rel.lastIndexOf("/");
    return trie.get(slash === -1 ? "" : rel.slice(0, slash))?.get(rel.slice(slash + 1));
  }
}

/** The outputs at a git revision; directory contents from manifests (cache, else remote). */
class RevisionSide extends TrieSide {
  constructor(
    private readonly ctx: RepoContext,
    outputs: Output[],
    private readonly remotes: RemoteManifestSource | undefined,
  ) {
    super();
    for (const out of outputs) {
      if (!out.cache) continue;
      this.outs.set(out.path, { node: { isdir: !!out.md5 && isDirOid(out.md5), ...(out.md5 ? { hash: out.md5 } : {}), hashName: out.hashName }, out });
    }
  }

  protected async loadTrie(_key: string, node: Node, out: Output): Promise<DirTrie | undefined> {
    const remote = this.remotes ? [await this.remotes.get(out.remote)] : [];
    const m = await readManifestAnywhere(this.ctx, node.hash!, node.hashName, remote, []);
    return m ? buildTrie(m.entries, node.hashName) : undefined;
  }
}

/** The workspace: every cached output of the workspace's pointer files, hashed from disk. */
class WorkspaceSide extends TrieSide {
  private readonly entries = new Map<string, { relpath: string; md5: string }[]>();

  constructor(private readonly ctx: RepoContext) {
    super();
  }

  async build(outputs: Output[]): Promise<void> {
    for (const out of outputs) {
      if (!out.cache || this.outs.has(out.path)) continue;
      // DVC hashes a workspace output with the hash name its pointer records (md5 when none)
      const hashName: HashName = out.md5 ? out.hashName : "md5";
      const built = await buildOutput(this.ctx, out.path, hashName, { store: false });
      if (!built.exists) continue;
      this.outs.set(out.path, { node: { isdir: built.isDir, ...(built.oid ? { hash: built.oid } : {}), hashName }, out });
      if (built.isDir) this.entries.set(out.path, built.entries ?? []);
    }
  }

  protected async loadTrie(key: string, node: Node): Promise<DirTrie | undefined> {
    return buildTrie(this.entries.get(key) ?? [], node.hashName);
  }
}

type ChangeType = "add" | "delete" | "modify" | "rename" | "unchanged" | "unknown";

interface Change {
  typ: ChangeType;
  key: string;
  newKey?: string;
  old?: Node;
  new?: Node;
}

function hashEq(a: Node | undefined, b: Node | undefined): boolean {
  return (a?.hash ?? "") === (b?.hash ?? "") && (!a?.hash || a.hashName === b?.hashName);
}

/** dvc-data `_diff_entry` with `meta_cmp_key = isdir`. */
function diffEntry(o: Node | undefined, n: Node | undefined): ChangeType {
  if (!o && n) return "add";
  if (o && !n) return "delete";
  if (!o || !n) return "unchanged";
  return o.isdir !== n.isdir || !hashEq(o, n) ? "modify" : "unchanged";
}

/** Key order of dvc-data (tuples of path parts), so renames pair up as DVC pairs them. */
function compareKeys(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareCodePoints(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

async function* walk(old: Side, neu: Side, roots: string[], withUnchanged: boolean): AsyncGenerator<Change> {
  type Todo = { items: [string, Node | undefined, Node | undefined][]; unknown: boolean };
  const todo: Todo[] = [];
  for (const root of roots) todo.push({ items: [[root, await old.lookup(root), await neu.lookup(root)]], unknown: false });
  while (todo.length) {
    const { items, unknown } = todo.shift()!;
    for (const [key, o, n] of items) {
      const typ = unknown ? "unknown" : diffEntry(o, n);
      if (o?.isdir || n?.isdir) {
        // (dvc-data: listing below a directory whose manifest cannot be loaded fails on that side
        // at every level, so everything below it stays "unknown")
        const oc = o ? await old.children(key, o) : { items: new Map<string, Node>(), unknown: await old.unknownAt(key) };
        const nc = n ? await neu.children(key, n) : { items: new Map<string, Node>(), unknown: await neu.unknownAt(key) };
        const keys = new Set([...oc.items.keys(), ...nc.items.keys()]);
        todo.push({ items: [...keys].map((k) => [k, oc.items.get(k), nc.items.get(k)]), unknown: oc.unknown || nc.unknown });
      }
      if (!o && !n) continue;
      if (typ === "unchanged" && !withUnchanged) continue;
      yield { typ, key, ...(o ? { old: o } : {}), ...(n ? { new: n } : {}) };
    }
  }
}

/** dvc-data `_detect_renames`. */
function detectRenames(changes: Change[]): Change[] {
  const out: Change[] = [];
  const added: Change[] = [];
  const deleted: Change[] = [];
  for (const c of changes) {
    if (c.typ === "add") added.push(c);
    else if (c.typ === "delete") deleted.push(c);
    else out.push(c);
  }
  added.sort((a, b) => compareKeys(a.key, b.key));
  deleted.sort((a, b) => compareKeys(a.key, b.key));
  const byHash = new Map<string, Change[]>();
  for (const d of deleted) {
    const h = d.old?.hash ? `${d.old.hashName}:${d.old.hash}` : "";
    const q = byHash.get(h) ?? [];
    q.push(d);
    byHash.set(h, q);
  }
  for (const a of added) {
    const h = a.new?.hash ? `${a.new.hashName}:${a.new.hash}` : "";
    const q = h ? byHash.get(h) : undefined;
    if (q && q.length) {
      const d = q.shift()!;
      out.push({ typ: "rename", key: d.key, newKey: a.key, old: d.old!, new: a.new! });
    } else {
      out.push(a);
    }
  }
  for (const q of byHash.values()) out.push(...q);
  return out;
}

export function emptyDiff(): DiffResult {
  return { added: [], deleted: [], modified: [], renamed: [], "not in cache": [] };
}

function resolveCommit(root: string, rev: string): string {
  if (rev.startsWith("-") || rev.includes("\n")) throw new DvxError("USAGE", `invalid Git revision '${rev}'`);
  const r = git(root, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  if (r.code !== 0) throw new DvxError("NOT_FOUND", `unknown Git revision '${rev}'`, { data: { rev } });
  return r.stdout.trim();
}

/** Roots of the comparison for `targets` on one side; undefined when a target matches nothing there. */
async function targetRoots(ctx: RepoContext, side: Side, outs: Output[], target: string): Promise<string[] | undefined> {
  const colon = /^(.*dvc\.yaml):([^/]+)$/.exec(target);
  if (colon) {
    const file = toRepoRel(ctx.root, colon[1]!);
    const found = outs.filter((o) => o.kind === "lock" && o.declaredIn === file && o.stage === colon[2] && o.cache);
    return found.length ? found.map((o) => o.path) : undefined;
  }
  const rel = toRepoRel(ctx.root, target);
  const byFile = outs.filter((o) => o.declaredIn === rel && o.cache);
  if (byFile.length) return byFile.map((o) => o.path);
  if (side.outs.has(rel) || outs.some((o) => o.path === rel && o.cache)) return [rel];
  const container = outs.find((o) => o.cache && o.path !== "" && isWithin(rel, o.path));
  if (container) return (await side.lookup(rel)) ? [rel] : undefined;
  const inside = outs.filter((o) => o.cache && isWithin(o.path, rel));
  return inside.length ? inside.map((o) => o.path) : undefined;
}

/**
 * Compares `aRev` (default HEAD) with `bRev`, or with the workspace when `bRev` is undefined.
 * Returns `{}` when nothing differs (DVC's `ret if any(ret.values()) else {}`).
 */
export async function diff(ctx: RepoContext, aRev = "HEAD", bRev: string | undefined, opts: DiffOptions = {}): Promise<DiffResult | Record<string, never>> {
  if (ctx.noScm) throw new DvxError("USAGE", "diff needs git: this repository has core.no_scm set", { data: { root: ctx.root } });
  if (git(ctx.root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).code !== 0) {
    if (git(ctx.root, ["rev-parse", "--git-dir"]).code !== 0) throw new DvxError("USAGE", `diff needs git: ${ctx.root} is not in a git repository`);
    return {}; // no commits yet (DVC: scm.no_commits)
  }
  const aSha = resolveCommit(ctx.root, aRev);
  const bSha = bRev === undefined ? undefined : resolveCommit(ctx.root, bRev);
  if (bSha !== undefined && bSha === aSha) return {};
  const remotes = opts.remotes === false ? undefined : new RemoteManifestSource(ctx);
  const reader = new RevisionReader(ctx.root);
  try {
    const aOuts = await reader.outputsAt(aSha);
    const old = new RevisionSide(ctx, aOuts, remotes);
    let bOuts: Output[];
    let neu: Side;
    if (bSha === undefined) {
      bOuts = collectOutputs(ctx.root, loadIgnoreRules(ctx.root));
      const ws = new WorkspaceSide(ctx);
      neu = ws;
      // targets restrict what is hashed in the workspace too
      await ws.build(opts.targets ? bOuts.filter((o) => opts.targets!.some((t) => wantsOutput(ctx, o, t))) : bOuts);
    } else {
      bOuts = await reader.outputsAt(bSha);
      neu = new RevisionSide(ctx, bOuts, remotes);
    }
    let roots: string[];
    if (opts.targets) {
      const set = new Set<string>();
      for (const t of opts.targets) {
        const a = await targetRoots(ctx, old, aOuts, t);
        const b = await targetRoots(ctx, neu, bOuts, t);
        if (!a && !b) {
          throw new DvxError("NOT_FOUND", `${toRepoRel(ctx.root, t.replace(/:[^/]+$/, "")) || "."}: no such tracked file or directory in ${aRev} or ${bRev ?? "the workspace"}`, {
            data: { target: t },
          });
        }
        for (const r of [...(a ?? []), ...(b ?? [])]) set.add(r);
      }
      roots = [...set];
    } else {
      roots = [...new Set([...old.outs.keys(), ...neu.outs.keys()])];
    }
    roots.sort(compareKeys);
    const withMissing = bSha === undefined;
    const changes: Change[] = [];
    for await (const c of walk(old, neu, roots, withMissing)) changes.push(c);
    const ret = emptyDiff();
    const show = (key: string, n: Node | undefined) => (n?.isdir ? `${key}/` : key);
    const hash = (n: Node | undefined) => n?.hash ?? null;
    for (const c of detectRenames(changes)) {
      if ((c.old?.isdir && !c.old.hash) || (c.new?.isdir && !c.new.hash)) continue;
      if (c.typ === "add") ret.added.push({ path: show(c.key, c.new), hash: hash(c.new) });
      else if (c.typ === "delete") ret.deleted.push({ path: show(c.key, c.old), hash: hash(c.old) });
      else if (c.typ === "modify") ret.modified.push({ path: show(c.key, c.old), hash: { old: hash(c.old), new: hash(c.new) } });
      else if (c.typ === "rename") ret.renamed.push({ path: { old: show(c.key, c.old), new: show(c.newKey!, c.new) }, hash: hash(c.old) });
      if (withMissing && c.old?.hash && !(await ctx.cache.exists(c.old.hash, c.old.hashName))) {
        ret["not in cache"].push({ path: show(c.key, c.old), hash: c.old.hash });
      }
    }
    const byPath = (p: string | { old: string }) => (typeof p === "string" ? p : p.old);
    for (const list of Object.values(ret) as { path: string | { old: string } }[][]) list.sort((x, y) => compareCodePoints(byPath(x.path), byPath(y.path)));
    return Object.values(ret).some((l) => l.length) ? ret : {};
  } finally {
    reader.close();
    await remotes?.close();
  }
}

function wantsOutput(ctx: RepoContext, out: Output, target: string): boolean {
  const colon = /^(.*dvc\.yaml):([^/]+)$/.exec(target);
  if (colon) return out.kind === "lock" && out.declaredIn === toRepoRel(ctx.root, colon[1]!) && out.stage === colon[2];
  const rel = toRepoRel(ctx.root, path.resolve(target));
  return out.declaredIn === rel || isWithin(rel, out.path) || isWithin(out.path, rel);
}
