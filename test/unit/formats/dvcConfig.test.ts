import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { configQuote, parseConfig, parseConfigSections, serializeConfig, setConfigValue, unsetConfigValue, type ConfigDoc } from "../../../src/formats/dvcConfig.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, onlyDvxErrors } from "./fuzz.js";

const EXAMPLE =
  "[core]\n    remote = storage\n    autostage = true\n['remote \"storage\"']\n    url = s3://mybucket/dvcstore\n    region = us-east-1\n['remote \"gcs\"']\n    url = gs://bkt/dvcstore\n    credentialpath = creds/key.json\n";

const doc = (o: Record<string, Record<string, string | string[]>>): ConfigDoc =>
  new Map(Object.entries(o).map(([s, kv]) => [s, new Map(Object.entries(kv))]));
const plain = (d: ConfigDoc) => Object.fromEntries([...d].filter(([, kv]) => kv.size > 0).map(([s, kv]) => [s, Object.fromEntries(kv)]));

describe("spec 9.1", () => {
  it("parses and re-writes the example byte for byte", () => {
    const d = parseConfig(EXAMPLE, ".dvc/config");
    expect(plain(d)).toEqual({
      core: { remote: "storage", autostage: "true" },
      'remote "storage"': { url: "s3://mybucket/dvcstore", region: "us-east-1" },
      'remote "gcs"': { url: "gs://bkt/dvcstore", credentialpath: "creds/key.json" },
    });
    expect(serializeConfig(d)).toBe(EXAMPLE);
  });
  it("writes plain sections first, then remotes, machines, dbs; drops empty plain sections", () => {
    const d = doc({ 'machine "m"': { cloud: "aws" }, 'remote "r"': { url: "/x" }, core: { remote: "r" }, cache: {}, 'db "d"': {}, 'remote "e"': {} });
    expect(serializeConfig(d)).toBe(`[core]\n    remote = r\n['remote "r"']\n    url = /x\n['remote "e"']\n['machine "m"']\n    cloud = aws\n['db "d"']\n`);
    expect(serializeConfig(new Map())).toBe("\n");
    expect(serializeConfig(doc({ core: {} }))).toBe("\n");
  });
  it("quotes values like configobj", () => {
    expect(configQuote("")).toBe('""');
    expect(configQuote(" s")).toBe('" s"');
    expect(configQuote("a,b")).toBe('"a,b"');
    expect(configQuote("a#b")).toBe('"a#b"');
    expect(configQuote('say "x",')).toBe(`'say "x",'`);
    expect(configQuote("it's")).toBe("it's");
    expect(configQuote("'q'")).toBe(`"'q'"`);
    expect(configQuote(`q'"`)).toBe(`'''q'"'''`);
    expect(configQuote("l\nm")).toBe("'''l\nm'''");
    expect(configQuote(["x"])).toBe("x,");
    expect(configQuote([])).toBe(",");
    expect(configQuote(["a b", "c,d"])).toBe('a b, "c,d"');
    expect(configQuote(`'a",`)).toBe(`''''a",'''`);
    expect(() => configQuote(`'a"`, false)).toThrow(DvxError);
  });
  it("reads comments, quotes, lists, bare and quoted headers", () => {
    const d = parseConfig(
      "# top\n[Core]\n  Remote = MyRemote # comment\n  x = 'a # b'\n[remote \"MyRemote\"]\nurl = a, b # c\nempty =\none = x,\nnone = ,\nml = '''multi\nline'''\n['remote \"other\"']\n    url=\"q\"\n",
      "c",
    );
    expect(plain(d)).toEqual({
      core: { remote: "MyRemote", x: "a # b" },
      'remote "myremote"': { url: ["a", "b"], empty: "", one: ["x"], none: [], ml: "multi\nline" },
      'remote "other"': { url: "q" },
    });
  });
  it("interpolates %(name)s like configobj", () => {
    expect(plain(parseConfig("[DEFAULT]\nroot = /srv\n[cache]\ndir = %(root)s/cache\nx = %(dir)s!\n", "c"))).toEqual({
      default: { root: "/srv" },
      cache: { dir: "/srv/cache", x: "/srv/cache!" },
    });
  });
  it.each([
    ["[core]\n[core]\n", 2, "duplicate section"],
    ["[core]\na = 1\na = 2\n", 3, "duplicate keyword"],
    ["[core]\nA = 1\na = 2\n", 1, "case-insensitive"],
    ["[core]\njunk\n", 2, "invalid line"],
    ["a = 1\n", 1, "outside of any section"],
    ["[a]\n[[b]]\n", 2, "nested sections"],
    ["[a]\nx = '''open\n", 2, "multiline"],
    ["[a]\nx = \"unbalanced\n", 2, "parse error in value"],
    ["[a]\nx = %(missing)s\n", 1, "missing option"],
    ["[a]\nx = %(y)s\ny = %(x)s\n", 1, "loop"],
  ])("rejects %j", (text, line, problem) => {
    try {
      parseConfig(text, ".dvc/config");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).code).toBe("MALFORMED_FILE");
      expect((e as DvxError).message).toContain(`.dvc/config:${line}: `);
      expect((e as DvxError).message).toContain(problem);
    }
  });
  it("setConfigValue adds new plain sections after existing ones, in schema order", () => {
    const d = parseConfig("['remote \"r\"']\n    url = /x\n[cache]\n    type = copy\n", "c");
    setConfigValue(d, "exp", "a", "1");
    setConfigValue(d, "Core", "Remote", "r");
    expect(serializeConfig(d)).toBe("[cache]\n    type = copy\n[core]\n    remote = r\n[exp]\n    a = 1\n['remote \"r\"']\n    url = /x\n");
    setConfigValue(d, "newsection", "k", "v");
    expect(serializeConfig(d)).toContain("[exp]\n    a = 1\n[newsection]\n    k = v\n['remote");
    unsetConfigValue(d, "newsection", "k");
    expect(unsetConfigValue(d, "exp", "a")).toBe(true);
    expect(serializeConfig(d)).toBe("[cache]\n    type = copy\n[core]\n    remote = r\n['remote \"r\"']\n    url = /x\n");
  });
});

interface Corpus {
  parse: { text: string; result: { ok?: [string, [string, string | string[]][]][]; error?: number | null } }[];
  write: { doc: [string, [string, string | string[]][]][]; result: string | { error: string } }[];
}
const corpus = JSON.parse(readFileSync(new URL("./fixtures/configobj.json", import.meta.url), "utf8")) as Corpus;

describe("configobj corpus (fixtures/configobj.json, configobj 5.0.9)", () => {
  it(`parses ${corpus.parse.length} texts like configobj + DVC`, () => {
    for (const { text, result } of corpus.parse) {
      let mine: ConfigDoc | DvxError;
      try {
        mine = parseConfigSections(text, "c");
      } catch (e) {
        if (!(e instanceof DvxError)) throw e;
        mine = e;
      }
      if (result.ok) {
        expect(mine, JSON.stringify(text)).not.toBeInstanceOf(DvxError);
        const expected = result.ok.map(([s, kv]) => [s, Object.fromEntries(kv)]);
        expect([...(mine as ConfigDoc)].map(([s, kv]) => [s, Object.fromEntries(kv)]), JSON.stringify(text)).toEqual(expected);
      } else {
        expect(mine, JSON.stringify(text)).toBeInstanceOf(DvxError);
      }
    }
  });
  it(`writes ${corpus.write.length} configs like ConfigObj.write()`, () => {
    for (const { doc: d, result } of corpus.write) {
      const cfg: ConfigDoc = new Map(d.map(([s, kv]) => [s, new Map(kv)]));
      // the reference wrote the dict as given: compare on docs already in DVC's section order
      const order = [...cfg.keys()];
      const grouped = [...order.filter((s) => !/^(remote|machine|db) "/.test(s)), ...order.filter((s) => /^(remote|machine|db) "/.test(s))];
      if (order.join("\0") !== grouped.join("\0") || [...cfg].some(([s, kv]) => kv.size === 0 && !/^(remote|machine|db) "/.test(s))) continue;
      let mine: string;
      try {
        mine = serializeConfig(cfg);
      } catch (e) {
        expect(e).toBeInstanceOf(DvxError);
        // Where configobj writes a value holding a line break its own reader splits at (\v, \f,
        // \x1c-\x1e, \x85, \u2028, \u2029, lone \r), the file could not be read back: dvx refuses.
        if (typeof result === "string" && unreadable(cfg)) continue;
        expect(typeof result === "string" ? result : "error", JSON.stringify(d)).toBe("error");
        continue;
      }
      expect(mine, JSON.stringify(d)).toBe(typeof result === "string" ? (result === "" ? "\n" : result) : "error");
    }
  });
});

function unreadable(cfg: ConfigDoc): boolean {
  const bad = /[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
  return [...cfg.values()].some((kv) => [...kv.values()].some((v) => (Array.isArray(v) ? v : [v]).some((s) => bad.test(s))));
}

describe("properties", () => {
  const name = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
  const val = fc.oneof(
    fc.string({ maxLength: 12 }).filter((s) => !s.includes("\n") && !s.includes("\r") && !(s.includes("'") && s.includes('"'))),
    fc.array(fc.stringMatching(/^[a-z0-9 ./:_-]{1,8}$/).filter((s) => s.trim() === s), { maxLength: 3 }),
  );
  it("parse(serialize(doc)) == doc", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.oneof(name, name.map((n) => `remote "${n}"`)), fc.uniqueArray(fc.tuple(name, val), { selector: (e) => e[0], minLength: 1, maxLength: 4 })), { selector: (e) => e[0], maxLength: 4 }),
        (secs) => {
          const d: ConfigDoc = new Map(secs.map(([s, kv]) => [s, new Map(kv)]));
          const text = serializeConfig(d);
          const back = parseConfigSections(text, "c");
          expect(new Map([...back].map(([s, kv]) => [s, Object.fromEntries(kv)]))).toEqual(new Map([...d].map(([s, kv]) => [s, Object.fromEntries([...kv].map(([k, v]) => [k, v.includes("%(") ? v : v]))])));
          expect(serializeConfig(back)).toBe(text);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
  it("never throws anything but DvxError", () => {
    const piece = fc.constantFrom("[", "]", "core", '"', "'", "=", ",", "#", " ", "\n", "'''", '"""', "%(a)s", "a", "remote", "\t", "\r");
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(piece, { maxLength: 30 }).map((a) => a.join(""))), (text) => {
        onlyDvxErrors(() => parseConfig(text, "c"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
