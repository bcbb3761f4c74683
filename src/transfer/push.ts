/**
 * push: local cache -> remote (spec 8.4). Plan, then execute:
 *
 * Plan (per hash name, each in its own layout):
 *  1. load the manifest of every requested `.dir` from the local cache;
 *  2. which `.dir` objects are on the remote already: their files are trusted to be there too (a
 *     `.dir` on a remote is a promise that all its files are, spec 8.4/8.8) and are not checked;
 *  3. which other files are on the remote (oidsExist: HEAD or listing, whichever is cheaper);
 *  4. of the rest, which are in the local cache (one stat each, which also gives the size):
 *     those are uploaded, the others are reported missing.
 * Execute: every file first (`jobs` at a time), then each `.dir` whose files are now ALL on the
 * remote. A `.dir` with a missing or failed file (or with files left out by `only` that the remote
 * lacks) is not uploaded, so a remote never holds a `.dir` without its files. Per-object failures
 * are collected and never stop the other objects. A re-run skips what is already there (step 3).
 */
import { statSync } from "node:fs";
import { oidKey, type HashName } from "../odb/oid.js";
import { abortError } from "../storage/retry.js";
import { oidsExist } from "./exists.js";
import { errorText, groupByHash } from "./group.js";
import { loadCachedManifest, selectEntries, type LoadedManifest } from "./manifests.js";
import { defaultTransferJobs, runPool } from "./pool.js";
import { PhaseProgress } from "./progressTracker.js";
import type { TransferOptions, TransferRequest, TransferResult } from "./types.js";

interface Upload {
  oid: string;
  hashName: HashName;
  path: string;
  size: number;
}

interface DirPlan {
  oid: string;
  hashName: HashName;
  manifest: LoadedManifest;
  /** Every file oid of the manifest (all must be on the remote before the `.dir` goes up). */
  fileOids: Set<string>;
}

export async function push(req: TransferRequest, opts: TransferOptions): Promise<TransferResult> {
  const { cache, remote, signal } = opts;
  const jobs = Math.max(1, opts.jobs ?? defaultTransferJobs());
  const progress = new PhaseProgress("push", opts.onProgress);
  progress.start();
  const result: TransferResult = { transferred: 0, bytes: 0, failed: [], missing: [], skipped: 0 };

  const uploads: Upload[] = [];
  const dirPlans: DirPlan[] = [];
  /** Per hash name: file oids known to be on the remote (found, trusted, or uploaded). */
  const onRemote = new Map<HashName, Set<string>>();
  /** Per hash name: file oids that could not be uploaded (corrupt in the cache, or failed). */
  const failedFiles = new Map<HashName, Set<string>>();

  for (const group of groupByHash(req)) {
    const h = group.hashName;
    const present = new Set<string>();
    onRemote.set(h, present);

    // 1. manifests from the local cache
    const dirs = [...group.dirs.values()];
    const manifests = new Map<string, LoadedManifest | undefined>();
    await runPool(dirs, jobs, async (d) => {
      manifests.set(d.oid, await loadCachedManifest(cache, d.oid, h));
    }, signal);

    // 2. dirs already on the remote: trusted complete
    const dirsOnRemote = await oidsExist(remote, h, dirs.map((d) => d.oid), jobs, signal ? { signal } : {});
    const trusted = new Set<string>();
    const wanted = new Set<string>(group.files);
    const completeness = new Set<string>();
    for (const d of dirs) {
      const m = manifests.get(d.oid);
      if (dirsOnRemote.has(d.oid)) {
        result.skipped++;
        if (m) for (const e of m.entries) trusted.add(e.md5);
        continue;
      }
      if (!m) {
        result.missing.push({ oid: d.oid, hashName: h });
        continue;
      }
      const fileOids = new Set(m.entries.map((e) => e.md5));
      dirPlans.push({ oid: d.oid, hashName: h, manifest: m, fileOids });
      for (const o of fileOids) completeness.add(o);
      for (const e of selectEntries(m.entries, d.only)) wanted.add(e.md5);
    }
    for (const o of trusted) present.add(o);

    // 3. which of the other files are on the remote
    const toCheck = [...new Set([...wanted, ...completeness])].filter((o) => !trusted.has(o));
    for (const o of await oidsExist(remote, h, toCheck, jobs, signal ? { signal } : {})) present.add(o);

    // 4. what the local cache has, with sizes; an object that is not read-only (0444) is re-hashed
    //    first (spec 7.3, as DVC decides to verify): a corrupt one is never uploaded
    const candidates = [...wanted].filter((o) => !present.has(o));
    result.skipped += wanted.size - candidates.length;
    const found: (Upload | "corrupt" | undefined)[] = new Array(candidates.length);
    // statSync: a few microseconds each, against a thread-pool round trip for the async form
    await runPool(candidates, Math.max(jobs, 32), async (oid, i) => {
      const path = cache.objectPath(oid, h);
      try {
        const st = statSync(path);
        if (st.isFile() && (st.mode & 0o7777) !== 0o444 && cache.check) {
          const c = await cache.check(oid, h);
          if (c !== "ok") {
            found[i] = c === "corrupt" ? "corrupt" : undefined;
            return;
          }
        }
        found[i] = st.isFile() ? { oid, hashName: h, path, size: st.size } : undefined;
      } catch {
        found[i] = undefined;
      }
    }, signal);
    candidates.forEach((oid, i) => {
      const u = found[i];
      if (u === "corrupt") {
        const error = `cache object ${oid} is corrupt (its content does not match its hash): removed from the cache, not pushed`;
        result.failed.push({ oid, hashName: h, error });
        let s = failedFiles.get(h);
        if (!s) failedFiles.set(h, (s = new Set()));
        s.add(oid);
        progress.fail(oid, error);
      } else if (u) uploads.push(u);
      else result.missing.push({ oid, hashName: h });
    });
  }
  if (signal?.aborted) throw abortError(signal);

  // Totals: the uploads, plus the `.dir` objects that can go up if those uploads succeed.
  const uploading = new Set(uploads.map((u) => `${u.hashName}:${u.oid}`));
  const likelyDirs = dirPlans.filter((d) =>
    [...d.fileOids].every((o) => onRemote.get(d.hashName)!.has(o) || uploading.has(`${d.hashName}:${o}`)),
  );
  const totalBytes = uploads.reduce((n, u) => n + u.size, 0) + likelyDirs.reduce((n, d) => n + d.manifest.bytes.length, 0);
  progress.start({ files: uploads.length + likelyDirs.length, bytes: totalBytes });

  // Execute: files first.
  await runPool(uploads, jobs, async (u) => {
    let streamed = 0;
    try {
      await remote.write(oidKey(u.oid, u.hashName), { path: u.path, size: u.size }, {
        knownMissing: true, // uploads are exactly the oids oidsExist did not find
        ...(u.hashName === "md5" ? { md5: u.oid } : {}),
        ...(signal ? { signal } : {}),
        onBytes: (n) => {
          streamed += n;
          progress.bytes(n);
        },
      });
      onRemote.get(u.hashName)!.add(u.oid);
      result.transferred++;
      result.bytes += u.size;
      progress.item(u.oid, u.size, streamed);
    } catch (e) {
      if (signal?.aborted) return;
      const error = errorText(e);
      result.failed.push({ oid: u.oid, hashName: u.hashName, error });
      let s = failedFiles.get(u.hashName);
      if (!s) failedFiles.set(u.hashName, (s = new Set()));
      s.add(u.oid);
      progress.fail(u.oid, error);
    }
  }, signal);
  if (signal?.aborted) throw abortError(signal);

  // Then each `.dir` whose files are all on the remote now.
  await runPool(dirPlans, jobs, async (d) => {
    const present = onRemote.get(d.hashName)!;
    const absent = [...d.fileOids].filter((o) => !present.has(o));
    if (absent.length > 0) {
      const failed = failedFiles.get(d.hashName);
      const nFailed = failed ? absent.filter((o) => failed.has(o)).length : 0;
      if (nFailed > 0) {
        const error = `directory manifest not pushed: ${nFailed} of its files failed to upload`;
        result.failed.push({ oid: d.oid, hashName: d.hashName, error });
        progress.fail(d.oid, error);
      }
      // Files missing everywhere (already reported) or left out by `only`: the .dir waits.
      return;
    }
    try {
      await remote.write(oidKey(d.oid, d.hashName), d.manifest.bytes, { md5: d.oid.slice(0, 32), ...(signal ? { signal } : {}) });
      result.transferred++;
      result.bytes += d.manifest.bytes.length;
      progress.item(d.oid, d.manifest.bytes.length);
    } catch (e) {
      if (signal?.aborted) return;
      const error = errorText(e);
      result.failed.push({ oid: d.oid, hashName: d.hashName, error });
      progress.fail(d.oid, error);
    }
  }, signal);
  if (signal?.aborted) throw abortError(signal);

  progress.end();
  return result;
}
