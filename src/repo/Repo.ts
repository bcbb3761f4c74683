/**
 * The library's entry point: `Repo.open()` / `Repo.init()`, then the data operations. Every
 * operation takes targets as paths relative to `cwd` (default: process.cwd()), reports progress
 * through `onProgress`, honours an AbortSignal, and throws `DvxError`s.
 */
import * as path from "node:path";
import { DvxError } from "../errors.js";
import type { HashBackend } from "../hash/md5.js";
import type { ProgressCallback } from "../progress.js";
import type { AddedOutput } from "./add.js";
import type { CheckoutResult } from "./checkout.js";
import type { CommitResult } from "./commit.js";
import { openContext, type RepoContext } from "./context.js";
import { loadIgnoreRules } from "./ignore.js";
import { initRepo, type InitOptions } from "./init.js";
import { collectOutputs, type Output } from "./outputs.js";
import { findRepoRoot } from "./root.js";
import { status, type StatusResult } from "./status.js";
import type { DataStatusOptions, DataStatusResult } from "./dataStatus.js";
import type { ConfigLevel, ConfigValue } from "./config.js";
import { remoteAdd, remoteDefault, remoteModify, remoteRemove } from "./remotes.js";
import { getConfig, listConfig, listRemotes, setConfig, unsetConfig, type RemoteInfo } from "./settings.js";
import type { CloudStatus, SyncOptions, SyncResult } from "./sync.js";
import { selectOutputs, type Selected } from "./targets.js";
import type { DiffOptions, DiffResult } from "./diff.js";
import type { GcOptions, GcPlan, GcResult } from "./gc.js";
import type { LsCacheOptions, LsCacheResult } from "./lsCache.js";
import { scopeHasRevisions, type RevisionScope } from "./revisionScope.js";
import type { StampOptions, StampRecord } from "../stamp/types.js";
import type { VerifyReport } from "../cache/localCache.js";

export interface OpenOptions {
  /** hash backend: "node" (node:crypto, default) or "wasm" (hash-wasm) */
  backend?: HashBackend;
  onProgress?: ProgressCallback;
  /** cancels every operation of this Repo that is not given its own `signal` */
  signal?: AbortSignal;
}

export interface OpOptions {
  /** directory the targets are relative to (default process.cwd()) */
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export class Repo {
  readonly root: string;
  private readonly opts: OpenOptions;
  private ctxCache: RepoContext | undefined;

  private constructor(root: string, opts: OpenOptions) {
    this.root = root;
    this.opts = opts;
  }

  /** Opens the repository containing `dir` (walking up to the directory holding `.dvc/`). */
  static open(dir: string = process.cwd(), opts: OpenOptions = {}): Repo {
    return new Repo(findRepoRoot(dir), opts);
  }

  /** Creates `.dvc/` like `dvc init` and opens the new repository. */
  static init(dir: string = process.cwd(), opts: InitOptions & OpenOptions = {}): Repo {
    return new Repo(initRepo(dir, opts), opts);
  }

  /** The operation context; progress and signal are per call. */
  protected ctx(op: OpOptions = {}): RepoContext {
    this.ctxCache ??= openContext(this.root, { backend: this.opts.backend });
    const onProgress = op.onProgress ?? this.opts.onProgress ?? (() => {});
    return { ...this.ctxCache, onProgress, signal: op.signal ?? this.opts.signal };
  }

  get config() {
    return this.ctx().config;
  }

  private abs(targets: string[] | undefined, cwd: string | undefined): string[] | undefined {
    return targets?.map((t) => path.resolve(cwd ?? process.cwd(), t));
  }

  /** All outputs of `.dvc` files and `dvc.yaml`/`dvc.lock` stages. */
  outputs(): Output[] {
    return collectOutputs(this.root, loadIgnoreRules(this.root));
  }

  private async locked<T>(command: string, fn: () => Promise<T>): Promise<T> {
    const { RepoLock } = await import("./repoLock.js");
    const lock = RepoLock.acquire(this.ctx().tmpDir, command);
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  async add(targets: string[], opts: OpOptions & { noCommit?: boolean } = {}): Promise<AddedOutput[]> {
    if (!targets.length) throw new DvxError("USAGE", "add: at least one target is required");
    const { add } = await import("./add.js");
    return this.locked("add", () => add(this.ctx(opts), this.abs(targets, opts.cwd)!, opts));
  }

  async status(targets?: string[], opts: OpOptions = {}): Promise<StatusResult> {
    const ctx = this.ctx(opts);
    const selected = selectOutputs(this.root, this.outputs(), this.abs(targets, opts.cwd));
    return status(ctx, selected.map((s) => s.out), opts.cwd ?? process.cwd());
  }

  async checkout(targets?: string[], opts: OpOptions & { force?: boolean; relink?: boolean } = {}): Promise<CheckoutResult> {
    const { checkoutOutput, emptyCheckoutResult } = await import("./checkout.js");
    return this.locked("checkout", async () => {
      const ctx = this.ctx(opts);
      const result = emptyCheckoutResult();
      for (const s of selectOutputs(this.root, this.outputs(), this.abs(targets, opts.cwd))) {
        await checkoutOutput(ctx, s.out, opts, result, s.only);
      }
      return result;
    });
  }

  async commit(targets?: string[], opts: OpOptions & { force?: boolean } = {}): Promise<CommitResult> {
    const { commit } = await import("./commit.js");
    return this.locked("commit", async () => {
      const selected = selectOutputs(this.root, this.outputs(), this.abs(targets, opts.cwd));
      return commit(this.ctx(opts), selected.filter((s) => s.only === undefined).map((s) => s.out));
    });
  }

  async remove(targets: string[], opts: OpOptions & { outs?: boolean } = {}): Promise<string[]> {
    const { remove } = await import("./remove.js");
    return this.locked("remove", async () => remove(this.ctx(opts), this.abs(targets, opts.cwd)!, opts));
  }

  /** Uploads the selected outputs' objects from the cache to their remote. */
  async push(targets?: string[], opts: OpOptions & SyncOptions & RevisionScope = {}): Promise<SyncResult> {
    const { transfer } = await import("./sync.js");
    const selected = await this.selectForSync(targets, opts);
    return transfer(this.ctx(opts), selected, "push", opts);
  }

  /** Downloads the selected outputs' objects into the cache (verified before they enter it). */
  async fetch(targets?: string[], opts: OpOptions & SyncOptions & RevisionScope = {}): Promise<SyncResult> {
    const { transfer } = await import("./sync.js");
    return this.locked("fetch", async () => {
      const selected = await this.selectForSync(targets, opts);
      return transfer(this.ctx(opts), selected, "fetch", opts);
    });
  }

  /** fetch + checkout of the same targets. */
  async pull(targets?: string[], opts: OpOptions & SyncOptions & RevisionScope & { force?: boolean } = {}): Promise<{ fetch: SyncResult; checkout: CheckoutResult }> {
    const [{ transfer }, { checkoutOutput, emptyCheckoutResult }] = await Promise.all([import("./sync.js"), import("./checkout.js")]);
    return this.locked("pull", async () => {
      const ctx = this.ctx(opts);
      // with revisions (-a/-T/-A/--rev) their objects are fetched too; only the workspace is checked out
      const toFetch = scopeHasRevisions(opts) ? await this.selectForSync(targets, opts) : undefined;
      const selected = toFetch ? this.selectWorkspaceLenient(targets, opts.cwd) : selectOutputs(this.root, this.outputs(), this.abs(targets, opts.cwd));
      const fetched = await transfer(ctx, toFetch ?? selected, "fetch", opts);
      const result = emptyCheckoutResult();
      for (const s of selected) await checkoutOutput(ctx, s.out, { force: opts.force }, result, s.only);
      return { fetch: fetched, checkout: result };
    });
  }

  /** What the remote lacks (`new`), has only itself (`deleted`), or nobody has (`missing`). */
  async cloudStatus(targets?: string[], opts: OpOptions & SyncOptions = {}): Promise<{ status: CloudStatus; remotes: string[] }> {
    const { cloudStatus } = await import("./sync.js");
    const selected = selectOutputs(this.root, this.outputs(), this.abs(targets, opts.cwd));
    return cloudStatus(this.ctx(opts), selected, opts);
  }

  /**
   * DVC 3's `dvc data status`: changes between the last git commit and the pointer files
   * (`committed`), between the pointer files and the workspace (`uncommitted`), objects missing
   * from the cache or (with `notInRemote`) the remote, unchanged and git-untracked files.
   */
  async dataStatus(targets?: string[], opts: OpOptions & DataStatusOptions = {}): Promise<DataStatusResult> {
    const { dataStatus } = await import("./dataStatus.js");
    return dataStatus(this.ctx(opts), this.outputs(), this.abs(targets, opts.cwd), opts.cwd ?? process.cwd(), opts);
  }

  /** The configured remotes (all config levels merged), with their kind and which one is the default. */
  remotes(): RemoteInfo[] {
    return listRemotes(this.config);
  }

  /** `dvc remote add [-d] [-f]`; a local path is stored relative to the config file, like DVC. */
  addRemote(name: string, url: string, opts: { default?: boolean; force?: boolean; level?: ConfigLevel; cwd?: string } = {}): void {
    remoteAdd(this.config, opts.level ?? "repo", name, url, { isDefault: opts.default, force: opts.force, cwd: opts.cwd ?? process.cwd() });
  }

  /** `dvc remote modify NAME OPTION VALUE`, or `--unset` when `value` is undefined. Returns a warning for secrets written to .dvc/config. */
  modifyRemote(name: string, option: string, value: string | undefined, opts: { level?: ConfigLevel; cwd?: string } = {}): { warning?: string } {
    return remoteModify(this.config, opts.level ?? "repo", name, option, value, { unset: value === undefined, cwd: opts.cwd ?? process.cwd() });
  }

  /** `dvc remote remove NAME` (also clears core.remote when it named it). */
  removeRemote(name: string, opts: { level?: ConfigLevel } = {}): void {
    remoteRemove(this.config, opts.level ?? "repo", name);
  }

  /** `dvc remote default NAME`, or `--unset` with undefined. */
  setDefaultRemote(name: string | undefined, opts: { level?: ConfigLevel } = {}): void {
    remoteDefault(this.config, opts.level ?? "repo", name, { unset: name === undefined });
  }

  /** `dvc config KEY`: `core.remote`, `cache.type`, `remote.NAME.url`...; merged over levels unless one is given. */
  getConfig(key: string, opts: { level?: ConfigLevel } = {}): ConfigValue | undefined {
    return getConfig(this.config, key, opts.level);
  }

  /** `dvc config KEY VALUE` (validated against DVC's schema). */
  setConfig(key: string, value: ConfigValue, opts: { level?: ConfigLevel; cwd?: string } = {}): void {
    setConfig(this.config, key, value, opts.level ?? "repo", opts.cwd ?? process.cwd());
  }

  /** `dvc config --unset KEY`. */
  unsetConfig(key: string, opts: { level?: ConfigLevel } = {}): void {
    unsetConfig(this.config, key, opts.level ?? "repo");
  }

  /** `dvc config --list`: `key -> value`, merged over levels unless one is given. */
  listConfig(opts: { level?: ConfigLevel } = {}): Record<string, string> {
    return listConfig(this.config, opts.level);
  }

  /** Outputs for push/fetch: the workspace's, plus those of the git revisions a scope names. */
  private async selectForSync(targets: string[] | undefined, opts: OpOptions & RevisionScope): Promise<Selected[]> {
    const abs = this.abs(targets, opts.cwd);
    if (!scopeHasRevisions(opts)) return selectOutputs(this.root, this.outputs(), abs);
    const { selectInScope } = await import("./usedObjects.js");
    return selectInScope(this.ctx(opts), abs, opts);
  }

  private selectWorkspaceLenient(targets: string[] | undefined, cwd: string | undefined): Selected[] {
    try {
      return selectOutputs(this.root, this.outputs(), this.abs(targets, cwd));
    } catch (e) {
      if ((e as DvxError).code === "NOT_FOUND") return [];
      throw e;
    }
  }

  /**
   * `dvc gc`: deletes cache objects (and with `cloud`, objects of one remote) that no output of the
   * workspace and the selected revisions uses (gc.ts has the safety rules). Nothing is deleted
   * unless `force` is set or `confirm` (called with the plan) returns true; `dry` only plans.
   */
  async gc(opts: OpOptions & GcOptions & { dry?: boolean; force?: boolean; confirm?: (plan: GcPlan) => boolean | Promise<boolean> } = {}): Promise<GcResult> {
    const { executeGc, planGc } = await import("./gc.js");
    return this.locked("gc", async () => {
      const ctx = this.ctx(opts);
      const plan = await planGc(ctx, opts);
      const none = { removedLocal: 0, removedRemote: 0, bytesLocal: 0, bytesRemote: 0 };
      if (opts.dry) return { plan, executed: false, ...none };
      if (!opts.force) {
        if (!opts.confirm) throw new DvxError("USAGE", "gc: refusing to delete without confirmation: pass force: true or a confirm callback");
        if (!(await opts.confirm(plan))) return { plan, executed: false, ...none };
      }
      return { plan, executed: true, ...(await executeGc(ctx, plan, opts)) };
    });
  }

  /** `dvc diff`: changes between `aRev` (default HEAD) and `bRev`, or the workspace; `{}` when none. */
  async diff(aRev?: string, bRev?: string, opts: OpOptions & { targets?: string[] } & Omit<DiffOptions, "targets"> = {}): Promise<DiffResult | Record<string, never>> {
    const { diff } = await import("./diff.js");
    return diff(this.ctx(opts), aRev ?? "HEAD", bRev, { ...opts, ...(opts.targets ? { targets: this.abs(opts.targets, opts.cwd)! } : {}) });
  }

  /** Which objects of the scope's outputs the cache (and a remote) hold. */
  async lsCache(targets?: string[], opts: OpOptions & Omit<LsCacheOptions, "targets"> = {}): Promise<LsCacheResult> {
    const { lsCache } = await import("./lsCache.js");
    return lsCache(this.ctx(opts), { ...opts, ...(targets?.length ? { targets: this.abs(targets, opts.cwd)! } : {}) });
  }

  /**
   * The reproducibility record (docs/stamp.md): the tracked outputs (all, or those `targets`
   * select) as their pointer files state them with cache/remote presence, git commit and dirty
   * paths, environment and seeds. Reads no data; `verifyStamp()` compares a record with the repo.
   */
  async stamp(targets?: string[], opts: OpOptions & StampOptions = {}): Promise<StampRecord> {
    const { collectStamp } = await import("../stamp/collect.js");
    return collectStamp(this.ctx(opts), this.outputs(), this.abs(targets, opts.cwd), opts);
  }

  /**
   * `dvx cache verify`: re-hashes every object of the cache (both layouts), trusted or not, and
   * reports those whose content no longer matches their name (and unreadable ones); with
   * `quarantine` they are moved to `<cache>/.dvx-quarantine/` so nothing checks them out or pushes
   * them. Takes the repository lock (it may move objects).
   */
  async verifyCache(opts: OpOptions & { quarantine?: boolean; jobs?: number } = {}): Promise<VerifyReport> {
    return this.locked("cache verify", async () => {
      const ctx = this.ctx(opts);
      const { HashPool } = await import("../hash/pool.js");
      const pool = opts.jobs === 1 ? undefined : new HashPool({ ...(opts.jobs ? { size: opts.jobs } : {}), backend: ctx.backend });
      try {
        return await ctx.cache.verifyAll({ onProgress: ctx.onProgress, quarantine: !!opts.quarantine, ...(pool ? { pool } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      } finally {
        await pool?.close();
      }
    });
  }

  /** Files read and hashed so far by this Repo (state hits excluded). */
  get hashedCount(): number {
    return this.ctxCache?.stats.hashed ?? 0;
  }

  /** Releases the state database. */
  close(): void {
    this.ctxCache?.state.close();
    this.ctxCache = undefined;
  }
}
