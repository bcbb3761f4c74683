/**
 * writeManifest writes the `.dir` bytes straight into a buffer sized from the relpaths' lengths
 * (grown when escaping makes an entry longer): it must give exactly what joining one
 * `json.dumps`-style string per entry gives, for any relpath and entry count.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeManifest, type ManifestEntry } from "../../../src/formats/dirManifest.js";
import { pyJsonString } from "../../../src/formats/pyjson.js";

/** The straightforward serialization (one string per entry, joined). */
function reference(entries: ManifestEntry[]): Buffer {
  const parts = entries.map((e) => `{"md5": ${pyJsonString(e.md5)}, "relpath": ${pyJsonString(e.relpath)}}`);
  return Buffer.from(`[${parts.join(", ")}]`, "utf8");
}

const write = (entries: ManifestEntry[]) => writeManifest(entries.length, (k) => entries[k]!.relpath, (k) => entries[k]!.md5);
const MD5 = "0123456789abcdef0123456789abcdef";

describe("writeManifest", () => {
  it("empty and plain entries", () => {
    expect(write([]).toString()).toBe("[]");
    const plain = Array.from({ length: 5000 }, (_, i) => ({ relpath: `d${i % 7}/f${i}.bin`, md5: MD5 }));
    expect(write(plain).equals(reference(plain))).toBe(true);
  });

  it("escaped relpaths (quotes, backslashes, controls, non-ASCII, astral) grow the buffer", () => {
    const odd = ['a"b', "back\\slash", "tab\there", "nl\nx", "é", "日本語/ファイル", "emoji 😀", "\u007f", "x".repeat(300)];
    const entries = Array.from({ length: 2000 }, (_, i) => ({ relpath: `${odd[i % odd.length]}${i}`, md5: MD5 }));
    expect(write(entries).equals(reference(entries))).toBe(true);
  });

  it("matches the reference for arbitrary strings", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ relpath: fc.string({ unit: "binary" }), md5: fc.oneof(fc.constant(MD5), fc.string()) }), { maxLength: 40 }), (entries) => {
        expect(write(entries).equals(reference(entries))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
