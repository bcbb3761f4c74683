/**
 * fetch: remote -> local cache (spec 8.5). Plan, then execute:
 *
 * Plan (per hash name):
 *  1. each requested `.dir`: its manifest from the local cache, else read from the remote and
 *     verified (md5 of the bytes = the oid) before it is trusted; a `.dir` the remote lacks is
 *     reported missing;
 *  2. the wanted files: requested files plus the directories' files (only those named by `only`
 *     for granular fetches);
 *  3. which of them the local cache already has (skipped).
 * No existence check is made on the remote: a GET of a missing object costs what a HEAD would, so
 * fetch just downloads and reports a NOT_FOUND as missing (DVC warns about those, spec 8.5).
 * Execute: files first (`jobs` at a time), then the `.dir` objects that were read from the remote,
 * LAST, so a cached `.dir` never precedes its files. A `.dir` whose files failed is not written
 * (files merely absent from the remote do not block it: a local cache may hold partial dirs).
 *
 * Every object enters the cache through `cache.putVerified`, which hashes it with its own hash
 * name while writing a temp file and refuses a mismatch (CORRUPT_OBJECT): a damaged remote object
 * is reported failed and never cached. A download that breaks mid-stream (connection reset) is
 * retried from the start (3 attempts; request-level retries happen inside the Storage).
 *
 * Progress totals: object counts are known after planning, sizes are not (no HEAD per object), so
 * `total.bytes` is 0 and `done.bytes` counts what arrived.
 */
import { Readable } from "node:stream";
import { isDvxError } from "../errors.js";
import { oidKey, type HashName } from "../odb/oid.js";
import { abortError, withRetry } from "../storage/retry.js";
import { errorText, groupByHash } from "./group.js";
import { loadCachedManifest, loadRemoteManifest, selectEntries, type LoadedManifest } from "./manifests.js";
import { defaultTransferJobs, runPool } from "./pool.js";
import { PhaseProgress } from "./progressTracker.js";
import type { TransferOptions, TransferRequest, TransferResult } from "./types.js";

interface Download {
  oid: string;
  hashName: HashName;
}

interface DirWrite {
  oid: string;
  hashName: HashName;
  manifest: LoadedManifest;
  /** The files of this dir that this fetch wanted (must not have failed). */
  wanted: string[];
}

/** Download attempts per object for failures inside the body stream. */
const STREAM_ATTEMPTS = 3;
/** How long a run of synchronous local copies may hold the event loop (progress, Ctrl-C). */
const YIELD_MS = 25;

export async function fetch(req: TransferRequest, opts: TransferOptions): Promise<TransferResult> {
  const { cache, remote, signal } = opts;
  const jobs = Math.max(1, opts.jobs ?? defaultTransferJobs());
  const progress = new PhaseProgress("fetch", opts.onProgress);
  progress.start();
  const result: TransferResult = { transferred: 0, bytes: 0, failed: [], missing: [], skipped: 0 };

  const downloads: Download[] = [];
  const dirWrites: DirWrite[] = [];

  for (const group of groupByHash(req)) {
    const h = group.hashName;
    const wanted = new Set<string>(group.files);
    const dirs = [...group.dirs.values()];
    await runPool(dirs, jobs, async (d) => {
      const cached = await loadCachedManifest(cache, d.oid, h);
      let manifest = cached;
      if (!manifest) {
        try {
          manifest = await loadRemoteManifest(remote, d.oid, h);
        } catch (e) {
          if (isDvxError(e, "REMOTE_ERROR") || isDvxError(e, "ABORTED")) throw e; // the remote as a whole is unusable
          const error = errorText(e);
          result.failed.push({ oid: d.oid, hashName: h, error });
          progress.fail(d.oid, error);
          return;
        }
        if (!manifest) {
          result.missing.push({ oid: d.oid, hashName: h });
          return;
        }
      } else {
        result.skipped++;
      }
      const files = selectEntries(manifest.entries, d.only).map((e) => e.md5);
      for (const o of files) wanted.add(o);
      if (!cached) dirWrites.push({ oid: d.oid, hashName: h, manifest, wanted: files });
    }, signal);

    const have = cache.existingSync(wanted, h);
    for (const oid of wanted) {
      if (have.has(oid)) result.skipped++;
      else downloads.push({ oid, hashName: h });
    }
  }
  if (signal?.aborted) throw abortError(signal);
  progress.start({ files: downloads.length + dirWrites.length, bytes: 0 });

  const failed = new Set<string>();
  // A directory remote's small objects are copied with synchronous reads and writes (a stream
  // per 100 KB file costs more than the copy); the event loop gets a turn every YIELD_MS.
  const direct = remote.localPath && cache.putVerifiedFile ? { path: remote.localPath.bind(remote), put: cache.putVerifiedFile.bind(cache) } : undefined;
  let lastYield = Date.now();
  await runPool(downloads, jobs, async (d) => {
    const key = oidKey(d.oid, d.hashName);
    let size = 0;
    try {
      const copied = direct ? await direct.put(d.oid, d.hashName, direct.path(key)) : undefined;
      if (copied) {
        size = copied.size;
        progress.bytes(size);
        if (Date.now() - lastYield >= YIELD_MS) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = Date.now();
        }
      } else await withRetry(
        async () => {
          size = 0;
          const body = await remote.read(key);
          try {
            await cache.putVerified(d.oid, d.hashName, counted(body, (n) => {
              size += n;
              progress.bytes(n);
            }));
          } finally {
            body.destroy(); // frees the connection if the cache stopped reading early
          }
        },
        { policy: { attempts: STREAM_ATTEMPTS }, ...(signal ? { signal } : {}) },
      );
      result.transferred++;
      result.bytes += size;
      progress.item(d.oid, size, size);
    } catch (e) {
      if (signal?.aborted) return;
      if (isDvxError(e, "NOT_FOUND")) {
        result.missing.push({ oid: d.oid, hashName: d.hashName });
        return;
      }
      const error = isDvxError(e, "CORRUPT_OBJECT")
        ? `object ${d.oid} on remote ${remote.url} is corrupt (its content does not match its hash); not cached`
        : errorText(e);
      failed.add(`${d.hashName}:${d.oid}`);
      result.failed.push({ oid: d.oid, hashName: d.hashName, error });
      progress.fail(d.oid, error);
    }
  }, signal);
  if (signal?.aborted) throw abortError(signal);

  // `.dir` objects last.
  await runPool(dirWrites, jobs, async (d) => {
    const nFailed = d.wanted.filter((o) => failed.has(`${d.hashName}:${o}`)).length;
    if (nFailed > 0) {
      const error = `directory manifest not cached: ${nFailed} of its files failed to download`;
      result.failed.push({ oid: d.oid, hashName: d.hashName, error });
      progress.fail(d.oid, error);
      return;
    }
    try {
      await cache.putVerified(d.oid, d.hashName, Readable.from([d.manifest.bytes]));
      result.transferred++;
      result.bytes += d.manifest.bytes.length;
      progress.item(d.oid, d.manifest.bytes.length);
    } catch (e) {
      const error = errorText(e);
      result.failed.push({ oid: d.oid, hashName: d.hashName, error });
      progress.fail(d.oid, error);
    }
  }, signal);
  if (signal?.aborted) throw abortError(signal);

  progress.end();
  return result;
}

/** Pass a stream through, counting bytes (a generator: no extra buffering, backpressure kept). */
async function* counted(src: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    onBytes(chunk.length);
    yield chunk;
  }
}
