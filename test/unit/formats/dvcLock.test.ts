import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lockOutToDict, lockStageToDict, parseDvcLock, serializeDvcLock } from "../../../src/formats/dvcLock.js";
import { PyFloat } from "../../../src/formats/pyjson.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, FUZZ_RUNS_YAML, onlyDvxErrors } from "./fuzz.js";

const EXTERNAL =
  "schema: '2.0'\nstages:\n  mystage:\n    cmd: mycmd\n    deps:\n    - path: remote://workspace/foo\n      hash: md5\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n      size: 3\n    outs:\n    - path: remote://workspace/bar\n      hash: md5\n      md5: 37b51d194a7513e45b56f6524f2d51f2\n      size: 3\n";
const TRAIN =
  "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data\n      hash: md5\n      md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n      size: 6\n      nfiles: 2\n    params:\n      params.yaml:\n        epochs: 10\n        lr: 0.001\n    outs:\n    - path: model.pkl\n      hash: md5\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n      size: 3\n";

describe("dvc.lock: spec 5.2 examples byte for byte", () => {
  it("external outputs example", () => {
    const stage = lockStageToDict({
      cmd: "mycmd",
      deps: [lockOutToDict({ path: "remote://workspace/foo", hashName: "md5", md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3 })],
      outs: [lockOutToDict({ path: "remote://workspace/bar", hashName: "md5", md5: "37b51d194a7513e45b56f6524f2d51f2", size: 3 })],
    });
    expect(serializeDvcLock({ stages: { mystage: stage } })).toBe(EXTERNAL);
  });
  it("dir dep and params example", () => {
    const stage = lockStageToDict({
      cmd: "python train.py",
      deps: [lockOutToDict({ path: "data", hashName: "md5", md5: "5ea40360f5b4ec688df672a4db9c17d1.dir", size: 6, nfiles: 2 })],
      params: { "params.yaml": { lr: 0.001, epochs: 10 } },
      outs: [lockOutToDict({ path: "model.pkl", hashName: "md5", md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3 })],
    });
    expect(serializeDvcLock({ stages: new Map([["train", stage]]) })).toBe(TRAIN);
  });
  it("parses both", () => {
    const l = parseDvcLock(TRAIN, "dvc.lock");
    expect(l.schema).toBe("2.0");
    const t = l.stages.get("train")!;
    expect(t.cmd).toBe("python train.py");
    expect(t.deps[0]).toMatchObject({ path: "data", hashName: "md5", md5: "5ea40360f5b4ec688df672a4db9c17d1.dir", size: 6, nfiles: 2 });
    expect(t.outs[0]).toMatchObject({ path: "model.pkl", hashName: "md5", size: 3 });
    expect(t.params).toEqual({ "params.yaml": { epochs: 10, lr: 0.001 } });
    const e = parseDvcLock(EXTERNAL, "dvc.lock").stages.get("mystage")!;
    expect(e.outs[0]!.external).toBe(true);
  });
});

describe("dvc.lock key orders", () => {
  it("legacy entries have no hash key; deps/outs sorted by path; params.yaml first", () => {
    expect(Object.keys(lockOutToDict({ path: "a", hashName: "md5-dos2unix", md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, nfiles: 1 }))).toEqual(["path", "md5", "size", "nfiles"]);
    expect(Object.keys(lockOutToDict({ path: "a", hashName: "md5", md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, isexec: true }))).toEqual(["path", "hash", "md5", "size", "isexec"]);
    const s = lockStageToDict({ cmd: ["a", "b"], deps: [{ path: "b" }, { path: "B" }, { path: "a" }], params: { "z.yaml": { b: 1, a: 2 }, "params.yaml": { y: 1, x: 2 }, "a.json": { k: 1 } }, outs: [] });
    expect((s["deps"] as { path: string }[]).map((d) => d.path)).toEqual(["B", "a", "b"]);
    expect(Object.keys(s["params"] as object)).toEqual(["params.yaml", "a.json", "z.yaml"]);
    expect(Object.keys((s["params"] as Record<string, object>)["params.yaml"]!)).toEqual(["x", "y"]);
    expect("outs" in s).toBe(false);
  });
});

describe("dvc.lock update (Lockfile.dump_stages)", () => {
  const prev =
    "schema: '2.0'\nstages:\n  prep:\n    cmd: prep\n    params:\n      params.yaml:\n        w: 1.0\n    outs:\n    - path: data\n      md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n      size: 6\n      nfiles: 2\n  train:\n    cmd: train\n    outs:\n    - path: model.pkl\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n      size: 3\n";
  it("replaces an updated stage in place and leaves the others byte-identical", () => {
    const train = lockStageToDict({ cmd: "train", outs: [lockOutToDict({ path: "model.pkl", hashName: "md5", md5: "37b51d194a7513e45b56f6524f2d51f2", size: 3 })] });
    expect(serializeDvcLock({ stages: { train } }, prev)).toBe(
      prev.replace("    - path: model.pkl\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n", "    - path: model.pkl\n      hash: md5\n      md5: 37b51d194a7513e45b56f6524f2d51f2\n"),
    );
  });
  it("appends a new stage; keeps an unchanged legacy stage identical", () => {
    const l = parseDvcLock(prev, "dvc.lock");
    const p = l.stages.get("prep")!;
    const prep = lockStageToDict({ cmd: p.cmd, params: { "params.yaml": { w: new PyFloat(1) } }, outs: p.outs.map((o) => lockOutToDict(o)) });
    const evaluate = lockStageToDict({ cmd: "eval" });
    expect(serializeDvcLock({ stages: { prep, evaluate } }, prev)).toBe(prev + "  evaluate:\n    cmd: eval\n");
  });
  it("an empty previous file is treated as a fresh one", () => {
    expect(serializeDvcLock({ stages: { s: { cmd: "c" } } }, "")).toBe("schema: '2.0'\nstages:\n  s:\n    cmd: c\n");
  });
});

describe("parseDvcLock validation", () => {
  it.each([
    ["", "empty lock file"],
    ["schema: 2.0\nstages: {}\n", "invalid schema version 2"],
    ["stages: {}\n", "missing 'schema"],
    ["schema: '2.0'\nstages: []\n", "'stages' must be a mapping"],
    ["schema: '2.0'\nstages:\n  s: {}\n", "has no 'cmd'"],
    ["schema: '2.0'\nstages:\n  s:\n    cmd: c\n    outs:\n    - md5: x\n", "has no string 'path'"],
    ["schema: '2.0'\nstages:\n  s:\n    cmd: c\n    outs:\n    - path: a\n      md5: zz\n", "invalid hash"],
    ["schema: '2.0'\nbogus: 1\n", "unexpected key 'bogus'"],
  ])("rejects %j", (text, problem) => {
    try {
      parseDvcLock(text, "sub/dvc.lock");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).code).toBe("MALFORMED_FILE");
      expect((e as DvxError).message).toContain("sub/dvc.lock");
      expect((e as DvxError).message).toContain(problem);
    }
  });
  it("accepts wdir-relative paths with leading '..' but not escapes in the middle", () => {
    const ok = parseDvcLock("schema: '2.0'\nstages:\n  s:\n    cmd: c\n    outs:\n    - path: ../model.pkl\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n", "dvc.lock");
    expect(ok.stages.get("s")!.outs[0]!.path).toBe("../model.pkl");
    expect(() => parseDvcLock("schema: '2.0'\nstages:\n  s:\n    cmd: c\n    outs:\n    - path: a/../../b\n", "dvc.lock")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
  });
});

describe("properties", () => {
  const oid = fc.stringMatching(/^[0-9a-f]{32}(\.dir)?$/);
  const name = fc.stringMatching(/^[a-zA-Z0-9_. -]{1,10}$/).filter((s) => s !== "." && s !== ".." && s.trim() === s && s !== "__proto__");
  const entry = fc.record({
    path: fc.array(name, { minLength: 1, maxLength: 3 }).map((a) => a.join("/")),
    md5: oid,
    size: fc.nat(),
    hashName: fc.constantFrom("md5" as const, "md5-dos2unix" as const),
  });
  it("parse(serialize(x)) round-trips and re-serializing an unchanged lock is the identity", () => {
    fc.assert(
      fc.property(fc.dictionary(name, fc.record({ cmd: name, deps: fc.array(entry, { maxLength: 2 }), outs: fc.array(entry, { maxLength: 2 }) }), { maxKeys: 3, noNullPrototype: true }), (stages) => {
        const dicts: Record<string, Record<string, unknown>> = {};
        for (const [n, s] of Object.entries(stages)) dicts[n] = lockStageToDict({ cmd: s.cmd, deps: s.deps.map(lockOutToDict), outs: s.outs.map(lockOutToDict) });
        const text = serializeDvcLock({ stages: dicts });
        const parsed = parseDvcLock(text, "dvc.lock");
        expect([...parsed.stages.keys()]).toEqual(Object.keys(stages));
        for (const [n, s] of parsed.stages) {
          expect(s.outs.map((o) => lockOutToDict(o))).toEqual(dicts[n]!["outs"] ?? []);
        }
        const again: Record<string, Record<string, unknown>> = {};
        for (const [n, s] of parsed.stages) again[n] = lockStageToDict({ cmd: s.cmd, deps: s.deps.map(lockOutToDict), outs: s.outs.map(lockOutToDict) });
        expect(serializeDvcLock({ stages: again }, text)).toBe(text);
      }),
      { numRuns: FUZZ_RUNS_YAML },
    );
  });
  it("never throws anything but DvxError", () => {
    const piece = fc.constantFrom("schema: '2.0'\n", "stages:\n", "  s:\n", "    cmd: c\n", "    outs:\n", "    - path: ", "      md5: ", "acbd18db4cc2f85cedef654fccc4a4d8", "a\n", "      size: 3\n", "      hash: md5\n", "[", "{", ":", " ", "\n", "-", "2.0");
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(piece, { maxLength: 30 }).map((a) => a.join(""))), (text) => {
        onlyDvxErrors(() => parseDvcLock(text, "dvc.lock"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
