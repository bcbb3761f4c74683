/**
 * `dvx stamp`: builds the reproducibility record of the repository as it is. Fast by design: data
 * is recorded as the pointer files (`.dvc`, `dvc.lock`) state it, never re-hashed; presence is
 * asked of the cache and of each output's remote through the transfer engine's cloud status (one
 * existence pass per remote gives both answers); the workspace is compared only by `verifyStamp`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { isDirOid, type HashName } from "../odb/oid.js";
import type { RepoContext } from "../repo/context.js";
import type { Output } from "../repo/outputs.js";
import { toRepoRel } from "../repo/root.js";
import { outputInCache } from "../repo/status.js";
import { selectOutputs } from "../repo/targets.js";
import { collectCode, stripCredentials } from "./code.js";
import { byPath, dataFingerprint } from "./digest.js";
import { collectEnvironment, collectImage, collectSeeds } from "./environment.js";
import { STAMP_FORMAT, STAMP_VERSION, type RemotePresence, type StampOptions, type StampOutput, type StampRecord, type StampRemote } from "./types.js";

let toolVersion: string | undefined;
/** dvx's version from its package.json (dist/src/stamp/ or src/stamp/ → package root). */
export function dvxVersion(): string {
  if (toolVersion) return toolVersion;
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(here, rel), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "dvx" && pkg.version) return (toolVersion = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (toolVersion = "unknown");
}

function remoteInfo(ctx: RepoContext, name: string): StampRemote {
  try {
    return { name, url: stripCredentials(ctx.config.remote(name).url) };
  } catch {
    return { name, url: null }; // named but not defined: its presence will be "unknown"
  }
}

function errorMessage(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split("\n")[0]!;
}

/** Outputs selected by absolute targets (a path inside a directory output selects the whole output). */
export function selectStampOutputs(root: string, outs: Output[], absTargets: string[] | undefined): Output[] {
  const picked = new Set<Output>();
  for (const s of selectOutputs(root, outs, absTargets)) picked.add(s.out);
  return [...picked];
}

/**
 * Cache and remote presence of outputs that push to remote `name`, from one existence pass of the
 * transfer engine's cloud status (the engine `Repo.cloudStatus` runs). Not `cloudStatus` itself:
 * that needs every `.dir` in the local cache, which a fresh clone (the verify-months-later case)
 * does not have. A `.dir` on the remote vouches for its files there (spec 8.4), as in `status -c`.
 */
async function remotePresence(ctx: RepoContext, name: string, outs: Output[], jobs: number | undefined): Promise<Array<{ inCache: boolean; inRemote: RemotePresence }>> {
  const spec = ctx.config.remote(name);
  const { openStorage, resolveJobs } = await import("../storage/openStorage.js");
  const engine = await import("../transfer/index.js");
  const { loadCachedManifest } = await import("../transfer/manifests.js");
  const j = resolveJobs(spec, jobs);
  const storage = await openStorage(spec, { jobs: j });
  try {
    const request = {
      files: outs.filter((o) => !isDirOid(o.md5!)).map((o) => ({ oid: o.md5!, hashName: o.hashName })),
      dirs: outs.filter((o) => isDirOid(o.md5!)).map((o) => ({ oid: o.md5!, hashName: o.hashName })),
    };
    const map = await engine.remoteStatus(request, { cache: ctx.cache, remote: storage, jobs: j, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const local = (oid: string, h: HashName) => {
      const st = engine.lookupRemoteStatus(map, oid, h);
      return st === "ok" || st === "new";
    };
    const result: Array<{ inCache: boolean; inRemote: RemotePresence }> = [];
    for (const o of outs) {
      const own = engine.lookupRemoteStatus(map, o.md5!, o.hashName);
      const onRemote = own === "ok" || own === "deleted";
      let inCache = local(o.md5!, o.hashName);
      if (inCache && isDirOid(o.md5!)) {
        const m = await loadCachedManifest(ctx.cache, o.md5!, o.hashName);
        inCache = !!m && m.entries.every((e) => local(e.md5, o.hashName));
      }
      result.push({ inCache, inRemote: onRemote ? "yes" : "no" });
    }
    return result;
  } finally {
    await storage.close();
  }
}

export async function collectStamp(ctx: RepoContext, allOutputs: Output[], absTargets: string[] | undefined, opts: StampOptions = {}): Promise<StampRecord> {
  const env = opts.env ?? process.env;
  // validate the cheap inputs before any slow work
  const seeds = collectSeeds(opts.seeds ?? [], env);
  const image = collectImage(opts.imageDigest, env);
  const targets = absTargets?.length ? [...new Set(absTargets.map((t) => toRepoRel(ctx.root, t)))].sort() : null;
  const outs = selectStampOutputs(ctx.root, allOutputs, absTargets?.length ? absTargets : undefined);

  const defaultName = ctx.config.defaultRemote();
  const rows: StampOutput[] = outs.map((o) => {
    const remoteName = o.cache && o.md5 ? (o.remote ?? defaultName)?.toLowerCase() : undefined;
    return {
      path: o.path,
      declaredIn: o.declaredIn,
      stage: o.stage ?? null,
      hash: o.md5 ?? null,
      hashName: o.hashName,
      size: o.size ?? null,
      nfiles: o.nfiles ?? null,
      isDir: !!o.md5?.endsWith(".dir"),
      cache: o.cache,
      push: o.push,
      remote: remoteName ? remoteInfo(ctx, remoteName) : null,
      inCache: null,
      inRemote: null,
    };
  });

  // remote (and cache) presence: one cloud-status pass per remote
  const checkRemote = opts.remote !== false;
  const byRemote = new Map<string, number[]>();
  rows.forEach((r, i) => {
    if (!r.cache || !r.hash || !r.remote) return;
    if (!r.push || !checkRemote) {
      if (checkRemote === false && r.push) r.inRemote = "unchecked";
      return;
    }
    const list = byRemote.get(r.remote.name) ?? [];
    list.push(i);
    byRemote.set(r.remote.name, list);
  });
  for (const [name, idx] of byRemote) {
    try {
      const presence = await remotePresence(ctx, name, idx.map((i) => outs[i]!), opts.jobs);
      idx.forEach((i, k) => Object.assign(rows[i]!, presence[k]!));
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      for (const i of idx) Object.assign(rows[i]!, { inRemote: "unknown" as RemotePresence, remoteError: errorMessage(e) });
    }
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.cache && r.hash && r.inCache === null) r.inCache = await outputInCache(ctx, outs[i]!);
  }
  rows.sort(byPath);

  const ignored: string[] = [];
  for (const f of [...(opts.stampFile ? [opts.stampFile] : []), ...(opts.ignoreChanges ?? [])]) {
    const rel = path.relative(ctx.root, path.resolve(f));
    if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) ignored.push(rel.split(path.sep).join("/"));
  }
  const code = collectCode(ctx.root, ignored, ctx.noScm);
  const environment = collectEnvironment({
    root: ctx.root,
    useGit: code.vcs === "git",
    outputPaths: new Set(allOutputs.map((o) => o.path)),
    python: !!opts.python,
    image,
    env,
  });

  return {
    format: STAMP_FORMAT,
    version: STAMP_VERSION,
    createdAt: (opts.now ?? new Date()).toISOString(),
    tool: { name: "dvx", version: dvxVersion() },
    data: {
      targets,
      fingerprint: dataFingerprint(rows),
      defaultRemote: defaultName ? remoteInfo(ctx, defaultName) : null,
      outputs: rows,
    },
    code,
    environment,
    seeds,
  };
}
