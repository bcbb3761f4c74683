/**
 * Property-based fuzzing of every parser and serializer (issue #7), FUZZ_RUNS cases per property
 * (DVX_FUZZ_RUNS; .ci/run sets 10,000), none run at a fraction:
 *
 * - round trips with adversarial content (unicode, quotes, YAML-special words, spaces, `#`, `:`):
 *   `.dir` manifests, `.dvc` files, `dvc.lock`, `.dvc/config`, YAML emit/read, Python-style JSON,
 *   `.gitignore` entries; serializing what was parsed is stable;
 * - mutation fuzzing: valid documents of each format with random byte edits, truncations and
 *   splices are parsed; the parser must return or throw a DvxError (MALFORMED_FILE/UNSAFE_PATH),
 *   never anything else, and WHATEVER it accepts must be safe to use: every output path passes
 *   the safe-path check (or is explicitly external), every hash is a valid oid.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DvxError } from "../../src/errors.js";
import { parseManifest, serializeManifest } from "../../src/formats/dirManifest.js";
import { parseConfig, parseConfigSections, serializeConfig, type ConfigDoc } from "../../src/formats/dvcConfig.js";
import { outToDict, parseDvcFile, serializeDvcFile } from "../../src/formats/dvcFile.js";
import { lockOutToDict, lockStageToDict, parseDvcLock, serializeDvcLock } from "../../src/formats/dvcLock.js";
import { parseDvcYaml } from "../../src/formats/dvcYaml.js";
import { addGitignoreEntry, gitignoreEntry, removeGitignoreEntry } from "../../src/formats/gitignore.js";
import { IgnoreRules } from "../../src/formats/ignorePatterns.js";
import { pyJsonDumps } from "../../src/formats/pyjson.js";
import { assertSafeRelPath, resolveRelPath, unsafeReason } from "../../src/formats/safePath.js";
import { stageMd5 } from "../../src/formats/stageMd5.js";
import { emitYaml } from "../../src/formats/yamlEmit.js";
import { parseYaml } from "../../src/formats/yamlRead.js";
import { isValidOid, keyToOid } from "../../src/odb/oid.js";
import { FUZZ_RUNS } from "../unit/formats/fuzz.js";
import { baseSeed, report } from "./helpers.js";

const ran: Record<string, number> = {};
const opts = (name: string) => {
  ran[name] = FUZZ_RUNS;
  return { numRuns: FUZZ_RUNS, seed: baseSeed() ^ name.length * 2654435761 };
};

// --- arbitraries -------------------------------------------------------------------------------

/**
 * Strings that stress YAML/JSON/configobj emitters. U+2028/U+2029 are included (ruamel writes them
 * raw as line breaks; yamlRead re-reads them as ruamel does). U+0085 (NEL) is left out: ruamel
 * itself writes it raw and reads it back as a line break (a space), so no DVC file holds one.
 */
const nasty = fc.oneof(
  fc.constantFrom("\u2028", "a\u2029b", " \u2028 ", "yes", "No", "null", "~", "true", "1e3", "0x1F", "012", ".inf", "-", "- x", "? x", "a: b", "#c", "a #b", "'q'", '"q"', "[x]", "{x}", "*a", "&a", "!t", "%x", "@x", "`x`", "|", ">", "=", " lead", "trail ", "tab\tin", "é", "日本", "🙂", "a\\b", "2024-01-01", "1_000", "+1", "0o17", "<<"),
  fc.string({ unit: "grapheme", maxLength: 12 }),
).filter((s) => !s.includes("\u0085"));
/** One path segment that is safe (not empty, no `/`, `\`, NUL, not `.`/`..`, no drive prefix). */
const segment = fc
  .oneof(nasty, fc.stringMatching(/^[a-zA-Z0-9_.-]{1,8}$/))
  .map((s) => s.replace(/[/\\\u0000]/g, "_"))
  .filter((s) => s.length > 0 && s !== "." && s !== ".." && !/^[A-Za-z]:/.test(s));
const relpath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((a) => a.join("/"));
const md5hex = fc.stringMatching(/^[0-9a-f]{32}$/);
const oid = fc.oneof(md5hex, md5hex.map((h) => h + ".dir"));

// Valid documents, used both for round trips and as mutation seeds.
const manifestEntries = fc.uniqueArray(fc.record({ relpath, md5: md5hex }), { selector: (e) => e.relpath, maxLength: 8 }).filter((es) => {
  const set = new Set(es.map((e) => e.relpath));
  return es.every((e) => e.relpath.split("/").every((_, i, parts) => i === parts.length - 1 || !set.has(parts.slice(0, i + 1).join("/"))));
});
const outEntry = fc.record({
  path: relpath,
  md5: oid,
  size: fc.option(fc.nat(), { nil: undefined }),
  nfiles: fc.option(fc.nat(), { nil: undefined }),
  isexec: fc.option(fc.boolean(), { nil: undefined }),
  hashName: fc.constantFrom("md5" as const, "md5-dos2unix" as const),
});
const extraFlags = fc.record({ desc: fc.option(nasty, { nil: undefined }), cache: fc.option(fc.boolean(), { nil: undefined }), remote: fc.option(nasty, { nil: undefined }), push: fc.option(fc.boolean(), { nil: undefined }) });
const stageName = segment.filter((s) => s !== "__proto__" && !s.includes("@"));
const lockStages = fc.dictionary(stageName, fc.record({ cmd: nasty, deps: fc.array(outEntry, { maxLength: 2 }), outs: fc.array(outEntry, { maxLength: 2 }) }), { maxKeys: 3, noNullPrototype: true });
const configKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
/**
 * configobj quotes a value whose first or last character is in ' \r\n\v\t\'"' and strips other
 * Unicode whitespace (Python's `\s`) around unquoted ones: values with such edges do not survive in
 * DVC either, so they are not generated.
 */
const STRIPPED_EDGE = /^[\f\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]|[\f\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
/** configobj's reader splits lines at these too; serializeConfig refuses them (tested below). */
const CONFIG_LINE_BREAK = /[\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const configValue = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 16 }).map((s) => s.replace(/[\r\n]/g, " ")),
  nasty.map((s) => s.replace(/[\r\n]/g, " ")),
  fc.array(fc.stringMatching(/^[a-z0-9,._ -]{0,6}$/), { minLength: 2, maxLength: 3 }),
).filter((v) => typeof v !== "string" || (!STRIPPED_EDGE.test(v) && !CONFIG_LINE_BREAK.test(v)));
const configDoc: fc.Arbitrary<ConfigDoc> = fc
  .uniqueArray(fc.oneof(fc.constantFrom("core", "cache", "state"), fc.stringMatching(/^[a-z0-9]{1,6}$/).map((n) => `remote "${n}"`)), { maxLength: 4 })
  .chain((sections) =>
    fc.tuple(...sections.map((s) => fc.uniqueArray(fc.tuple(configKey, configValue), { selector: (kv) => kv[0], maxLength: 4 }).map((kvs) => [s, new Map(kvs)] as const))),
  )
  .map((pairs) => new Map(pairs as [string, Map<string, string | string[]>][]));
const yamlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small", withCrossShrink: true }, nasty, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("v"), { maxLength: 4 }), fc.dictionary(nasty.filter((k) => k !== "__proto__" && k !== "<<"), tie("v"), { maxKeys: 4, noNullPrototype: true })),
})).v;

// --- mutation ------------------------------------------------------------------------------------

/** A valid document with random edits: byte flips, insertions of syntax characters, cuts, splices. */
function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), ch: fc.constantFrom(..."\u0000\t\n :-[]{}#&*!|>'\"%@`,?\\/.\u00ff\ufeff0123456789abcdef") }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.constantFrom("../", "..", "/", "\\", "C:", "\u0000", "  ", "\n- ", ": ", "&a ", "*a", "!!python/object ", "'", '"', "[", "{", "\n", "---\n", "<<: *a\n", ".dir", "md5", "path: ", "relpath", "\r\n") }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), len: fc.nat({ max: 40 }) }),
    fc.record({ kind: fc.constant("dup" as const), at: fc.nat(), len: fc.nat({ max: 60 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
    let s = text;
    for (const e of edits) {
      const at = s.length ? e.at % (s.length + 1) : 0;
      if (e.kind === "flip") s = s.slice(0, at) + e.ch + s.slice(at + 1);
      else if (e.kind === "insert") s = s.slice(0, at) + e.text + s.slice(at);
      else if (e.kind === "cut") s = s.slice(0, at) + s.slice(at + e.len);
      else s = s.slice(0, at) + s.slice(at, at + e.len) + s.slice(at);
    }
    return s;
  });
}

/** Runs a parser: it may return or throw a DvxError, nothing else. */
function parses<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof DvxError)) throw e;
    expect(["MALFORMED_FILE", "UNSAFE_PATH"]).toContain(e.code);
    expect(e.message.length).toBeLessThan(2000);
    return undefined;
  }
}

function expectSafeOut(o: { path: string; md5?: string; external?: boolean }, allowParent: boolean): void {
  if (!o.external) expect(unsafeReason(o.path, allowParent), o.path).toBeUndefined();
  else expect(o.path.includes("\u0000")).toBe(false);
  if (o.md5 !== undefined) expect(isValidOid(o.md5), o.md5).toBe(true);
}

// --- properties ----------------------------------------------------------------------------------

describe("fuzz: round trips", () => {
  it(".dir manifest: parse(serialize(entries)) == entries (sorted), bytes stable", () => {
    fc.assert(
      fc.property(manifestEntries, (entries) => {
        const bytes = serializeManifest(entries);
        const back = parseManifest(bytes, "m");
        expect(new Map(back.map((e) => [e.relpath, e.md5]))).toEqual(new Map(entries.map((e) => [e.relpath, e.md5])));
        expect(serializeManifest(back).equals(bytes)).toBe(true);
        expect(JSON.parse(bytes.toString("utf8"))).toHaveLength(entries.length);
      }),
      opts("manifest round trip"),
    );
  });

  it(".dvc file: parse(serialize(outs)) gives the same entries; re-serializing is the identity", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(outEntry, extraFlags), { minLength: 1, maxLength: 3 }), (outs) => {
        const dicts = outs.map(([o, extra]) => outToDict(o, Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined))));
        const text = serializeDvcFile(dicts);
        const parsed = parseDvcFile(text, "x.dvc");
        expect(parsed.outs.map((o) => o.path)).toEqual(outs.map(([o]) => o.path));
        expect(parsed.outs.map((o) => o.md5)).toEqual(outs.map(([o]) => o.md5));
        expect(parsed.outs.map((o) => o.hashName)).toEqual(outs.map(([o]) => o.hashName));
        expect(parsed.outs.map((o) => o.size)).toEqual(outs.map(([o]) => o.size));
        expect(serializeDvcFile(parsed.outs.map((o) => o.raw), text)).toBe(text);
      }),
      opts(".dvc round trip"),
    );
  });

  it("dvc.lock: parse(serialize(stages)) round-trips; an unchanged update is the identity", () => {
    fc.assert(
      fc.property(lockStages, (stages) => {
        const dicts: Record<string, Record<string, unknown>> = {};
        for (const [n, s] of Object.entries(stages)) dicts[n] = lockStageToDict({ cmd: s.cmd, deps: s.deps.map(lockOutToDict), outs: s.outs.map(lockOutToDict) });
        const text = serializeDvcLock({ stages: dicts });
        const parsed = parseDvcLock(text, "dvc.lock");
        expect([...parsed.stages.keys()]).toEqual(Object.keys(stages));
        const again: Record<string, Record<string, unknown>> = {};
        for (const [n, s] of parsed.stages) {
          expect(s.cmd).toEqual(stages[n]!.cmd);
          again[n] = lockStageToDict({ cmd: s.cmd, deps: s.deps.map(lockOutToDict), outs: s.outs.map(lockOutToDict) });
        }
        expect(again).toEqual(dicts);
        expect(serializeDvcLock({ stages: again }, text)).toBe(text);
      }),
      opts("dvc.lock round trip"),
    );
  });

  it(".dvc/config: a value holding a line break configobj would split at is refused, not written", () => {
    fc.assert(
      fc.property(fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom("\v", "\f", "\x1c", "\x85", "\u2028", "\u2029", "\r"), fc.string({ maxLength: 6 })), ([a, br, b]) => {
        const doc: ConfigDoc = new Map([["core", new Map([["k", `x${a}${br}${b}x`]])]]);
        expect(() => serializeConfig(doc)).toThrow(/cannot be safely quoted/);
      }),
      opts("config line breaks refused"),
    );
  });

  it(".dvc/config: parse(serialize(doc)) == doc", () => {
    fc.assert(
      fc.property(configDoc, (doc) => {
        const text = serializeConfig(doc);
        const back = parseConfigSections(text, ".dvc/config");
        // sections come back in DVC's order; keys keep theirs
        const norm = (d: ConfigDoc) => new Map([...d].filter(([, m]) => m.size > 0).map(([s, m]) => [s, [...m]]));
        expect(norm(back)).toEqual(norm(doc));
        expect(serializeConfig(back)).toBe(text);
      }),
      opts("config round trip"),
    );
  });

  it("YAML: parseYaml(emitYaml(v)) == v", () => {
    fc.assert(
      fc.property(fc.dictionary(nasty.filter((k) => k !== "__proto__" && k !== "<<"), yamlValue, { maxKeys: 4, noNullPrototype: true }), (v) => {
        const text = emitYaml(v);
        expect(parseYaml(text, "x.yaml")).toEqual(v);
        expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true);
      }),
      opts("yaml round trip"),
    );
  });

  it("Python-style JSON: JSON.parse(pyJsonDumps(v)) == v; stage md5 is deterministic through a .dvc round trip", () => {
    fc.assert(
      fc.property(yamlValue, outEntry, (v, o) => {
        expect(JSON.parse(pyJsonDumps(v))).toEqual(v);
        const stage = { md5: undefined, frozen: true, deps: [{ path: "https://x/y", md5: o.md5.slice(0, 32) }], outs: [outToDict(o)] };
        const text = serializeDvcFile(stage.outs, undefined);
        const parsed = parseDvcFile(text, "x.dvc");
        expect(stageMd5({ outs: parsed.outs.map((x) => x.raw) })).toBe(stageMd5({ outs: stage.outs }));
      }),
      opts("pyjson + stage md5"),
    );
  });

  it(".gitignore: add then remove restores the file; the entry is anchored and escaped", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[^\n\r]{0,12}$/), { maxLength: 5 }), segment.filter((s) => !/[\r\n]/.test(s)), (lines, name) => {
        const text = lines.length ? lines.join("\n") + "\n" : undefined;
        const entry = gitignoreEntry(name);
        expect(entry.startsWith("/")).toBe(true);
        const added = addGitignoreEntry(text, entry);
        if (added === undefined) return; // already there
        const removed = removeGitignoreEntry(added, entry);
        expect(removed === null ? undefined : removed).toBe(text);
      }),
      opts("gitignore add/remove"),
    );
  });
});

describe("fuzz: mutated documents are refused cleanly, and what is accepted is safe", () => {
  const dvcText = fc.array(fc.tuple(outEntry, extraFlags), { minLength: 1, maxLength: 2 }).map((outs) => serializeDvcFile(outs.map(([o, e]) => outToDict(o, Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))))));
  const lockText = lockStages.map((stages) => {
    const dicts: Record<string, Record<string, unknown>> = {};
    for (const [n, s] of Object.entries(stages)) dicts[n] = lockStageToDict({ cmd: s.cmd, deps: s.deps.map(lockOutToDict), outs: s.outs.map(lockOutToDict) });
    return serializeDvcLock({ stages: dicts });
  });
  const dvcYamlText = fc.dictionary(stageName, fc.record({ cmd: nasty, outs: fc.array(relpath, { maxLength: 2 }), deps: fc.array(relpath, { maxLength: 2 }) }), { maxKeys: 2, noNullPrototype: true }).map((stages) => emitYaml({ stages }));

  it(".dvc files", () => {
    fc.assert(
      fc.property(mutated(dvcText), (text) => {
        const d = parses(() => parseDvcFile(text, "x.dvc"));
        if (d) for (const o of [...d.outs]) expectSafeOut(o, false);
        if (d?.wdir !== undefined) expect(unsafeReason(d.wdir, true)).toBeUndefined();
      }),
      opts("mutated .dvc"),
    );
  });

  it("dvc.lock", () => {
    fc.assert(
      fc.property(mutated(lockText), (text) => {
        const d = parses(() => parseDvcLock(text, "dvc.lock"));
        if (d) for (const s of d.stages.values()) for (const o of [...s.outs, ...s.deps]) expectSafeOut(o, true);
      }),
      opts("mutated dvc.lock"),
    );
  });

  it("dvc.yaml", () => {
    fc.assert(
      fc.property(mutated(dvcYamlText), (text) => {
        const d = parses(() => parseDvcYaml(text, "dvc.yaml"));
        // a trailing "/" marks a directory output as DVC users write it ("data/"): the path
        // without it must be safe
        if (d) for (const s of d.stages.values()) for (const o of s.outs) if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(o.path) && !o.path.startsWith("/")) expect(unsafeReason(o.path.replace(/\/+$/, ""), true), o.path).toBeUndefined();
      }),
      opts("mutated dvc.yaml"),
    );
  });

  it("YAML documents", () => {
    fc.assert(
      fc.property(mutated(fc.dictionary(nasty.filter((k) => k !== "__proto__" && k !== "<<"), yamlValue, { maxKeys: 4, noNullPrototype: true }).map((v) => emitYaml(v))), (text) => {
        parses(() => parseYaml(text, "x.yaml"));
      }),
      opts("mutated yaml"),
    );
  });

  it(".dir manifests (text and raw bytes)", () => {
    fc.assert(
      fc.property(mutated(manifestEntries.map((es) => serializeManifest(es).toString("utf8"))), fc.uint8Array({ maxLength: 64 }), (text, raw) => {
        for (const bytes of [Buffer.from(text, "utf8"), Buffer.concat([Buffer.from(text.slice(0, text.length >> 1)), raw])]) {
          const es = parses(() => parseManifest(bytes, "m.dir"));
          if (es) {
            for (const e of es) {
              expect(unsafeReason(e.relpath), e.relpath).toBeUndefined();
              expect(/^[0-9a-f]{32}$/.test(e.md5), e.md5).toBe(true);
            }
          }
        }
      }),
      opts("mutated manifest"),
    );
  });

  it(".dvc/config", () => {
    fc.assert(
      fc.property(mutated(configDoc.map((d) => serializeConfig(d))), (text) => {
        parses(() => parseConfig(text, ".dvc/config"));
      }),
      opts("mutated config"),
    );
  });

  it(".dvcignore rules: compile and match never throw anything but DvxError", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("**", "!x", "\\#", "a/**/b", "[", "[!a-", "*.tmp", "/", "\\", "\\ ")), { maxLength: 6 }), relpath, fc.boolean(), (lines, p, isDir) => {
        const rules = parses(() => IgnoreRules.compile([{ dir: "", text: lines.join("\n") }]));
        rules?.isIgnored(p, isDir);
      }),
      opts("dvcignore"),
    );
  });

  it("safe paths and object keys: accepted means contained", () => {
    fc.assert(
      fc.property(mutated(relpath), fc.array(mutated(relpath), { maxLength: 3 }), mutated(oid.map((o) => `${o.slice(0, 2)}/${o.slice(2)}`)), (p, parts, key) => {
        const ok = parses(() => assertSafeRelPath(p, "x"));
        if (ok !== undefined) {
          const joined = `/root/${ok}`.split("/");
          expect(joined.includes("..")).toBe(false);
        }
        const r = parses(() => resolveRelPath("x", "", ...parts));
        if (r !== undefined) expect(r.startsWith("../") || r === ".." || r.startsWith("/")).toBe(false);
        const o = keyToOid(key);
        if (o !== undefined) expect(isValidOid(o)).toBe(true);
      }),
      opts("safe paths + keys"),
    );
  });
});

describe("fuzz: figures", () => {
  it("reports the cases run", () => {
    const total = Object.values(ran).reduce((a, b) => a + b, 0);
    report({ suite: "fuzz", runsPerProperty: FUZZ_RUNS, properties: Object.keys(ran).length, totalCases: total, byProperty: ran });
    expect(Object.keys(ran).length).toBeGreaterThanOrEqual(15);
  });
});
