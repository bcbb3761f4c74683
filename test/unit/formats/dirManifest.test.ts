import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { manifestOid, parseManifest, serializeManifest, type ManifestEntry } from "../../../src/formats/dirManifest.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, onlyDvxErrors } from "./fuzz.js";

const md5 = (b: string | Uint8Array) => createHash("md5").update(b).digest("hex");
const tree = (files: Record<string, string | Uint8Array>): ManifestEntry[] =>
  Object.entries(files).map(([relpath, content]) => ({ relpath, md5: md5(content) }));
const named = (...names: string[]) => tree(Object.fromEntries(names.map((n) => [n, n])));

// Spec 12.2. Built from file contents (md5 computed here) or given md5s.
const VECTORS: [string, ManifestEntry[], string, string?][] = [
  ["D1", tree({ foo: "foo", bar: "bar", "subdir/data": "data" }), "8761c4e9acad696bee718615e23e22db.dir",
    '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}, {"md5": "8d777f385d3dfec8815d20f7496026dc", "relpath": "subdir/data"}]'],
  ["D2", tree({ data: "data" }), "af314506f1622d107e0ed3f14ec1a3b5.dir"],
  ["D3", tree({ foo: "foo", bar: "bar" }), "5ea40360f5b4ec688df672a4db9c17d1.dir",
    '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]'],
  ["D4", named("foo", "bar", "baz"), "ba75a2162ca9c29acecb7957105a0bc2.dir"],
  ["D5", named("one", "two"), "6b18131dc289fd37006705affe961ef8.dir"],
  ["D6", named("master", "one", "two"), "839ef9371606817569c1ee0e5f4ed233.dir"],
  ["D7", tree({ file: "file", "subdir/subfile": "subfile" }), "b6dcab6ccd17ca0a8bf4a215a37d14cc.dir",
    '[{"md5": "8c7dd922ad47494fc02c388e12c00eac", "relpath": "file"}, {"md5": "293b26bf46281c75310f75c336661a05", "relpath": "subdir/subfile"}]'],
  ["D8", tree({ foo: "foo", bar: "bar", "subdir/lorem": "lorem", "subdir/ipsum": "ipsum" }), "15b0e3c73ad2c748ce206988cb6b7319.dir"],
  ["D8b", tree({ foo: "foo", "subdir/lorem": "lorem" }), "22a16c9bf84b3068bc2206d88a6b5776.dir"],
  ["D8c", named("foo", "bar", "foobar"), "a5beca056acbef9e0013347efdc2b751.dir"],
  ["D9", [], "d751713988987e9331980363e24189ce.dir", "[]"],
  ["D10", tree({ "a/b": "1", "a-b": "2", "a.b": "3", B: "4", a0: "5" }), "94c15c98c06885cf3eb8532510d81728.dir",
    '[{"md5": "a87ff679a2f3e71d9181a67b7542122c", "relpath": "B"}, {"md5": "c81e728d9d4c2f636f067f89cc14862c", "relpath": "a-b"}, {"md5": "eccbc87e4b5ce2fe28308fd9f2a7baf3", "relpath": "a.b"}, {"md5": "c4ca4238a0b923820dcc509a6f75849b", "relpath": "a/b"}, {"md5": "e4da3b7fbbce2345d7772b0674a318d5", "relpath": "a0"}]'],
  ["D11", tree({ "\u{1f600}": "y", "\uffff": "x" }), "40c48be331910cb53768702a8fac1a94.dir",
    '[{"md5": "9dd4e461268c8034f5c8564e155c67a6", "relpath": "\\uffff"}, {"md5": "415290769594460e2e485922904f345d", "relpath": "\\ud83d\\ude00"}]'],
  ["D12", tree({ "données/é.txt": "é\n" }), "631082ed8408b2bb07095ecbe0da1b72.dir",
    '[{"md5": "88df14e6957d2adb8ae54d0269f546ab", "relpath": "donn\\u00e9es/\\u00e9.txt"}]'],
  ["D13", tree({ 'we"ird\\name\u007f': "z" }), "ce848e3dabd02a2f78a350a78c923176.dir",
    '[{"md5": "fbade9e36a3f36d3d676c1b808451dd7", "relpath": "we\\"ird\\\\name\\u007f"}]'],
  ["D14", [{ relpath: "bin", md5: md5(Buffer.from([0, 1])) }, { relpath: "a.txt", md5: md5("a\r\nb\r\n") }], "91d774a9305e850d88537f7bc7475b4b.dir",
    '[{"md5": "59b0d7772f0561efb95518f3cb8abc60", "relpath": "a.txt"}, {"md5": "441077cc9e57554dd476bdfb8b8b8102", "relpath": "bin"}]'],
  ["D14L", [{ relpath: "a.txt", md5: md5("a\nb\n") }, { relpath: "bin", md5: "441077cc9e57554dd476bdfb8b8b8102" }], "5a46ed81b7cf4523d2aa777e53599882.dir",
    '[{"md5": "dd8c6a395b5dd36c56d23275028f526c", "relpath": "a.txt"}, {"md5": "441077cc9e57554dd476bdfb8b8b8102", "relpath": "bin"}]'],
];

describe("serializeManifest: spec 12.2 vectors", () => {
  it.each(VECTORS)("%s", (_id, entries, oid, bytes) => {
    const out = serializeManifest(entries);
    if (bytes !== undefined) expect(out.toString("utf8")).toBe(bytes);
    expect(manifestOid(out)).toBe(oid);
    if (_id === "D13") {
      // A backslash is a legal POSIX filename character, but dvx refuses it on read (brief: unsafe on Windows).
      expect(() => parseManifest(out, "x.dir")).toThrow(/unsafe path/);
      return;
    }
    const back = parseManifest(out, "x.dir");
    expect(new Map(back.map((e) => [e.relpath, e.md5]))).toEqual(new Map(entries.map((e) => [e.relpath, e.md5])));
  });
  it("D1 is 197 bytes", () => {
    expect(serializeManifest(VECTORS[0]![1]).length).toBe(197);
  });
});

describe("parseManifest", () => {
  const h = "acbd18db4cc2f85cedef654fccc4a4d8";
  const p = (s: string) => parseManifest(Buffer.from(s), "cache/ab/cd.dir");
  const code = (s: string) => {
    try {
      p(s);
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).message).toContain("cache/ab/cd.dir");
      return (e as DvxError).code;
    }
    return "OK";
  };
  it("tolerates extra keys, order and spacing", () => {
    expect(p(`[ {"relpath":"a","size":3,"md5":"${h}"} ]`)).toEqual([{ relpath: "a", md5: h }]);
  });
  it("rejects bad input", () => {
    expect(code("{}")).toBe("MALFORMED_FILE");
    expect(code("[")).toBe("MALFORMED_FILE");
    expect(code("[1]")).toBe("MALFORMED_FILE");
    expect(code(`[{"md5": "${h}"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a", "md5": "${h}.dir"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a", "md5": "${h.toUpperCase()}"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a", "md5": "../../etc"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a", "md5": "${h}"}, {"relpath": "a", "md5": "${h}"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a", "md5": "${h}"}, {"relpath": "a/b/c", "md5": "${h}"}]`)).toBe("MALFORMED_FILE");
    expect(code(`[{"relpath": "a/b/c", "md5": "${h}"}, {"relpath": "a/b", "md5": "${h}"}]`)).toBe("MALFORMED_FILE");
    for (const bad of ["../x", "/etc/passwd", "a//b", "./a", "a/./b", "a\\\\b", "C:x", "a/..", "", "a\\u0000b", "a/"]) {
      expect(code(`[{"relpath": "${bad}", "md5": "${h}"}]`)).toBe("UNSAFE_PATH");
    }
    expect(() => parseManifest(Buffer.from([0x5b, 0xff, 0x5d]), "x")).toThrow(DvxError);
  });
  it("accepts siblings that share a prefix string", () => {
    expect(p(`[{"relpath": "a", "md5": "${h}"}, {"relpath": "ab/c", "md5": "${h}"}, {"relpath": "a.b", "md5": "${h}"}]`)).toHaveLength(3);
  });
});

const segment = fc.string({ unit: "binary", minLength: 1, maxLength: 6 }).filter((s) => !s.includes("/") && !s.includes("\\") && !s.includes("\0") && s !== "." && s !== ".." && !/^[A-Za-z]:/.test(s));
const relpath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((a) => a.join("/"));
const oid = fc.stringMatching(/^[0-9a-f]{32}$/);

describe("manifest properties", () => {
  it("serialize -> parse round-trips (as a sorted set)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ relpath, md5: oid }), { selector: (e) => e.relpath, maxLength: 20 }), (entries) => {
        const names = new Set(entries.map((e) => e.relpath));
        const conflict = entries.some((e) => e.relpath.split("/").some((_, i, a) => i > 0 && names.has(a.slice(0, i).join("/"))));
        fc.pre(!conflict);
        const bytes = serializeManifest(entries);
        const back = parseManifest(bytes, "m");
        expect(new Map(back.map((e) => [e.relpath, e.md5]))).toEqual(new Map(entries.map((e) => [e.relpath, e.md5])));
        expect(serializeManifest(back).equals(bytes)).toBe(true);
        // Python json.loads would read exactly the same entries back.
        expect(JSON.parse(bytes.toString("utf8"))).toEqual(back.map((e) => ({ md5: e.md5, relpath: e.relpath })));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
  it("never throws anything but DvxError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? ""))), (bytes) => {
        onlyDvxErrors(() => parseManifest(bytes, "m"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
