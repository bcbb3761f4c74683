/**
 * Object ids and where they live (spec 2.1, 7.1, 8.1). An oid is 32 lowercase hex digits, with
 * the suffix ".dir" for directory manifests. 3.x objects ("md5") live under `files/md5/`, legacy
 * objects ("md5-dos2unix") at the root of the same cache or remote.
 */
import { DvxError } from "../errors.js";

export type HashName = "md5" | "md5-dos2unix";

const OID_RE = /^[0-9a-f]{32}(\.dir)?$/;

export function isValidOid(oid: string): boolean {
  return OID_RE.test(oid);
}

export function isDirOid(oid: string): boolean {
  return oid.endsWith(".dir");
}

/** Throws on anything that is not a well-formed oid, so an oid can never become a path escape. */
export function assertOid(oid: string, source: string): string {
  if (!isValidOid(oid)) {
    throw new DvxError("MALFORMED_FILE", `${source}: invalid hash '${oid.slice(0, 80)}' (expected 32 hex digits)`, {
      data: { file: source },
    });
  }
  return oid;
}

/** The prefix of an object database inside a cache or remote root, '/'-separated, '' for legacy. */
export function odbPrefix(hashName: HashName): string {
  return hashName === "md5" ? "files/md5" : "";
}

/** Relative key of an object inside a cache or remote root: `files/md5/ab/cdef...` or `ab/cdef...`. */
export function oidKey(oid: string, hashName: HashName): string {
  const rel = `${oid.slice(0, 2)}/${oid.slice(2)}`;
  const prefix = odbPrefix(hashName);
  return prefix ? `${prefix}/${rel}` : rel;
}

/** Inverse of oidKey for a key relative to an ODB prefix (`ab/cdef...`); undefined if not an object. */
export function keyToOid(relKey: string): string | undefined {
  const parts = relKey.split("/");
  if (parts.length !== 2 || parts[0]!.length !== 2) return undefined;
  const oid = parts[0]! + parts[1]!;
  return isValidOid(oid) ? oid : undefined;
}
