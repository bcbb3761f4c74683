/**
 * The `.dir` manifest object (spec 3): exact `json.dumps(sorted entries, sort_keys=True)` bytes,
 * and a strict reader that validates every relpath and oid before anyone joins them to a path.
 */
import { createHash } from "node:crypto";
import { malformed } from "../errors.js";
import { assertOid, isDirOid } from "../odb/oid.js";
import { compareCodePoints, pyJsonString } from "./pyjson.js";
import { assertSafeRelPath } from "./safePath.js";

export interface ManifestEntry {
  relpath: string;
  md5: string;
}

function byRelpath(a: ManifestEntry, b: ManifestEntry): number {
  return compareCodePoints(a.relpath, b.relpath);
}

/** The manifest bytes DVC writes: entries sorted by relpath (code point order), no newline. */
export function serializeManifest(entries: readonly ManifestEntry[]): Buffer {
  if (entries.length === 0) return Buffer.from("[]", "utf8");
  const sorted = entries.slice().sort(byRelpath);
  const parts = new Array<string>(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    parts[i] = `{"md5": ${pyJsonString(e.md5)}, "relpath": ${pyJsonString(e.relpath)}}`;
  }
  return Buffer.from(`[${parts.join(", ")}]`, "utf8");
}

/** The `.dir` oid of manifest bytes: md5 hex + ".dir". */
export function manifestOid(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex") + ".dir";
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses and validates a manifest. Tolerates extra keys and any order; rejects unsafe relpaths,
 * invalid or `.dir` oids, duplicate relpaths and a relpath that is also a directory of another.
 * Entries are returned in file order.
 */
export function parseManifest(bytes: Uint8Array, source: string): ManifestEntry[] {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw malformed(source, "directory manifest is not valid UTF-8");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw malformed(source, `directory manifest is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw malformed(source, "directory manifest is not a JSON list");
  const out: ManifestEntry[] = new Array(data.length);
  const seen = new Set<string>();
  for (let i = 0; i < data.length; i++) {
    const entry: unknown = data[i];
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw malformed(source, `manifest entry ${i} is not an object`);
    }
    const relpath = (entry as Record<string, unknown>)["relpath"];
    const md5 = (entry as Record<string, unknown>)["md5"];
    if (typeof relpath !== "string") throw malformed(source, `manifest entry ${i} has no string 'relpath'`);
    if (typeof md5 !== "string") throw malformed(source, `manifest entry ${i} ('${relpath.slice(0, 200)}') has no string 'md5'`);
    assertSafeRelPath(relpath, source);
    if (isDirOid(md5)) throw malformed(source, `manifest entry '${relpath.slice(0, 200)}' refers to a directory object '${md5.slice(0, 80)}'`);
    assertOid(md5, source);
    if (seen.has(relpath)) throw malformed(source, `duplicate relpath '${relpath.slice(0, 200)}' in directory manifest`);
    seen.add(relpath);
    out[i] = { relpath, md5 };
  }
  // A path cannot be both a file and a directory containing other files.
  for (const relpath of seen) {
    let idx = relpath.indexOf("/");
    while (idx !== -1) {
      const prefix = relpath.slice(0, idx);
      if (seen.has(prefix)) {
        throw malformed(source, `'${prefix.slice(0, 200)}' is both a file and a directory in directory manifest`);
      }
      idx = relpath.indexOf("/", idx + 1);
    }
  }
  return out;
}
