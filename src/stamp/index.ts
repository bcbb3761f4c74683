/**
 * The reproducibility record: `stamp()` takes one of the repository (data, code, environment,
 * seeds), `verifyStamp()` lists how the repository differs from one. docs/stamp.md is the reference.
 */
import { Repo } from "../repo/Repo.js";
import type { StampOptions, StampRecord } from "./types.js";
import { parseStamp, verifyStamp as verifyWith, type VerifyOptions, type VerifyResult } from "./verify.js";

export * from "./types.js";
export { formatStamp, envPairs, mlflowRecord, STAMP_FORMATS, type StampFormat, type MlflowRecord } from "./format.js";
export { parseStamp, assertStamp, DRIFT_KINDS, type DriftKind, type Difference, type Note, type VerifyOptions, type VerifyResult } from "./verify.js";
export { dataFingerprint } from "./digest.js";

async function withRepo<T>(repoOrDir: Repo | string | undefined, fn: (repo: Repo) => Promise<T>): Promise<T> {
  if (repoOrDir instanceof Repo) return fn(repoOrDir);
  const repo = Repo.open(repoOrDir ?? process.cwd());
  try {
    return await fn(repo);
  } finally {
    repo.close();
  }
}

/**
 * The stamp of the repository (a `Repo`, or the directory of one; default the current directory),
 * limited to `targets` (paths relative to `cwd`) when given. Same as `repo.stamp(targets, opts)`.
 */
export async function stamp(repoOrDir?: Repo | string, opts: StampOptions & { targets?: string[]; cwd?: string; signal?: AbortSignal } = {}): Promise<StampRecord> {
  return withRepo(repoOrDir, (repo) => repo.stamp(opts.targets, opts));
}

/** Compares the repository with a stamp (a record, or its JSON text); `ok` is false on any drift. */
export async function verifyStamp(repoOrDir: Repo | string | undefined, record: StampRecord | string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const rec = typeof record === "string" ? parseStamp(record, opts.stampFile ?? "stamp") : record;
  return withRepo(repoOrDir, (repo) => verifyWith(repo, rec, opts));
}
