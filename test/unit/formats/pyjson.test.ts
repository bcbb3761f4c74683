import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareCodePoints, PyFloat, pyFloatRepr, pyJsonDumps, pyJsonString } from "../../../src/formats/pyjson.js";
import { FUZZ_RUNS } from "./fuzz.js";

describe("pyJsonString", () => {
  it("escapes like json.dumps(ensure_ascii=True)", () => {
    expect(pyJsonString("abc")).toBe('"abc"');
    expect(pyJsonString('we"ird\\name\u007f')).toBe('"we\\"ird\\\\name\\u007f"');
    expect(pyJsonString("\n\r\t\b\f\u0000\u001f")).toBe('"\\n\\r\\t\\b\\f\\u0000\\u001f"');
    expect(pyJsonString("données/é.txt")).toBe('"donn\\u00e9es/\\u00e9.txt"');
    expect(pyJsonString("\uffff\u{1f600}")).toBe('"\\uffff\\ud83d\\ude00"');
    expect(pyJsonString("/")).toBe('"/"');
  });
  it("is parsed back by JSON.parse", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = pyJsonString(s);
        expect(/^[\x20-\x7e]*$/.test(out)).toBe(true);
        expect(JSON.parse(out)).toBe(s);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("pyFloatRepr", () => {
  it.each([
    [0.001, "0.001"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [1e20, "1e+20"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [1.5, "1.5"],
    [100, "100.0"],
    [-2.5e-7, "-2.5e-07"],
    [0.1 + 0.2, "0.30000000000000004"],
    [123456789012345678, "1.2345678901234568e+17"],
    [1e300 * 10, "1e+301"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
  ])("%s -> %s", (x, s) => {
    expect(pyFloatRepr(x)).toBe(s);
  });
  it("round-trips", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(pyFloatRepr(x))).toBe(x);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("pyJsonDumps", () => {
  it("sorts keys and uses Python separators", () => {
    expect(pyJsonDumps({ b: 1, a: [true, false, null, 1.5, new PyFloat(2), "x"], c: {} })).toBe(
      '{"a": [true, false, null, 1.5, 2.0, "x"], "b": 1, "c": {}}',
    );
    expect(pyJsonDumps([])).toBe("[]");
    expect(pyJsonDumps({ "\u{1f600}": 1, "\uffff": 2 })).toBe('{"\\uffff": 2, "\\ud83d\\ude00": 1}');
    expect(pyJsonDumps(12345678901234567890n)).toBe("12345678901234567890");
    expect(pyJsonDumps(NaN)).toBe("NaN");
  });
  it("agrees with JSON.parse on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(pyJsonDumps(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("compareCodePoints", () => {
  it("orders by code point", () => {
    expect(compareCodePoints("\uffff", "\u{1f600}")).toBeLessThan(0);
    expect(compareCodePoints("a", "a/b")).toBeLessThan(0);
    expect(compareCodePoints("a-b", "a.b")).toBeLessThan(0);
    expect(compareCodePoints("a.b", "a/b")).toBeLessThan(0);
    expect(compareCodePoints("a/b", "a0")).toBeLessThan(0);
    expect(compareCodePoints("B", "a")).toBeLessThan(0);
    expect(compareCodePoints("x\u{1f600}", "x\u{1f601}")).toBeLessThan(0);
    expect(compareCodePoints("x\ud83d", "x\u{1f600}")).toBeLessThan(0);
    expect(compareCodePoints("same", "same")).toBe(0);
  });
  it("matches a code point array comparison", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        const ca = [...a].map((c) => c.codePointAt(0)!);
        const cb = [...b].map((c) => c.codePointAt(0)!);
        let ref = 0;
        for (let i = 0; i < Math.min(ca.length, cb.length) && ref === 0; i++) ref = ca[i]! - cb[i]!;
        if (ref === 0) ref = ca.length - cb.length;
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(ref));
        expect(Math.sign(compareCodePoints(b, a)) === -Math.sign(ref)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
