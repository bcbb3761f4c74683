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
  const sorted = entries.slice().sort(byRelpath);
  return writeManifest(sorted.length, (k) => sorted[k]!.relpath, (k) => sorted[k]!.md5);
}

/**
 * {@link serializeManifest} of `count` entries already in manifest order, given by index. The
 * bytes are written straight into one buffer: for 200,000 files, a string per entry plus their
 * join would be ~40 MB of heap on top of the buffer. Every byte is ASCII (ensure_ascii escaping),
 * so a string's length is its byte length.
 */
export function writeManifest(count: number, relpath: (k: number) => string, md5: (k: number) => string): Buffer {
  if (count === 0) return Buffer.from("[]", "utf8");
  // exact when every relpath needs no escaping and every md5 is 32 characters; grown otherwise
  let cap = 2;
  for (let k = 0; k < count; k++) cap += relpath(k).length + ENTRY_OVERHEAD + (k > 0 ? 2 : 0);
  let buf = Buffer.allocUnsafe(cap);
  let off = 0;
  const put = (s: string) => {
    if (off + s.length > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, off + s.length));
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    off += buf.write(s, off, "latin1");
  };
  put("[");
  for (let k = 0; k < count; k++) {
    put(`${k > 0 ? ", " : ""}{"md5": ${pyJsonString(md5(k))}, "relpath": ${pyJsonString(relpath(k))}}`);
  }
  put("]");
  return off === buf.length ? buf : Buffer.from(buf.subarray(0, off));
}

/** `{"md5": "<32 hex>", "relpath": ""}` without the relpath's characters. */
const ENTRY_OVERHEAD = `{"md5": "${"0".repeat(32)}", "relpath": ""}`.length;

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
