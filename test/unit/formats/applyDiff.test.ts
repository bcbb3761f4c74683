import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyDiff, pyEqual } from "../../../src/formats/applyDiff.js";
import { PyFloat } from "../../../src/formats/pyjson.js";
import { FUZZ_RUNS } from "./fuzz.js";

describe("applyDiff (dvc/utils/collections.py apply_diff)", () => {
  it("keeps dest key positions, appends new keys, deletes missing ones", () => {
    const dest = { md5: "a", size: 3, path: "foo", gone: 1 };
    const src = { md5: "b", size: 6, hash: "md5", path: "foo" };
    const out = applyDiff(src, dest) as Record<string, unknown>;
    expect(Object.entries(out)).toEqual([["md5", "b"], ["size", 6], ["path", "foo"], ["hash", "md5"]]);
    expect(dest).toEqual({ md5: "a", size: 3, path: "foo", gone: 1 }); // not mutated
  });
  it("recurses into same-kind containers and replaces lists whose length changed", () => {
    const dest = { outs: [{ path: "foo", desc: "x" }], meta: { a: 1 } };
    expect(applyDiff({ outs: [{ path: "foo", md5: "m" }], meta: { b: 2 } }, dest)).toEqual({ outs: [{ path: "foo", md5: "m" }], meta: { b: 2 } });
    const longer = applyDiff({ outs: [{ path: "a" }, { path: "b" }] }, { outs: [{ path: "a", x: 1 }] }) as { outs: unknown[] };
    expect(longer.outs).toEqual([{ path: "a" }, { path: "b" }]);
    expect(applyDiff({ a: [1, { b: 2 }] }, { a: [1, "x"] })).toEqual({ a: [1, { b: 2 }] });
  });
  it("keeps dest values that Python considers equal", () => {
    const out = applyDiff({ a: 1, b: true, c: 2 }, { a: new PyFloat(1), b: 1, c: 2n }) as Record<string, unknown>;
    expect(out["a"]).toBeInstanceOf(PyFloat);
    expect(out["b"]).toBe(1);
    expect(out["c"]).toBe(2n);
    expect(pyEqual({ a: 1, b: [1] }, { b: [true], a: 1.0 })).toBe(true);
    expect(pyEqual("1", 1)).toBe(false);
    expect(pyEqual([1], [1, 2])).toBe(false);
  });
  it("refuses mismatched top-level types", () => {
    expect(() => applyDiff([], {})).toThrow(/cannot apply/);
  });
  it("result equals src (by Python equality) and keeps dest order for shared keys", () => {
    const v = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: "small" }, fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", "b"), fc.boolean(), fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("k", "l", "m", "n"), tie("v"), { maxKeys: 4, noNullPrototype: true })),
    })).v;
    const map = fc.dictionary(fc.constantFrom("k", "l", "m", "n", "o"), v, { maxKeys: 5, noNullPrototype: true });
    fc.assert(
      fc.property(map, map, (src, dest) => {
        const out = applyDiff(src, dest) as Record<string, unknown>;
        expect(pyEqual(out, src)).toBe(true);
        const keys = Object.keys(out);
        const shared = Object.keys(dest).filter((k) => k in src);
        expect(keys.slice(0, shared.length)).toEqual(shared);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
