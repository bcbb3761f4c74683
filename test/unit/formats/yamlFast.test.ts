/**
 * The fast path for DVC's block layout (yamlFast.ts) against the full reader: on every text it
 * either declines (undefined) or returns exactly what the full reader returns, and it never
 * accepts a text the full reader rejects. It must also actually accept what DVC and dvx write.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseDvcYamlFast } from "../../../src/formats/yamlFast.js";
import { parseYaml } from "../../../src/formats/yamlRead.js";
import { emitYaml } from "../../../src/formats/yamlEmit.js";
import { FUZZ_RUNS } from "./fuzz.js";

type Full = { ok: true; value: unknown } | { ok: false };

function full(text: string, keepFloats = false): Full {
  try {
    return { ok: true, value: parseYaml(text, "f.yaml", { keepFloats, fastPath: false }) };
  } catch {
    return { ok: false };
  }
}

const tally = { accepted: 0, seen: 0 };

/** The property: declined, or equal to the full reader (which must then accept the text too). */
function agrees(text: string, keepFloats = false): boolean {
  const fast = parseDvcYamlFast(text, keepFloats, 256);
  tally.seen++;
  if (fast === undefined) return true;
  tally.accepted++;
  const ref = full(text, keepFloats);
  expect(ref.ok, `fast path accepted what the full reader rejects:\n${text}`).toBe(true);
  expect(fast, text).toStrictEqual((ref as { value: unknown }).value);
  return true;
}

const DVC_WRITTEN = [
  // dvc add of a directory (3.x)
  "outs:\n- md5: 00aac1ee47b3d1d8a1af2f2233312199.dir\n  size: 2048000000\n  nfiles: 20000\n  hash: md5\n  path: data\n",
  // a file, executable, with a desc and meta
  "outs:\n- md5: d41d8cd98f00b204e9800998ecf8427e\n  size: 0\n  hash: md5\n  path: run.sh\n  isexec: true\ndesc: raw images\nmeta:\n  owner: ml-team\n",
  // 2.x: no hash field, an all-digit md5 (an int to YAML, quoted by DVC's emitter)
  "outs:\n- md5: '12345678901234567890123456789012'\n  size: 3\n  path: digits\n",
  // dvc.lock
  "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py --epochs=3\n    deps:\n    - path: data\n      hash: md5\n      md5: 00aac1ee47b3d1d8a1af2f2233312199.dir\n      size: 2048000000\n      nfiles: 20000\n    - path: train.py\n      hash: md5\n      md5: 3f4e6a27c2e1b6e2b7d0d6b8a4c4a9e1\n      size: 812\n    params:\n      params.yaml:\n        lr: 0.001\n        epochs: 3\n    outs:\n    - path: model.pkl\n      hash: md5\n      md5: 9c1185a5c5e9fc54612808977ee8f548\n      size: 1024\n",
  // dvc.yaml
  "stages:\n  prepare:\n    cmd: python prepare.py\n    deps:\n    - prepare.py\n    - data/raw\n    outs:\n    - data/prepared\n  train:\n    cmd: python train.py\n    frozen: true\n",
];

describe("parseDvcYamlFast", () => {
  it("reads what DVC and dvx write, exactly as the full reader does", () => {
    for (const text of DVC_WRITTEN) {
      const fast = parseDvcYamlFast(text, false, 256);
      expect(fast, text).not.toBeUndefined();
      expect(fast).toStrictEqual(full(text).value);
    }
  });

  it("is parseYaml's default, and spares loading the yaml package (built dist, fresh process)", () => {
    for (const text of DVC_WRITTEN) expect(parseYaml(text, "f")).toStrictEqual(full(text).value);
    const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/src/formats");
    const yamlLoaded = (text: string): string => {
      const script = `import { createRequire } from "node:module";
        const { parseDvcFile } = await import(${JSON.stringify(`${dist}/dvcFile.js`)});
        parseDvcFile(${JSON.stringify(text)}, "x.dvc");
        console.log(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("/node_modules/yaml/")));`;
      return execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim();
    };
    expect(yamlLoaded(DVC_WRITTEN[0]!)).toBe("false");
    expect(yamlLoaded("# a comment sends it to the full parser\n" + DVC_WRITTEN[0]!)).toBe("true");
  });

  it("declines what it does not fully understand", () => {
    const declined = [
      "a: 1 # comment\n", // comments
      "a: [1, 2]\n", // flow collections
      'a: "x"\n', // double quotes
      "a: &x 1\nb: *x\n", // anchors and aliases
      "a: !!str 1\n", // tags
      "a: |\n  text\n", // block scalars
      "a: one\n\n  two\n", // a blank line inside a folded scalar (a line break)
      "a: one\n  - two\n", // a continuation that starts like a sequence entry
      "a: 'one\n  two'\n", // a quoted scalar over two lines
      "a: 1\na: 2\n", // duplicate keys (the full reader's error names the line)
      "a:\tb\n", // tabs
      "a: b\r\n", // CR line ends
      "---\na: 1\n", // document markers
      "a: 'it''s'\n", // escaped quotes
      "- - a\n", // nested sequences on one line
      "a:  b\n", // two spaces after the colon
      "a: b \n", // trailing space
      "a: -\n", // a sequence indicator where a value is expected
      "a: - b\n",
      "'quoted key': 1\n",
      "10: ten\n", // integer-like keys reorder in JS objects
      "a: données\n", // non-ASCII
      "  a: 1\n", // indented root
      "a: 1\n \nb: 2\n", // whitespace-only line
      "a: 0b_\n", // an int the full reader reports as invalid
    ];
    for (const text of declined) expect(parseDvcYamlFast(text, false, 256), JSON.stringify(text)).toBeUndefined();
  });

  it("reads scalars folded over several lines, and indicators inside a scalar, like DVC's cmd lines", () => {
    const text =
      "stages:\n  derive:\n    cmd: tr a-z A-Z < crlf.txt > upper.txt && mkdir -p parts && head -n 1 crlf.txt\n      > parts/first.txt && tail -n 1 crlf.txt > parts/last.txt\n    deps:\n    - crlf.txt\n    - python -c \"print('x')\" [a] {b} !c *d\n      &e | f % g @ h\n";
    const fast = parseDvcYamlFast(text, false, 256) as { stages: { derive: { cmd: string; deps: string[] } } };
    expect(fast.stages.derive.cmd).toBe("tr a-z A-Z < crlf.txt > upper.txt && mkdir -p parts && head -n 1 crlf.txt > parts/first.txt && tail -n 1 crlf.txt > parts/last.txt");
    expect(fast.stages.derive.deps[1]).toBe("python -c \"print('x')\" [a] {b} !c *d &e | f % g @ h");
    agrees(text);
  });

  it("resolves plain scalars like the full reader (ints, floats, bools, nulls, timestamps as strings)", () => {
    const text = "a: yes\nb: 1_000\nc: 0b11\nd: 0123\ne: .5e5\nf: 1.0\ng: ~\nh:\ni: 2023-01-01\nj: 12345678901234567890123456789012\nk: '2.0'\nl: .inf\nm: -.Inf\nn: 0x1f\no: 1e5\np: on\nq: True\nr: NULL\ns: 2.0\nt: s3://bucket/key\nu: a:b\n";
    for (const keepFloats of [false, true]) {
      expect(parseDvcYamlFast(text, keepFloats, 256)).not.toBeUndefined();
      agrees(text, keepFloats);
    }
  });

  it("agrees with the full reader on every document the emitter writes", () => {
    tally.accepted = tally.seen = 0;
    const key = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom("md5", "size", "path", "outs", "deps", "cmd", "__proto__", "x.y", "a-b", "true", "null", "_k") },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    );
    const word = fc.stringMatching(/^[a-z0-9_./-]{1,12}$/);
    // commands as DVC stores them: shell indicators inside, long enough to be folded at 80 columns
    const cmd = fc.array(fc.constantFrom("python", "train.py", "--lr=0.1", "<", ">", "&&", "|", "2>&1", "'x'", '"y"', "[a]", "{b}", "#", "# c", "a:b", ": ", "-", "--", "!x", "*y", "&z", "%p", "@q", "`r`", "?", "x".repeat(40)), { minLength: 1, maxLength: 16 }).map((a) => a.join(" "));
    const scalar = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("1e3", "0x1F", "yes", "null", "~", "True", "1_000", "-5", "+5", ".5", "2023-01-01", "a b", "a: b", "a #b", "- a", "-", "s3://b/k", "'q'", "", " x", "x ", ".inf", ".NaN", "0o17", "0b", "00", "1.", "d41d8cd98f00b204e9800998ecf8427e", "12345678901234567890123456789012") },
      { weight: 4, arbitrary: word },
      { weight: 3, arbitrary: cmd },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 2, arbitrary: fc.integer() },
      { weight: 1, arbitrary: fc.double({ noNaN: true }) },
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("seq"), tie("map")),
      // sequences of sequences ("- - x") are declined, and DVC never writes them: mostly scalars and
      // mappings here; empty collections are written in flow style: declined
      seq: fc.array(fc.oneof({ weight: 6, arbitrary: fc.oneof(scalar, tie("map")) }, { weight: 1, arbitrary: tie("seq") }), { minLength: 1, maxLength: 4 }),
      map: fc.dictionary(key, tie("v"), { minKeys: 1, maxKeys: 5 }),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, value.v, { minKeys: 1, maxKeys: 5 }), (doc) => {
        const text = emitYaml(doc);
        return agrees(text) && agrees(text, true);
      }),
      { numRuns: FUZZ_RUNS },
    );
    // the property is only worth something if the fast path takes a fair share of the documents
    expect(tally.accepted / tally.seen).toBeGreaterThan(0.03);
  });

  it("agrees with the full reader on arbitrary block-shaped text", () => {
    tally.accepted = tally.seen = 0;
    // lines of DVC's shape with small perturbations: indentation, dashes, colons, odd scalars
    const indent = fc.constantFrom("", "", "", "  ", "  ", "    ", " ");
    const dash = fc.constantFrom("", "", "", "- ", "- ", "-", "- - ");
    const k = fc.constantFrom("a", "b", "md5", "path", "__proto__", "1", "'a'", "a b", "");
    const sep = fc.constantFrom(":", ": ", ": ", ": ", ": ", ":  ", " :", "");
    const v = fc.constantFrom("", "x", "x", "1", "y", "a > b", "x\n      > y", "x\n  y", "x\n    - y", "x\n    'y'", "x\n\n  y", "x\n  #y", "x\n  :y", "x\n  [y]", "x\n  !y", "1", "0x", "~", "'s'", "x y", "e5", "-", "- x", "a:b", "a: b", "#", ".", "/p", "x ", "'", "1_0");
    const line = fc.tuple(indent, dash, k, sep, v).map((p) => p.join(""));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => agrees(lines.join("\n") + "\n")),
      { numRuns: FUZZ_RUNS },
    );
    expect(tally.accepted / tally.seen).toBeGreaterThan(0.005);
  });
});
