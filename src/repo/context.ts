/**
 * Everything an operation needs about one open repository: where it is, its merged config, its
 * cache, its hash state and its ignore rules. A `Repo` owns one; nothing here is module-global.
 */
import * as path from "node:path";
import { LocalCache, type LinkType } from "../cache/localCache.js";
import { DvxError } from "../errors.js";
import type { HashBackend } from "../hash/md5.js";
import { LazyState, NoopState, openHashState, type HashState } from "../hash/state.js";
import type { ProgressCallback } from "../progress.js";
import { Config } from "./config.js";

export interface RepoContext {
  root: string;
  dvcDir: string;
  tmpDir: string;
  config: Config;
  cache: LocalCache;
  state: HashState;
  backend: HashBackend;
  noScm: boolean;
  /** counters for diagnostics and tests (files actually read and hashed) */
  stats: { hashed: number };
  onProgress: ProgressCallback;
  signal?: AbortSignal;
}

const LINK_TYPES: LinkType[] = ["reflink", "hardlink", "symlink", "copy"];

export function parseLinkTypes(value: string | string[] | undefined, source: string): LinkType[] {
  if (value === undefined) return ["reflink", "copy"];
  const list = (Array.isArray(value) ? value : value.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const t of list) {
    if (!LINK_TYPES.includes(t as LinkType)) {
      throw new DvxError("CONFIG_ERROR", `${source}: cache.type '${t}' is not one of reflink, hardlink, symlink, copy`, { data: { file: source } });
    }
  }
  return list.length ? (list as LinkType[]) : ["reflink", "copy"];
}

export function openContext(root: string, opts: { backend?: HashBackend; onProgress?: ProgressCallback; signal?: AbortSignal; useState?: boolean } = {}): RepoContext {
  const dvcDir = path.join(root, ".dvc");
  const tmpDir = path.join(dvcDir, "tmp");
  const config = new Config(dvcDir);
  const cacheDirValue = config.get("cache", "dir");
  const cacheDir = typeof cacheDirValue === "string" && cacheDirValue ? cacheDirValue : path.join(dvcDir, "cache");
  const linkTypes = parseLinkTypes(config.get("cache", "type"), config.files.repo ?? ".dvc/config");
  const shared = config.get("cache", "shared") === "group" ? "group" : undefined;
  const noScmValue = config.get("core", "no_scm");
  const noScm = typeof noScmValue === "string" && noScmValue.toLowerCase() === "true";
  const envBackend = process.env.DVX_HASH_BACKEND === "wasm" ? "wasm" : undefined;
  const backend: HashBackend = opts.backend ?? envBackend ?? "node";
  const state = opts.useState === false ? new NoopState() : new LazyState(() => openHashState(path.join(tmpDir, "dvx", "state.db")));
  const cache = new LocalCache(cacheDir, { linkTypes, shared, backend });
  return { root, dvcDir, tmpDir, config, cache, state, backend, noScm, stats: { hashed: 0 }, onProgress: opts.onProgress ?? (() => {}), signal: opts.signal };
}
