import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { outToDict, parseDvcFile, serializeDvcFile, serializeDvcStage } from "../../../src/formats/dvcFile.js";
import { stageMd5 } from "../../../src/formats/stageMd5.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, FUZZ_RUNS_YAML, onlyDvxErrors } from "./fuzz.js";

const FILE_3X = "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n";
const DIR_3X = "outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n";
const DIR_2X = "outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  path: data\n";
const EXEC = "outs:\n- md5: d3b07384d113edec49eaa6238ad5ff00\n  size: 4\n  isexec: true\n  hash: md5\n  path: run.sh\n";
const ANNOTATED =
  "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n  desc: my data\n  type: dataset\n  labels:\n  - raw\n  - v1\n  meta:\n    owner: me\n  remote: myremote\n  push: false\n";
const EMPTY_DIR = "outs:\n- md5: d751713988987e9331980363e24189ce.dir\n  size: 0\n  nfiles: 0\n  hash: md5\n  path: empty\n";
const IMPORT_URL =
  "md5: 7033ee831f78a4dfec2fc71405516067\nfrozen: true\ndeps:\n- md5: b6dcab6ccd17ca0a8bf4a215a37d14cc.dir\n  size: 11\n  nfiles: 2\n  hash: md5\n  path: remote://workspace/dir\nouts:\n- md5: b6dcab6ccd17ca0a8bf4a215a37d14cc.dir\n  size: 11\n  nfiles: 2\n  hash: md5\n  path: dir\n";

describe("outToDict + serializeDvcFile: spec 4.3 examples byte for byte", () => {
  it("3.x file", () => {
    expect(serializeDvcFile([outToDict({ md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hashName: "md5", path: "foo" })])).toBe(FILE_3X);
  });
  it("3.x directory", () => {
    expect(serializeDvcFile([outToDict({ md5: "5ea40360f5b4ec688df672a4db9c17d1.dir", size: 6, nfiles: 2, hashName: "md5", path: "data" })])).toBe(DIR_3X);
  });
  it("2.x directory", () => {
    expect(serializeDvcFile([outToDict({ md5: "5ea40360f5b4ec688df672a4db9c17d1.dir", size: 6, nfiles: 2, hashName: "md5-dos2unix", path: "data" })])).toBe(DIR_2X);
  });
  it("executable file", () => {
    expect(serializeDvcFile([outToDict({ md5: "d3b07384d113edec49eaa6238ad5ff00", size: 4, isexec: true, hashName: "md5", path: "run.sh" })])).toBe(EXEC);
  });
  it("fully annotated output (flags in spec order, defaults dropped)", () => {
    const extra = { push: false, remote: "myremote", cache: true, meta: { owner: "me" }, labels: ["raw", "v1"], type: "dataset", desc: "my data", persist: false };
    expect(serializeDvcFile([outToDict({ md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hashName: "md5", path: "foo" }, extra)])).toBe(ANNOTATED);
  });
  it("empty directory", () => {
    expect(serializeDvcFile([outToDict({ md5: "d751713988987e9331980363e24189ce.dir", size: 0, nfiles: 0, hashName: "md5", path: "empty" })])).toBe(EMPTY_DIR);
  });
});

describe("spec 4.4 import stage", () => {
  it("import-url of a directory, stage md5 included", () => {
    const dir = { md5: "b6dcab6ccd17ca0a8bf4a215a37d14cc.dir", size: 11, nfiles: 2, hashName: "md5" as const };
    const stage = { frozen: true, deps: [outToDict({ ...dir, path: "remote://workspace/dir" })], outs: [outToDict({ ...dir, path: "dir" })] };
    expect(stageMd5(stage)).toBe("7033ee831f78a4dfec2fc71405516067");
    expect(serializeDvcStage({ ...stage, md5: stageMd5(stage) })).toBe(IMPORT_URL);
    const parsed = parseDvcFile(IMPORT_URL, "dir.dvc");
    expect(parsed.frozen).toBe(true);
    expect(parsed.md5).toBe("7033ee831f78a4dfec2fc71405516067");
    expect(parsed.deps[0]!.external).toBe(true);
    expect(parsed.outs[0]!.external).toBeUndefined();
  });
});

describe("spec 4.4 repo import", () => {
  it("reads a `dvc import` file (dep with repo info, no hash)", () => {
    const text =
      "md5: 0123456789abcdef0123456789abcdef\nfrozen: true\ndeps:\n- path: data/file\n  repo:\n    url: https://github.com/org/repo\n    rev_lock: 0123456789abcdef0123456789abcdef01234567\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: file\n";
    const d = parseDvcFile(text, "file.dvc");
    expect(d.deps[0]).toMatchObject({ path: "data/file", hashName: "md5-dos2unix" });
    expect(d.deps[0]!.md5).toBeUndefined();
    expect((d.deps[0]!.raw["repo"] as Record<string, unknown>)["rev_lock"]).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(serializeDvcStage(d.raw)).toBe(text);
    expect(serializeDvcFile(d.outs.map((o) => o.raw), text)).toBe(text);
  });
});

describe("spec 4.5 round-trip", () => {
  const legacy = "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  path: foo\n";
  it("a changed legacy entry keeps its keys in place and gets hash: md5 appended", () => {
    const out = outToDict({ md5: "b1946ac92492d2347c6235b4d2611184", size: 6, hashName: "md5", path: "foo" });
    expect(serializeDvcFile([out], legacy)).toBe("outs:\n- md5: b1946ac92492d2347c6235b4d2611184\n  size: 6\n  path: foo\n  hash: md5\n");
  });
  it("an unchanged legacy entry keeps its exact bytes", () => {
    const parsed = parseDvcFile(legacy, "foo.dvc");
    const o = parsed.outs[0]!;
    expect(o.hashName).toBe("md5-dos2unix");
    const out = outToDict({ md5: o.md5!, size: o.size, hashName: o.hashName, path: o.path });
    expect(serializeDvcFile([out], legacy)).toBe(legacy);
    // 2.0.0 wrote isexec after path: readers accept it and a rewrite keeps it there
    const old = "outs:\n- md5: d3b07384d113edec49eaa6238ad5ff00\n  size: 4\n  path: run.sh\n  isexec: true\n";
    const e = parseDvcFile(old, "run.sh.dvc").outs[0]!;
    expect(e.isexec).toBe(true);
    expect(serializeDvcFile([outToDict({ md5: e.md5!, size: e.size, isexec: e.isexec, hashName: e.hashName, path: e.path })], old)).toBe(old);
  });
  it("a user-written entry gets md5/size/hash appended after its keys; other keys are kept", () => {
    const user = "desc: top\nouts:\n  - path: foo\n    desc: mine\n    remote: r\nmeta:\n  k: 1.0\n";
    const out = outToDict({ md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hashName: "md5", path: "foo" }, { desc: "mine", remote: "r" });
    expect(serializeDvcFile([out], user)).toBe(
      "desc: top\nouts:\n- path: foo\n  desc: mine\n  remote: r\n  md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\nmeta:\n  k: 1.0\n",
    );
  });
  it("a list whose length changed is replaced", () => {
    const two = [
      outToDict({ md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hashName: "md5", path: "foo" }),
      outToDict({ md5: "37b51d194a7513e45b56f6524f2d51f2", size: 3, hashName: "md5", path: "bar" }),
    ];
    expect(serializeDvcFile(two, legacy)).toBe(
      "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  hash: md5\n  path: bar\n",
    );
  });
  it("round-trips every example unchanged", () => {
    for (const text of [FILE_3X, DIR_3X, DIR_2X, EXEC, ANNOTATED, EMPTY_DIR, IMPORT_URL]) {
      const parsed = parseDvcFile(text, "x.dvc");
      expect(serializeDvcFile(parsed.outs.map((o) => o.raw), text)).toBe(text);
      expect(serializeDvcStage(parsed.raw)).toBe(text);
    }
  });
});

describe("parseDvcFile", () => {
  it("reads the typed fields", () => {
    const a = parseDvcFile(ANNOTATED, "foo.dvc").outs[0]!;
    expect(a).toMatchObject({ path: "foo", md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hashName: "md5", cache: true, push: false, remote: "myremote" });
    const d = parseDvcFile(DIR_2X, "data.dvc").outs[0]!;
    expect(d).toMatchObject({ path: "data", md5: "5ea40360f5b4ec688df672a4db9c17d1.dir", nfiles: 2, hashName: "md5-dos2unix", cache: true, push: true });
    expect(parseDvcFile("outs:\n- md5: ACBD18DB4CC2F85CEDEF654FCCC4A4D8\n  path: ./foo\n  cache: false\n", "f.dvc").outs[0]).toMatchObject({ md5: "acbd18db4cc2f85cedef654fccc4a4d8", path: "foo", cache: false });
    expect(parseDvcFile("outs:\n- md5: 12345678901234567890123456789012\n  path: foo\n", "f.dvc").outs[0]!.md5).toBe("12345678901234567890123456789012");
    expect(parseDvcFile("outs:\n- md5: ''\n  path: foo\n", "f.dvc").outs[0]!.md5).toBeUndefined();
    expect(parseDvcFile("wdir: ../x\nouts:\n- path: foo\n", "f.dvc").wdir).toBe("../x");
    expect(parseDvcFile("locked: true\nouts:\n- path: foo\n", "f.dvc").frozen).toBe(true);
    expect(parseDvcFile("outs:\n- path: foo\n  size: 3\n", "f.dvc").outs[0]!.md5).toBeUndefined();
  });
  it.each([
    ["", "empty .dvc file"],
    ["- a\n", "must be a mapping"],
    ["outs: foo\n", "'outs' must be a list"],
    ["outs:\n- foo\n", "outs[0] must be a mapping"],
    ["outs:\n- md5: x\n", "has no string 'path'"],
    ["outs:\n- path: foo\n  md5: xyz\n", "invalid hash"],
    ["outs:\n- path: foo\n  md5: 1.5\n", "'md5' must be a string"],
    ["outs:\n- path: foo\n  size: -1\n", "non-negative integer"],
    ["outs:\n- path: foo\n  nfiles: x\n", "non-negative integer"],
    ["outs:\n- path: foo\n  isexec: 'yes'\n", "true or false"],
    ["outs:\n- path: foo\n  hash: sha256\n", "unsupported 'hash: sha256'"],
    ["outs:\n- path: foo\n  cache: 1\n", "true or false"],
    ["bogus: 1\nouts: []\n", "unexpected key 'bogus'"],
  ])("rejects %j", (text, problem) => {
    try {
      parseDvcFile(text, "d/x.dvc");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).code).toBe("MALFORMED_FILE");
      expect((e as DvxError).message).toContain("d/x.dvc");
      expect((e as DvxError).message).toContain(problem);
    }
  });
  it.each(["../x", "/etc/passwd", "a/../../b", "a\\b", "C:/x", "a//b"])("rejects the output path %j", (p) => {
    if (p.startsWith("/")) {
      // absolute paths are (2.x) external outputs: flagged, never joined to the workspace
      expect(parseDvcFile(`outs:\n- path: ${p}\n`, "x.dvc").outs[0]!.external).toBe(true);
      return;
    }
    expect(() => parseDvcFile(`outs:\n- path: '${p}'\n`, "x.dvc")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
  });
});

describe("properties", () => {
  const oid = fc.stringMatching(/^[0-9a-f]{32}(\.dir)?$/);
  const name = fc.stringMatching(/^[^/\\\0\n]{1,12}$/).filter((s) => s !== "." && s !== ".." && !/^[A-Za-z]:/.test(s) && s.trim() === s && !/^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(s));
  const entry = fc.record({
    md5: oid,
    size: fc.option(fc.nat(), { nil: undefined }),
    nfiles: fc.option(fc.nat(), { nil: undefined }),
    isexec: fc.option(fc.boolean(), { nil: undefined }),
    hashName: fc.constantFrom("md5" as const, "md5-dos2unix" as const),
    path: fc.array(name, { minLength: 1, maxLength: 3 }).map((a) => a.join("/")),
  });
  it("parse(serialize(outs)) gives the same entries, and re-serializing is stable", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 3 }), (entries) => {
        const text = serializeDvcFile(entries.map((e) => outToDict(e)));
        const parsed = parseDvcFile(text, "x.dvc");
        expect(parsed.outs.map((o) => ({ md5: o.md5, size: o.size, nfiles: o.nfiles, isexec: o.isexec || undefined, hashName: o.hashName, path: o.path }))).toEqual(
          entries.map((e) => ({ ...e, isexec: e.isexec || undefined })),
        );
        expect(serializeDvcFile(parsed.outs.map((o) => o.raw), text)).toBe(text);
      }),
      { numRuns: FUZZ_RUNS_YAML },
    );
  });
  it("never throws anything but DvxError", () => {
    const piece = fc.constantFrom("outs:\n", "deps:\n", "- ", "  ", "md5: ", "path: ", "size: ", "hash: md5\n", "acbd18db4cc2f85cedef654fccc4a4d8", "foo", "../x", "\n", "1", "-1", "true", "[", "{}", "wdir: ", "frozen: ", ":", "'");
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.array(piece, { maxLength: 30 }).map((a) => a.join(""))), (text) => {
        onlyDvxErrors(() => parseDvcFile(text, "x.dvc"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
