/**
 * push, fetch, pull and cloud status: turn selected outputs into transfer requests per remote
 * (spec 8.2: `cache: false` skipped, `push: false` skipped on push, per-output `remote:`), open
 * each remote once, and run the transfer engine.
 */
import { DvxError } from "../errors.js";
import { loadManifest } from "./buildOutput.js";
import { loadRemoteManifest } from "../transfer/manifests.js";
import type { RepoContext } from "./context.js";
import type { Output } from "./outputs.js";
import type { Selected } from "./targets.js";
import type { RemoteStatus, TransferRequest, TransferResult } from "../transfer/index.js";

export interface SyncOptions {
  remote?: string;
  jobs?: number;
}

export interface SyncResult extends TransferResult {
  remotes: string[];
}

interface Batch {
  remote: string;
  request: TransferRequest;
  outs: Selected[];
}

function plan(ctx: RepoContext, selected: Selected[], op: "push" | "fetch", opts: SyncOptions): Batch[] {
  const byRemote = new Map<string, Batch>();
  const fallback = opts.remote ?? ctx.config.defaultRemote();
  for (const s of selected) {
    const out = s.out;
    if (!out.cache) continue;
    if (op === "push" && !out.push) continue;
    if (!out.md5) continue; // never committed: nothing to transfer (DVC warns)
    if (opts.remote && out.remote && out.remote.toLowerCase() !== opts.remote.toLowerCase()) continue;
    const remote = (out.remote ?? fallback)?.toLowerCase();
    if (!remote) {
      throw new DvxError("CONFIG_ERROR", "no remote given and no default remote set", { hint: "use '-r NAME' or 'dvx remote add -d NAME URL'" });
    }
    let b = byRemote.get(remote);
    if (!b) byRemote.set(remote, (b = { remote, request: { files: [], dirs: [] }, outs: [] }));
    b.outs.push(s);
    if (out.md5.endsWith(".dir")) {
      const existing = b.request.dirs.find((d) => d.oid === out.md5 && d.hashName === out.hashName);
      if (s.only === undefined) {
        if (existing) delete existing.only;
        else b.request.dirs.push({ oid: out.md5, hashName: out.hashName });
      } else if (existing) {
        existing.only?.add(s.only);
      } else {
        b.request.dirs.push({ oid: out.md5, hashName: out.hashName, only: new Set([s.only]) });
      }
    } else {
      b.request.files.push({ oid: out.md5, hashName: out.hashName });
    }
  }
  return [...byRemote.values()];
}

async function withStorage<T>(ctx: RepoContext, name: string, jobs: number | undefined, fn: (storage: import("../storage/storage.js").Storage, jobs: number) => Promise<T>): Promise<T> {
  const spec = ctx.config.remote(name);
  const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
  const j = resolveJobs(spec, jobs);
  const storage = await openStorage(spec, { jobs: j });
  try {
    return await fn(storage, j);
  } finally {
    await storage.close();
  }
}

function merge(into: SyncResult, r: TransferResult, remote: string): void {
  into.transferred += r.transferred;
  into.bytes += r.bytes;
  into.skipped += r.skipped;
  into.failed.push(...r.failed);
  into.missing.push(...r.missing);
  into.remotes.push(remote);
}

export async function transfer(ctx: RepoContext, selected: Selected[], op: "push" | "fetch", opts: SyncOptions): Promise<SyncResult> {
  const result: SyncResult = { transferred: 0, bytes: 0, skipped: 0, failed: [], missing: [], remotes: [] };
  const engine = await import("../transfer/index.js");
  for (const batch of plan(ctx, selected, op, opts)) {
    const r = await withStorage(ctx, batch.remote, opts.jobs, (storage, jobs) =>
      (op === "push" ? engine.push : engine.fetch)(batch.request, { cache: ctx.cache, remote: storage, jobs, onProgress: ctx.onProgress, signal: ctx.signal }),
    );
    merge(result, r, batch.remote);
  }
  return result;
}

export type CloudStatus = Record<string, Exclude<RemoteStatus, "ok">>;

/** `status -c`: display name (output path, or `out/relpath` inside directories) → new/deleted/missing. */
export async function cloudStatus(ctx: RepoContext, selected: Selected[], opts: SyncOptions): Promise<{ status: CloudStatus; remotes: string[] }> {
  const status: CloudStatus = {};
  const remotes: string[] = [];
  const engine = await import("../transfer/index.js");
  for (const batch of plan(ctx, selected, "push", opts)) {
    remotes.push(batch.remote);
    const map = await withStorage(ctx, batch.remote, opts.jobs, (storage, jobs) => engine.remoteStatus(batch.request, { cache: ctx.cache, remote: storage, jobs, signal: ctx.signal }));
    for (const s of batch.outs) {
      const out: Output = s.out;
      const own = engine.lookupRemoteStatus(map, out.md5!, out.hashName);
      if (own && own !== "ok") status[out.path] = own;
      if (out.md5!.endsWith(".dir")) {
        // A fresh clone has no manifests yet: read (and verify) the remote's copy instead.
        const manifest =
          (await loadManifest(ctx, out.md5!, out.hashName)) ??
          (await withStorage(ctx, batch.remote, opts.jobs, async (storage) => (await loadRemoteManifest(storage, out.md5!, out.hashName))?.entries));
        for (const e of manifest ?? []) {
          if (s.only !== undefined && e.relpath !== s.only && !e.relpath.startsWith(s.only + "/")) continue;
          const st = engine.lookupRemoteStatus(map, e.md5, out.hashName);
          if (st && st !== "ok") status[`${out.path}/${e.relpath}`] = st;
        }
      }
    }
  }
  return { status, remotes };
}
