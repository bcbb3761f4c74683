/**
 * Loading `.dir` manifests for transfer planning: from the local cache first, else from the remote
 * (spec 8.5), where the bytes are verified against the oid before they are trusted.
 */
import { createHash } from "node:crypto";
import { DvxError, isDvxError } from "../errors.js";
import { parseManifest, type ManifestEntry } from "../formats/dirManifest.js";
import { oidKey, type HashName } from "../odb/oid.js";
import { readAll, type Storage } from "../storage/storage.js";
import type { CacheLike, DirRef } from "./types.js";

export interface LoadedManifest {
  entries: ManifestEntry[];
  bytes: Buffer;
}

/** True when the bytes are the manifest named by `dirOid` (md5 of the bytes + ".dir"). */
export function manifestMatches(bytes: Uint8Array, dirOid: string): boolean {
  return createHash("md5").update(bytes).digest("hex") === dirOid.slice(0, 32);
}

function isMissingError(e: unknown): boolean {
  if (isDvxError(e, "MISSING_CACHE") || isDvxError(e, "NOT_FOUND")) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * The manifest from the local cache; undefined when the `.dir` object is not cached. A cached
 * manifest that does not parse or does not match its name is treated as absent (spec 3.4: "a
 * corrupt or non-list file is treated as missing"), so fetch can replace it from the remote.
 */
export async function loadCachedManifest(cache: CacheLike, oid: string, hashName: HashName): Promise<LoadedManifest | undefined> {
  let bytes: Buffer;
  try {
    bytes = await cache.readBytes(oid, hashName);
  } catch (e) {
    if (isMissingError(e)) return undefined;
    throw e;
  }
  if (!manifestMatches(bytes, oid)) return undefined;
  try {
    return { entries: parseManifest(bytes, cache.objectPath(oid, hashName)), bytes };
  } catch (e) {
    if (isDvxError(e, "MALFORMED_FILE")) return undefined;
    throw e;
  }
}

/**
 * The manifest read from the remote; undefined when the remote does not have it. Throws
 * CORRUPT_OBJECT when the bytes do not match the oid, MALFORMED_FILE when they do not parse.
 */
export async function loadRemoteManifest(remote: Storage, oid: string, hashName: HashName): Promise<LoadedManifest | undefined> {
  const key = oidKey(oid, hashName);
  let bytes: Buffer;
  try {
    bytes = await readAll(await remote.read(key));
  } catch (e) {
    if (isDvxError(e, "NOT_FOUND")) return undefined;
    throw e;
  }
  if (!manifestMatches(bytes, oid)) {
    throw new DvxError("CORRUPT_OBJECT", `directory manifest ${oid} on remote ${remote.url} does not match its hash; refusing it`, {
      data: { oid, hashName, remote: remote.url },
    });
  }
  return { entries: parseManifest(bytes, `${remote.url}/${key}`), bytes };
}

/** The entries a DirRef asks for: all, or those whose relpath is in `only` or under one of them. */
export function selectEntries(entries: ManifestEntry[], only: DirRef["only"]): ManifestEntry[] {
  if (!only) return entries;
  return entries.filter((e) => {
    if (only.has(e.relpath)) return true;
    for (let i = e.relpath.indexOf("/"); i !== -1; i = e.relpath.indexOf("/", i + 1)) {
      if (only.has(e.relpath.slice(0, i))) return true;
    }
    return false;
  });
}
