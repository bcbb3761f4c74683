import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { emitYaml, resolvePlainScalar } from "../../../src/formats/yamlEmit.js";
import { parseYaml } from "../../../src/formats/yamlRead.js";
import { PyFloat } from "../../../src/formats/pyjson.js";
import { FUZZ_RUNS_YAML } from "./fuzz.js";

// Spec 6, scalar quoting table (ruamel 0.18.6, verified by running it).
const TABLE: [string, string][] = [
  ["d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"],
  ["12345678901234567890123456789012", "'12345678901234567890123456789012'"],
  ["000000000000000000000000000000e1", "'000000000000000000000000000000e1'"],
  ["2.0", "'2.0'"],
  ["1.5", "'1.5'"],
  [".5", "'.5'"],
  ["1e5", "'1e5'"],
  ["+1", "'+1'"],
  ["0x1F", "'0x1F'"],
  ["0o17", "'0o17'"],
  ["1_000", "'1_000'"],
  ["0123", "'0123'"],
  ["true", "'true'"],
  ["True", "'True'"],
  ["null", "'null'"],
  ["Null", "'Null'"],
  ["~", "'~'"],
  ["", "''"],
  ["yes", "yes"],
  ["no", "no"],
  ["on", "on"],
  ["y", "y"],
  ["2023-01-01", "'2023-01-01'"],
  ["2023-1-1", "2023-1-1"],
  ["a: b", "'a: b'"],
  ["a #b", "'a #b'"],
  ["#a", "'#a'"],
  ["- a", "'- a'"],
  ["-", "'-'"],
  ["? a", "'? a'"],
  ["a:", "'a:'"],
  ["a:b", "a:b"],
  ["a#b", "a#b"],
  ["-a", "-a"],
  ["?a", "?a"],
  [":a", ":a"],
  ["a,b", "a,b"],
  ["a'b", "a'b"],
  ['a"b', 'a"b'],
  ["a\\b", "a\\b"],
  ...["@a", "`a", "%a", "!a", "&a", "*a", "|a", ">a", "[a", "]a", "{a", "}a", ",a", '"a'].map((v): [string, string] => [v, `'${v}'`]),
  ["'a", `"'a"`],
  [" a", "' a'"],
  ["a ", "'a '"],
  ["a\tb", '"a\\tb"'],
  ["x\ny", '"x\\ny"'],
  ["<<", "'<<'"],
  ["=", "'='"],
  ["données/ü.csv", "données/ü.csv"],
];

describe("emitYaml: spec 6 quoting table", () => {
  it.each(TABLE)("%j -> %s", (value, emitted) => {
    expect(emitYaml({ k: value })).toBe(`k: ${emitted}\n`);
    expect(parseYaml(emitYaml({ k: value }), "t.yaml")).toEqual({ k: value });
  });
});

describe("emitYaml: scalars and layout", () => {
  it("writes numbers, booleans and null like ruamel", () => {
    expect(emitYaml({ a: 1, b: 0.001, c: 1e-5, d: new PyFloat(1e20), e: Infinity, f: -Infinity, g: NaN, h: true, i: false, j: null, k: new PyFloat(2) })).toBe(
      "a: 1\nb: 0.001\nc: 1e-05\nd: 1e+20\ne: .inf\nf: -.inf\ng: .nan\nh: true\ni: false\nj:\nk: 2.0\n",
    );
    expect(emitYaml({ big: 12345678901234567890123456789012n })).toBe("big: 12345678901234567890123456789012\n");
  });
  it("writes nested block collections", () => {
    expect(emitYaml({ k: [], m: {} })).toBe("k: []\nm: {}\n");
    expect(emitYaml([[1, [2, 3]], []])).toBe("- - 1\n  - - 2\n    - 3\n- []\n");
    expect(emitYaml([{ a: 1, b: [{ c: { d: 1 } }] }])).toBe("- a: 1\n  b:\n  - c:\n      d: 1\n");
    expect(emitYaml([null, ""])).toBe("- \n- ''\n");
    expect(emitYaml({ "": 1 })).toBe("'': 1\n");
    expect(emitYaml(new Map<string, unknown>([["b", 1], ["a", 2]]))).toBe("b: 1\na: 2\n");
  });
  it("writes top-level scalars as ruamel does", () => {
    expect(emitYaml("x")).toBe("x\n...\n");
    expect(emitYaml(null)).toBe("null\n...\n");
    expect(emitYaml("")).toBe("''\n");
  });
  it("dvc.yaml example (spec 5.1)", () => {
    expect(emitYaml({ stages: { mystage: { cmd: "mycmd", deps: ["remote://workspace/foo"], outs: [{ "remote://workspace/bar": { cache: false } }] } } })).toBe(
      "stages:\n  mystage:\n    cmd: mycmd\n    deps:\n    - remote://workspace/foo\n    outs:\n    - remote://workspace/bar:\n        cache: false\n",
    );
  });
  it("folds long lines at best_width 80 (spec 6 example)", () => {
    const cmd = "python train.py --epochs 10 --batch-size 32 --lr 0.001 --output models/model.pkl --seed 42 --verbose";
    expect(emitYaml({ cmd })).toBe("cmd: python train.py --epochs 10 --batch-size 32 --lr 0.001 --output models/model.pkl\n  --seed 42 --verbose\n");
    expect(parseYaml(emitYaml({ cmd }), "t")).toEqual({ cmd });
  });
  it("puts a single word longer than 80 chars on its own line after 'key: '", () => {
    const word = "x".repeat(90);
    expect(emitYaml({ path: word })).toBe(`path: \n  ${word}\n`);
    expect(parseYaml(emitYaml({ path: word }), "t")).toEqual({ path: word });
  });
  it("uses explicit keys for keys of 123+ characters", () => {
    const key = "k".repeat(123);
    expect(emitYaml({ [key]: 1 })).toBe(`? ${key}\n: 1\n`);
    expect(emitYaml({ [key.slice(1)]: 1 })).toBe(`${key.slice(1)}: 1\n`);
  });
  it("resolves plain scalars like ruamel's YAML 1.2 resolver", () => {
    expect(resolvePlainScalar("1_000")).toBe("int");
    expect(resolvePlainScalar(".5e5")).toBe("str");
    expect(resolvePlainScalar(".5e+5")).toBe("float");
    expect(resolvePlainScalar("yes")).toBe("str");
    expect(resolvePlainScalar("")).toBe("null");
    expect(resolvePlainScalar("2001-12-14 21:59:43.10 -5")).toBe("timestamp");
  });
  it("rejects values that are not plain data", () => {
    expect(() => emitYaml({ f: () => 1 })).toThrow(/unsupported/);
    expect(() => emitYaml(Symbol("x"))).toThrow(/unsupported/);
  });
});

// Outputs of the real ruamel.yaml 0.18.6 (test/unit/formats/fixtures/ruamel_dump.py) for 600
// random values: folding, quoting, escaping and nesting, byte for byte.
interface Fixture {
  input: unknown;
  yaml: string | { error: string };
}
function fromFixture(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromFixture);
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$f") {
      const f = (v as { $f: string }).$f;
      const x = f === "nan" ? NaN : f === "inf" ? Infinity : f === "-inf" ? -Infinity : Number(f);
      return new PyFloat(x);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "__proto__") Object.defineProperty(out, k, { value: fromFixture(x), enumerable: true, writable: true, configurable: true });
      else out[k] = fromFixture(x);
    }
    return out;
  }
  return v;
}
const fixtures = JSON.parse(readFileSync(new URL("./fixtures/ruamel-emit.json", import.meta.url), "utf8")) as Fixture[];

describe("emitYaml: ruamel corpus", () => {
  it(`matches ruamel byte for byte on ${fixtures.length} values`, () => {
    let mismatches = 0;
    for (const f of fixtures) {
      if (typeof f.yaml !== "string") continue;
      const mine = emitYaml(fromFixture(f.input));
      if (mine !== f.yaml) {
        mismatches++;
        expect(mine, JSON.stringify(f.input)).toBe(f.yaml);
      }
    }
    expect(mismatches).toBe(0);
  });
});

// ruamel treats U+0085/U+2028/U+2029 as line breaks inside scalars (YAML 1.1 heritage) and writes
// them raw, followed by indentation; the yaml package (YAML 1.2) does not, so such strings do not
// read back identically. They are left out of the round-trip property (see yamlRead.ts).
const noOddBreaks = (s: string) => !/[\u0085\u2028\u2029]/.test(s);
const key = fc.string({ unit: "binary", maxLength: 20 }).filter((k) => k !== "__proto__" && !/^(?:0|[1-9][0-9]*)$/.test(k) && noOddBreaks(k));
const scalar = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).filter(noOddBreaks),
  fc.array(fc.constantFrom("a", "bb", "x y", "'", '"', "#", ": ", "-", "\t", "\n", "é", "😀", "x".repeat(85)), { maxLength: 40 }).map((a) => a.join(" ")),
  fc.integer(),
  fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("v"), { maxLength: 4 }), fc.dictionary(key, tie("v"), { maxKeys: 4, noNullPrototype: true })),
})).v;

describe("emitYaml properties", () => {
  it("parseYaml(emitYaml(v)) == v and the text ends with exactly one newline", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true }), (v) => {
        const text = emitYaml(v);
        expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true);
        const back = parseYaml(text, "t.yaml");
        expect(back).toEqual(Object.keys(v).length === 0 ? {} : v);
        expect(emitYaml(back)).toBe(text);
      }),
      { numRuns: FUZZ_RUNS_YAML },
    );
  });
});
