/**
 * `dvx checkout`: make the workspace match the outputs' recorded hashes, from the cache.
 * Plan first (what to write, what to delete, what would lose local changes), then apply, so a
 * conflict without --force writes nothing. Untracked files outside outputs are never touched.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hashFiles } from "../cache/ingest.js";
import { isSiblingTmp } from "../cache/linkFile.js";
import { runPool } from "../transfer/pool.js";
import { DvxError } from "../errors.js";
import type { ManifestEntry } from "../formats/dirManifest.js";
import type { HashName } from "../odb/oid.js";
import { loadManifest } from "./buildOutput.js";
import type { RepoContext } from "./context.js";
import { loadIgnoreRules } from "./ignore.js";
import { WorkspaceGuard } from "./insideWorkspace.js";
import type { Output } from "./outputs.js";
import { recordPlaced, type PlacedFile } from "./recordPlaced.js";
import type { SavedOutput } from "./saveOutput.js";
import { statFollow, statOf, walkDir, type WalkedFile } from "./walk.js";

export interface CheckoutOptions {
  force?: boolean;
  relink?: boolean;
}

export interface CheckoutResult {
  /** outputs, as DVC lists them (`A`/`M`/`D` lines) */
  added: string[];
  modified: string[];
  deleted: string[];
  failed: { path: string; reason: string }[];
  /** files written new, overwritten and deleted: what `dvc checkout --summary` counts */
  stats: { modified: number; added: number; deleted: number };
}

export function emptyCheckoutResult(): CheckoutResult {
  return { added: [], modified: [], deleted: [], failed: [], stats: { modified: 0, added: 0, deleted: 0 } };
}

interface Write {
  rel: string; // repo-relative
  oid: string;
  isexec?: boolean;
  existed: boolean;
  /** --relink of a file whose content already matches: re-placed, but no change to report */
  same?: boolean;
}

interface Plan {
  writes: Write[];
  deletes: string[]; // repo-relative files to delete
  /** a file standing where a directory output goes, or a directory where a file goes */
  clear?: string;
  conflicts: string[];
  missing: string[];
  /** wanted objects found corrupt in the cache (spec 7.3 check: deleted, like DVC) */
  corrupt: string[];
  unchanged: number;
  /** how many of `deletes` are temp files of an interrupted checkout (not counted as deletions) */
  junk: number;
}

function posixJoin(a: string, b: string): string {
  return a ? `${a}/${b}` : b;
}

async function inCache(ctx: RepoContext, oid: string, hashName: HashName): Promise<boolean> {
  return ctx.cache.exists(oid, hashName);
}

/**
 * Is the object to check out usable? Spec 7.3, as DVC decides to verify: a 0444 object is trusted,
 * any other is re-hashed first, and one whose content no longer matches its name is deleted and
 * reported, never placed in the workspace.
 */
async function wantedObject(ctx: RepoContext, oid: string, hashName: HashName, rel: string, plan: Plan): Promise<void> {
  const c = await ctx.cache.check(oid, hashName);
  if (c === "missing") plan.missing.push(rel);
  else if (c === "corrupt") plan.corrupt.push(rel);
}

async function planFile(ctx: RepoContext, out: Output, opts: CheckoutOptions): Promise<Plan> {
  const plan: Plan = { writes: [], deletes: [], conflicts: [], missing: [], corrupt: [], unchanged: 0, junk: 0 };
  const abs = path.join(ctx.root, out.path);
  const st = statFollow(abs);
  let same = false;
  if (st?.isFile()) {
    const [h] = await hashFiles([{ absPath: abs, stat: statOf(st) }], { state: ctx.state, hashName: out.hashName, backend: ctx.backend, onHashed: () => void ctx.stats.hashed++ });
    if (h!.md5 === out.md5) {
      const execOk = !out.isexec || (Number(st.mode) & 0o100) !== 0;
      if (execOk) {
        plan.unchanged++;
        if (!opts.relink) return plan;
        same = true;
      }
    } else if (!opts.force && !(await inCache(ctx, h!.md5, out.hashName))) {
      plan.conflicts.push(out.path);
    }
  } else if (st?.isDirectory()) {
    if (!opts.force) plan.conflicts.push(out.path);
    plan.clear = out.path;
  }
  await wantedObject(ctx, out.md5!, out.hashName, out.path, plan);
  plan.writes.push({ rel: out.path, oid: out.md5!, isexec: out.isexec, existed: !!st, same });
  return plan;
}

async function planDir(ctx: RepoContext, out: Output, manifest: ManifestEntry[], opts: CheckoutOptions, only?: string): Promise<Plan> {
  const plan: Plan = { writes: [], deletes: [], conflicts: [], missing: [], corrupt: [], unchanged: 0, junk: 0 };
  const abs = path.join(ctx.root, out.path);
  const st = statFollow(abs);
  let wsFiles: WalkedFile[] = [];
  if (st?.isDirectory()) {
    wsFiles = walkDir(abs, out.path, loadIgnoreRules(ctx.root, [out.path]));
  } else if (st) {
    if (!opts.force) plan.conflicts.push(out.path);
    plan.clear = out.path;
  }
  const within = (rel: string) => only === undefined || rel === only || rel.startsWith(only + "/");
  wsFiles = wsFiles.filter((f) => within(f.rel));
  // Temp files of an interrupted checkout (killed while placing a file) are deleted, not hashed
  // and never a conflict: they are ours and partial.
  const junk = wsFiles.filter((f) => isSiblingTmp(path.posix.basename(f.rel)));
  if (junk.length) {
    wsFiles = wsFiles.filter((f) => !isSiblingTmp(path.posix.basename(f.rel)));
    for (const f of junk) plan.deletes.push(posixJoin(out.path, f.rel));
    plan.junk = junk.length;
  }
  const hashes = await hashFiles(
    wsFiles.map((f) => ({ absPath: f.abs, stat: f.stat })),
    { state: ctx.state, hashName: out.hashName, backend: ctx.backend, onHashed: () => void ctx.stats.hashed++ },
  );
  const ws = new Map<string, string>();
  wsFiles.forEach((f, i) => ws.set(f.rel, hashes[i]!.md5));
  const wanted = new Set<string>();
  for (const e of manifest) {
    if (!within(e.relpath)) continue;
    wanted.add(e.relpath);
    const cur = ws.get(e.relpath);
    if (cur === e.md5) {
      plan.unchanged++;
      if (!opts.relink) continue;
    }
    if (cur !== undefined && cur !== e.md5 && !opts.force && !(await inCache(ctx, cur, out.hashName))) {
      plan.conflicts.push(posixJoin(out.path, e.relpath));
    }
    await wantedObject(ctx, e.md5, out.hashName, posixJoin(out.path, e.relpath), plan);
    plan.writes.push({ rel: posixJoin(out.path, e.relpath), oid: e.md5, existed: cur !== undefined, same: cur === e.md5 });
  }
  for (const [rel, md5] of ws) {
    if (wanted.has(rel)) continue;
    if (!opts.force && !(await inCache(ctx, md5, out.hashName))) plan.conflicts.push(posixJoin(out.path, rel));
    plan.deletes.push(posixJoin(out.path, rel));
  }
  return plan;
}

/** Files placed concurrently by checkout (see applyPlan). */
const CHECKOUT_JOBS = 16;

async function applyPlan(ctx: RepoContext, out: Output, plan: Plan, result: CheckoutResult): Promise<void> {
  if (plan.clear) fs.rmSync(path.join(ctx.root, plan.clear), { recursive: true, force: true });
  for (const rel of plan.deletes) fs.rmSync(path.join(ctx.root, rel), { force: true });
  result.stats.deleted += plan.deletes.length - plan.junk;
  const dirs = new Set<string>();
  let done = 0;
  let bytes = 0;
  ctx.onProgress({ type: "start", phase: "checkout", total: { files: plan.writes.length, bytes: 0 } });
  const started = Date.now();
  // Files are placed CHECKOUT_JOBS at a time: each is a few thread-pool round trips (copy,
  // chmod, rename), so one at a time leaves the disk and both cores mostly idle.
  const placed: PlacedFile[] = [];
  let lastWriteAt = 0;
  await runPool(plan.writes, CHECKOUT_JOBS, async (w) => {
    const abs = path.join(ctx.root, w.rel);
    const dir = path.dirname(abs);
    if (!dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    await ctx.cache.checkoutFile(w.oid, out.hashName, abs, { isexec: w.isexec, parentExists: true });
    if (!out.md5?.endsWith(".dir")) removeStaleTmps(abs);
    placed.push({ abs, oid: w.oid });
    if (!w.same) {
      if (w.existed) result.stats.modified++;
      else result.stats.added++;
    }
    lastWriteAt = Date.now();
    done++;
    ctx.onProgress({ type: "item", phase: "checkout", path: w.rel, oid: w.oid, bytes: 0, done: { files: done, bytes } });
  }, ctx.signal);
  if (ctx.signal?.aborted) throw new DvxError("ABORTED", "checkout aborted");
  await recordPlaced(ctx, placed, out.hashName, lastWriteAt);
  ctx.onProgress({ type: "end", phase: "checkout", done: { files: done, bytes }, failed: 0, elapsedMs: Date.now() - started });
  // re-placed by --relink with the content unchanged: not a change to report (DVC's neither)
  const changed = plan.writes.filter((w) => !w.same);
  if (out.hashName && changed.length) {
    const isDirOut = out.md5?.endsWith(".dir");
    if (isDirOut) {
      // directory outputs report at the output level, like DVC (dvc/repo/checkout.py
      // _build_out_changes): files restored into a directory that kept others make it "modified"
      if (changed.some((w) => w.existed) || plan.deletes.length || plan.clear || plan.unchanged > 0) result.modified.push(out.path);
      else result.added.push(out.path);
    } else if (changed[0]!.existed) result.modified.push(out.path);
    else result.added.push(out.path);
  } else if (plan.deletes.length) {
    result.modified.push(out.path);
  }
}

/** Deletes temp files of an interrupted checkout of this file output (`.<name>.<random>.tmp`). */
function removeStaleTmps(abs: string): void {
  const name = path.basename(abs);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(abs));
  } catch {
    return;
  }
  for (const n of names) if (isSiblingTmp(n, name)) fs.rmSync(path.join(path.dirname(abs), n), { force: true });
}

/**
 * Checks out one output, or one path inside a directory output (`only`, relative to it).
 * Missing cache objects are reported in `result.failed`; conflicts throw (nothing written).
 */
export async function checkoutOutput(ctx: RepoContext, out: Output, opts: CheckoutOptions, result: CheckoutResult, only?: string): Promise<void> {
  if (!out.cache) return;
  if (!out.md5) {
    result.failed.push({ path: out.path, reason: "no hash recorded (never committed)" });
    return;
  }
  // Nothing is read from or written to a place a symlink leads to outside the workspace.
  const guard = new WorkspaceGuard(ctx.root);
  if (out.md5.endsWith(".dir")) guard.checkDir(out.path, out.declaredIn);
  else guard.check(out.path, out.declaredIn);
  let plan: Plan;
  if (out.md5.endsWith(".dir")) {
    const manifest = await loadManifest(ctx, out.md5, out.hashName);
    if (!manifest) {
      result.failed.push({ path: out.path, reason: "directory manifest not in cache" });
      return;
    }
    if (only !== undefined && !manifest.some((e) => e.relpath === only || e.relpath.startsWith(only + "/"))) {
      throw new DvxError("NOT_FOUND", `${out.path}/${only}: not part of output '${out.path}'`, { data: { path: `${out.path}/${only}` } });
    }
    plan = await planDir(ctx, out, manifest, opts, only);
  } else {
    plan = await planFile(ctx, out, opts);
  }
  if (plan.conflicts.length) {
    throw new DvxError("CHECKOUT_CONFLICT", `${plan.conflicts[0]}: has local changes that are not in the cache and would be lost${plan.conflicts.length > 1 ? ` (and ${plan.conflicts.length - 1} more)` : ""}; use --force to discard them`, {
      data: { paths: plan.conflicts },
    });
  }
  if (plan.clear) guard.check(plan.clear, out.declaredIn);
  for (const rel of plan.deletes) guard.check(rel, out.declaredIn);
  for (const w of plan.writes) guard.check(w.rel, out.declaredIn);
  if (plan.missing.length || plan.corrupt.length) {
    for (const p of plan.missing) result.failed.push({ path: p, reason: "not in cache" });
    for (const p of plan.corrupt) result.failed.push({ path: p, reason: "cache object corrupt (its content does not match its hash; removed)" });
    const missing = new Set([...plan.missing, ...plan.corrupt]);
    plan.writes = plan.writes.filter((w) => !missing.has(w.rel));
  }
  await applyPlan(ctx, out, plan, result);
}

/**
 * After `add`/`commit` with a link type that changes the workspace file (hardlink, symlink),
 * replace workspace files by links into the cache. With reflink/copy nothing visible changes.
 */
export async function relinkOutput(ctx: RepoContext, rel: string, saved: SavedOutput): Promise<void> {
  if (!ctx.cache.linksWorkspaceFiles) return;
  if (!saved.built.isDir) {
    await ctx.cache.checkoutFile(saved.md5, saved.hashName, path.join(ctx.root, rel), { isexec: saved.isexec });
    return;
  }
  for (const e of saved.built.entries ?? []) {
    await ctx.cache.checkoutFile(e.md5, saved.hashName, path.join(ctx.root, rel, e.relpath), {});
  }
}
