/** The deterministic digests of a stamp (definitions in docs/stamp.md). */
import { createHash } from "node:crypto";
import { compareCodePoints } from "../formats/pyjson.js";

/** Code-point order, which is also the byte order of the paths' UTF-8 encodings. */
export const byPath = (a: { path: string }, b: { path: string }): number => compareCodePoints(a.path, b.path);

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The data fingerprint: SHA-256 over one line `path NUL hashName NUL hash LF` per output (hash
 * empty when the output was never committed), lines in code-point order of the whole line (so by
 * path first), UTF-8. Written as "sha256:<hex>".
 */
export function dataFingerprint(outs: Array<{ path: string; hashName: string; hash: string | null }>): string {
  const lines = outs.map((o) => `${o.path}\0${o.hashName}\0${o.hash ?? ""}\n`).sort(compareCodePoints);
  return `sha256:${sha256Hex(lines.join(""))}`;
}

/** `pip freeze` digest: SHA-256 over the lines joined with LF plus a final LF. */
export function freezeDigest(packages: string[]): string {
  return `sha256:${sha256Hex(packages.map((p) => `${p}\n`).join(""))}`;
}

/**
 * Digest of uncommitted changes: SHA-256 over `path NUL sha256-of-work-tree-content LF` per dirty
 * path in code-point order (`-` for a path deleted from the work tree).
 */
export function dirtyDigest(entries: Array<{ path: string; sha256: string | null }>): string {
  const lines = entries.map((e) => `${e.path}\0${e.sha256 ?? "-"}\n`).sort(compareCodePoints);
  return `sha256:${sha256Hex(lines.join(""))}`;
}
