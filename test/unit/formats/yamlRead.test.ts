import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseYaml } from "../../../src/formats/yamlRead.js";
import { PyFloat } from "../../../src/formats/pyjson.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, onlyDvxErrors } from "./fuzz.js";

function err(text: string, opts = {}): DvxError {
  try {
    parseYaml(text, "dir/f.yaml", opts);
  } catch (e) {
    expect(e).toBeInstanceOf(DvxError);
    expect((e as DvxError).code).toBe("MALFORMED_FILE");
    return e as DvxError;
  }
  throw new Error("expected an error");
}

describe("parseYaml", () => {
  it("resolves scalars like ruamel's YAML 1.2 safe loader", () => {
    expect(
      parseYaml(
        "a: yes\nb: 1_000\nc: 0b11\nd: 0123\ne: .5e5\nf: 1.0\ng: ~\nh:\ni: 2023-01-01\nj: 12345678901234567890123456789012\nk: '2.0'\nl: .inf\nm: -.Inf\nn: 0x1f\no: 1e5\np: on\nq: True\nr: NULL\ns: 2.0\n",
        "f",
      ),
    ).toEqual({
      a: "yes",
      b: 1000,
      c: 3,
      d: 123,
      e: ".5e5",
      f: 1,
      g: null,
      h: null,
      i: "2023-01-01",
      j: 12345678901234567890123456789012n,
      k: "2.0",
      l: Infinity,
      m: -Infinity,
      n: 31,
      o: 100000,
      p: "on",
      q: true,
      r: null,
      s: 2,
    });
  });
  it("keeps integral floats as PyFloat on request", () => {
    expect(parseYaml("a: 1.0\nb: 2\nc: 0.5\n", "f", { keepFloats: true })).toEqual({ a: new PyFloat(1), b: 2, c: 0.5 });
  });
  it("keeps key order and handles odd keys", () => {
    expect(Object.keys(parseYaml("z: 1\na: 2\nm: 3\n", "f") as object)).toEqual(["z", "a", "m"]);
    const proto = parseYaml("__proto__: {x: 1}\n", "f") as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
    expect(parseYaml("1: a\ntrue: b\n", "f")).toEqual({ 1: "a", true: "b" });
  });
  it("supports anchors, aliases and merge keys like ruamel", () => {
    expect(parseYaml("a: &x {b: 1, z: 0}\nc:\n  d: 2\n  <<: *x\n  b: 3\n", "f")).toEqual({ a: { b: 1, z: 0 }, c: { b: 3, z: 0, d: 2 } });
    const v = parseYaml("p: &p {x: 1, y: 1}\nq: &q {y: 2, w: 2}\nc:\n  k: 0\n  <<: [*p, *q]\n", "f") as Record<string, Record<string, unknown>>;
    expect(Object.entries(v["c"]!)).toEqual([["y", 1], ["w", 2], ["x", 1], ["k", 0]]);
  });
  it("empty documents are null", () => {
    expect(parseYaml("", "f")).toBe(null);
    expect(parseYaml("# only a comment\n", "f")).toBe(null);
  });
  it("reports errors with the file and 1-based line", () => {
    expect(err("a: 1\nb: [1\n").message).toMatch(/^dir\/f\.yaml:\d+: /);
    expect(err("a: 1\na: 2\n").message).toBe("dir/f.yaml:2: duplicate key 'a'");
    expect(err("a: 1\n---\nb: 2\n").message).toMatch(/^dir\/f\.yaml:2: expected a single YAML document/);
    expect(err("? [a]\n: b\n").message).toMatch(/complex mapping keys/);
    expect(err("a: !!binary aGVsbG8=\n").message).toMatch(/unsupported tag/);
    expect(err("a: !foo x\n").message).toMatch(/dir\/f\.yaml:1: /);
    expect(err("a: *x\n").message).toMatch(/unknown alias/);
    expect(err("%YAML 1.1\n---\na: yes\n").message).toMatch(/YAML 1.1/);
    expect(err("a: b: c\n").data).toEqual({ file: "dir/f.yaml", line: 1 });
    expect(err("\t- a\n").message).toMatch(/^dir\/f\.yaml:1:/);
  });
  it("enforces the size and depth caps", () => {
    expect(err("a: 1234567890\n", { maxBytes: 10 }).message).toMatch(/larger than the 10-byte limit/);
    expect(err("[".repeat(300) + "]".repeat(300)).message).toMatch(/nesting too deep/);
    expect(err("[".repeat(100_000) + "]".repeat(100_000)).message).toMatch(/nesting too deep/);
    let block = "";
    for (let i = 0; i < 300; i++) block += " ".repeat(i) + "a:\n";
    expect(err(block).message).toMatch(/nesting too deep/);
    expect(parseYaml("[".repeat(50) + "]".repeat(50), "f", { maxDepth: 60 })).toBeDefined();
  });
  it("refuses alias bombs", () => {
    let t = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    const names = "abcdefghijk";
    for (let i = 1; i < names.length; i++) {
      const prev = names[i - 1];
      t += `${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(",")}]\n`;
    }
    expect(err(t).message).toMatch(/too many alias expansions/);
  });
  it("never throws anything but DvxError", () => {
    const yamlish = fc.array(fc.constantFrom("a", ":", " ", "\n", "-", "[", "]", "{", "}", "&x", "*x", "!!str", "!t", "'", '"', "#", "?", ",", "<<", "|", ">", "\t", "---", "...", "%YAML 1.2", "1", "1.0", "~"), { maxLength: 40 }).map((a) => a.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), yamlish), (text) => {
        onlyDvxErrors(() => parseYaml(text, "f.yaml"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
