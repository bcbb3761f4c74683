/**
 * Hashes an output as it is in the workspace: one file, or a directory walked into a `.dir`
 * manifest (spec 3). With `store`, objects go into the cache in the same pass (add/commit);
 * without, only hashes are computed (status/checkout decisions). The state DB makes an unchanged
 * file cost one stat.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { hashEach, hashFiles } from "../cache/ingest.js";
import { DvxError } from "../errors.js";
import { manifestOid, parseManifest, writeManifest, type ManifestEntry } from "../formats/dirManifest.js";
import { compareCodePoints } from "../formats/pyjson.js";
import type { HashName } from "../odb/oid.js";
import type { RepoContext } from "./context.js";
import { cacheStamp, knownComplete, proveAfterStore, recordComplete } from "./cacheComplete.js";
import { loadIgnoreRules } from "./ignore.js";
import type { FileList } from "./fileList.js";
import { statFollow, statOf, walkList } from "./walk.js";

export interface BuiltOutput {
  exists: boolean;
  isDir: boolean;
  oid?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** directory outputs: the manifest entries (sorted); built when first read */
  entries?: ManifestEntry[];
}

export async function buildOutput(
  ctx: RepoContext,
  rel: string,
  hashName: HashName,
  opts: {
    store: boolean;
    only?: (relpath: string) => boolean;
    /**
     * The caller needs only oid, size and nfiles (status): a directory whose files all match the
     * last run (same names, inodes, sizes and mtimes) is answered from one state record instead of
     * a state lookup per file, and comes back without `entries`/`files`.
     */
    oidOnly?: boolean;
  },
): Promise<BuiltOutput> {
  const abs = path.join(ctx.root, rel);
  const st = statFollow(abs);
  if (!st) return { exists: false, isDir: false };
  if (st.isDirectory()) {
    const rules = loadIgnoreRules(ctx.root, [rel]);
    if (rel && rules.isIgnored(rel, true)) {
      throw new DvxError("IGNORED_PATH", `${rel}: path is ignored by .dvcignore`, { data: { path: rel } });
    }
    const files = walkList(abs, rel, rules);
    const fingerprint = walkFingerprint(files);
    // For add/commit: taken before anything is hashed or stored, so that once the pass has made
    // the cache hold every object it can be recorded as a proof (cacheComplete.ts).
    const stamp = opts.store ? cacheStamp(ctx, hashName) : undefined;
    const rec = opts.oidOnly || opts.store ? ctx.state.getDir(abs, hashName, fingerprint) : undefined;
    if (rec && opts.oidOnly) return { exists: true, isDir: true, ...rec };
    // add/commit of a directory unchanged since its last record, whose objects the cache is known
    // to hold whole: nothing to read, hash or store. Not with hardlink/symlink caches, whose
    // relinking needs the entries.
    if (rec && opts.store && !ctx.cache.linksWorkspaceFiles && knownComplete(ctx, rec.oid, hashName, stamp)) return { exists: true, isDir: true, ...rec };
    // Kept per file until the manifest is written: the walk (compact) and the md5 strings.
    const md5s = new Array<string>(files.length);
    let size = 0;
    let allInState = true;
    await hashEach(
      files,
      { state: ctx.state, hashName, cache: opts.store ? ctx.cache : undefined, backend: ctx.backend, onHashed: () => void ctx.stats.hashed++, onProgress: ctx.onProgress, signal: ctx.signal },
      (i, r) => {
        md5s[i] = r.md5;
        size += r.size;
        if (!r.inState) allInState = false;
      },
    );
    const order = manifestOrder(files);
    let manifestBytes: Buffer | undefined = writeManifest(order.length, (k) => files.rel(order[k]!), (k) => md5s[order[k]!]!);
    const oid = manifestOid(manifestBytes);
    if (opts.store) {
      await ctx.cache.addBytes(manifestBytes, hashName, { isDir: true });
      recordComplete(ctx, oid, hashName, stamp); // every object was found or stored in this pass
      if (files.length >= PROVE_AFTER_STORE_MIN_FILES && cacheStamp(ctx, hashName)?.value !== stamp?.value) {
        // The pass wrote objects, so the stamp taken before it no longer matches: prove it again
        // after the writes, so that the status which usually follows an add need not.
        await proveAfterStore(ctx, oid, hashName, md5s);
      }
    }
    manifestBytes = undefined;
    // Recorded only when state holds every file's hash for exactly the stat walked (racy files
    // never get in): then the record is as safe as the per-file entries it stands for.
    if (allInState) ctx.state.setDir(abs, hashName, fingerprint, { oid, size, nfiles: files.length });
    const out: BuiltOutput = { exists: true, isDir: true, oid, size, nfiles: files.length };
    // add and commit read the entries only to relink (hardlink/symlink caches); 200,000 entry
    // objects are not built unless someone asks.
    let entries: ManifestEntry[] | undefined;
    Object.defineProperty(out, "entries", {
      enumerable: true,
      get: () => (entries ??= Array.from(order, (i) => ({ relpath: files.rel(i), md5: md5s[i]! }))),
    });
    return out;
  }
  if (!st.isFile()) {
    throw new DvxError("USAGE", `${rel}: not a regular file or directory`, { data: { path: rel } });
  }
  const [r] = await hashFiles([{ absPath: abs, stat: statOf(st) }], {
    state: ctx.state,
    hashName,
    cache: opts.store ? ctx.cache : undefined,
    backend: ctx.backend, onHashed: () => void ctx.stats.hashed++,
    onProgress: ctx.onProgress,
    signal: ctx.signal,
  });
  const isexec = (Number(st.mode) & 0o111) !== 0;
  return { exists: true, isDir: false, oid: r!.md5, size: r!.size, isexec };
}

/**
 * From this many files, an add that stored objects waits out the racy window (~150 ms) to record
 * the cache proof: the first status after it then saves a manifest parse and a cache listing
 * (0.3 s at 20,000 files). Below, the wait would cost more than it saves.
 */
const PROVE_AFTER_STORE_MIN_FILES = 1000;

/** Reads and validates a `.dir` manifest from the cache, or undefined when it is not there. */
export async function loadManifest(ctx: RepoContext, oid: string, hashName: HashName): Promise<ManifestEntry[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await ctx.cache.readBytes(oid, hashName);
  } catch (e) {
    const code = (e as DvxError).code as string;
    if (code === "ENOENT" || code === "NOT_FOUND" || code === "MISSING_CACHE") return undefined;
    throw e;
  }
  if (manifestOid(bytes) !== oid) {
    // A manifest that does not match its name is corrupt: treat as missing, never trust it.
    return undefined;
  }
  return parseManifest(bytes, ctx.cache.objectPath(oid, hashName));
}

export function existsSyncSafe(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * A digest of what state would compare for every walked file (relative path, inode, size,
 * mtime_ns), in walk order: equal digests mean every per-file state lookup would hit again.
 */
function walkFingerprint(files: FileList): string {
  const h = createHash("md5");
  let chunk = "";
  for (let i = 0; i < files.length; i++) {
    chunk += `${files.rel(i)}\0${files.ino(i)}\0${files.size(i)}\0${files.mtimeNs(i)}\n`;
    if (chunk.length > 65536) {
      h.update(chunk);
      chunk = "";
    }
  }
  h.update(chunk);
  return `${files.length}:${h.digest("hex")}`;
}

/** File indices in the manifest's order (relpaths by code point). */
function manifestOrder(files: FileList): Uint32Array {
  // The relpaths are made once for the sort (and dropped after), not twice per comparison.
  const rels = new Array<string>(files.length);
  for (let i = 0; i < files.length; i++) rels[i] = files.rel(i);
  const order = new Uint32Array(files.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => compareCodePoints(rels[a]!, rels[b]!));
}
