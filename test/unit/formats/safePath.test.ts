import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { assertSafeRelPath, resolveRelPath } from "../../../src/formats/safePath.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS } from "./fuzz.js";

describe("assertSafeRelPath", () => {
  it("accepts plain relative paths", () => {
    for (const p of ["a", "a/b", "a b/c.d", "..a", "a..", ".hidden", "a/.b", "données/é"]) {
      expect(assertSafeRelPath(p, "f")).toBe(p);
    }
  });
  it.each([
    ["", "empty"],
    ["/x", "absolute"],
    ["..", "'..' segment"],
    ["a/../b", "'..' segment"],
    ["../a", "'..' segment"],
    ["a\0b", "NUL"],
    ["a\\b", "backslash"],
    ["C:", "drive letter"],
    ["c:/x", "drive letter"],
    ["a//b", "empty segment"],
    ["a/", "empty segment"],
    ["./a", "'.' segment"],
    ["a/./b", "'.' segment"],
  ])("rejects %j", (p, reason) => {
    try {
      assertSafeRelPath(p, "some.dvc");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).code).toBe("UNSAFE_PATH");
      expect((e as DvxError).message).toContain(`some.dvc: unsafe path '${p}' (`);
      expect((e as DvxError).message).toContain(reason);
    }
  });
  it("allowParent accepts only leading '..' runs", () => {
    expect(assertSafeRelPath("../a", "f", { allowParent: true })).toBe("../a");
    expect(assertSafeRelPath("../../a/b", "f", { allowParent: true })).toBe("../../a/b");
    expect(() => assertSafeRelPath("a/../b", "f", { allowParent: true })).toThrow(DvxError);
    expect(() => assertSafeRelPath("..", "f", { allowParent: true })).toThrow(DvxError);
  });
  it("a path that passes never escapes when joined", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), (p) => {
        let ok = true;
        try {
          assertSafeRelPath(p, "f");
        } catch (e) {
          expect(e).toBeInstanceOf(DvxError);
          ok = false;
        }
        if (ok) expect(resolveRelPath("f", "", p)).toBe(p);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("resolveRelPath", () => {
  it("normalises and refuses escapes", () => {
    expect(resolveRelPath("f", "sub", "../data/x")).toBe("data/x");
    expect(resolveRelPath("f", "a/b", "c", "./d")).toBe("a/b/c/d");
    expect(() => resolveRelPath("f", "sub", "../../x")).toThrow(DvxError);
    expect(() => resolveRelPath("f", "", "/abs")).toThrow(DvxError);
    expect(() => resolveRelPath("f", "a", "..")).toThrow(DvxError);
  });
});
