/**
 * `.dvc/config` and `.dvc/config.local` (spec 9.1): configobj INI as DVC reads and writes it.
 *
 * Reading follows configobj 5.0.x (`ConfigObj(file).dict()`, list_values on, ConfigParser-style
 * `%(name)s` interpolation) and then DVC's `_lower_keys`: quoted and bare section names, `#`
 * comments (whole-line and after unquoted values), '…'/"…"/'''…''' values, unquoted comma lists
 * become arrays, keys and section names lowercased; named sections are normalised to
 * `remote "name"` (`machine`, `db`); every plain schema section (core, cache, state, index,
 * feature, plots, exp, parsing, hydra, studio) is present, empty when not in the file, as after
 * DVC's `Config.load_one`. Writing follows `ConfigObj(_pack_named(conf)).write()`.
 *
 * Not supported (rejected with MALFORMED_FILE): nested `[[sub]]` sections and keys outside a
 * section, which DVC's schema rejects too.
 */
import { DvxError, malformed } from "../errors.js";

/** Section name (lowercased, `remote "name"` for named sections) -> key (lowercased) -> value. */
export type ConfigDoc = Map<string, Map<string, string | string[]>>;

// Python's `\s` for str patterns, and str.strip()'s whitespace.
const WS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const S = `[${WS}]`;
const NS = `[^${WS}]`;

const SECTION_RE = new RegExp(
  `^(${S}*)((?:\\[${S}*)+)((?:"${S}*${NS}.*?${S}*")|(?:'${S}*${NS}.*?${S}*')|(?:[^'"${WS}].*?))((?:${S}*\\])+)${S}*(#.*)?$`,
  "s",
);
const KEYWORD_RE = new RegExp(`^(${S}*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))${S}*=${S}*(.*)$`, "s");
const VALUE_RE = new RegExp(
  `^(?:(?:((?:(?:(?:".*?")|(?:'.*?')|(?:[^'",#][^,#]*?))${S}*,${S}*)*)((?:".*?")|(?:'.*?')|(?:[^'",#${WS}][^,]*?)|(?:(?<!,)))?)|(,))${S}*(#.*)?$`,
  "s",
);
const LIST_VALUE_RE = new RegExp(`((?:".*?")|(?:'.*?')|(?:[^'",#]?.*?))${S}*,${S}*`, "gs");
const SINGLE_LINE_SINGLE = new RegExp(`^'''(.*?)'''${S}*(#.*)?$`, "s");
const SINGLE_LINE_DOUBLE = new RegExp(`^"""(.*?)"""${S}*(#.*)?$`, "s");
const MULTI_LINE_SINGLE = new RegExp(`^(.*?)'''${S}*(#.*)?$`, "s");
const MULTI_LINE_DOUBLE = new RegExp(`^(.*?)"""${S}*(#.*)?$`, "s");
const STRIP_RE = new RegExp(`^${S}+|${S}+$`, "g");
const NAMED_RE = new RegExp(`^${S}*(remote|machine|db)${S}*"(.*)"${S}*$`, "s");
const KEYCRE = /%\(([^)]*)\)s/g;

/** Python's str.splitlines(True) after universal-newline decoding, then rstrip('\r\n'). */
function splitLines(text: string): string[] {
  const t = text.replace(/\r\n?/g, "\n");
  const lines: string[] = [];
  const re = /[\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    lines.push(t.slice(start, m.index + 1));
    start = m.index + 1;
  }
  if (start < t.length) lines.push(t.slice(start));
  return lines.map((l) => l.replace(/[\r\n]+$/, ""));
}

function unquote(value: string): string {
  if (value.length === 0) throw new SyntaxError("empty");
  if (value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) return value.slice(1, -1);
  return value;
}

type RawSection = { name: string; line: number; entries: Map<string, string | string[]> };

function handleValue(value: string): string | string[] {
  const mat = VALUE_RE.exec(value);
  if (mat === null) throw new SyntaxError("value");
  const listValues = mat[1]; // undefined when the `(,)` alternative matched
  let single: string | undefined = mat[2];
  const emptyList = mat[3];
  // Python's re lets the optional group end on its empty `(?<!,)` alternative (single == ''),
  // JavaScript skips an optional group that matched empty (single undefined): same match.
  if (listValues === "" && single === undefined) single = "";
  if (emptyList !== undefined) return [];
  if (single !== undefined) {
    if (listValues && !single) single = undefined;
    else single = unquote(single || '""');
  }
  if (!listValues) return single!;
  const list: string[] = [];
  LIST_VALUE_RE.lastIndex = 0;
  for (const m of listValues.matchAll(LIST_VALUE_RE)) list.push(unquote(m[1]!));
  if (single !== undefined) list.push(single);
  return list;
}

/**
 * Parses a config file. Errors are MALFORMED_FILE naming `file` and the 1-based line
 * (configobj's "Invalid line", "Duplicate section name", "Duplicate keyword name", ...).
 */
export function parseConfig(text: string, file: string): ConfigDoc {
  const doc = parseConfigSections(text, file);
  // Like DVC's Config.load_one: every plain schema section exists (empty if not in the file),
  // appended in schema order, so that a section set later lands where DVC would write it.
  for (const name of PLAIN_ORDER) if (!doc.has(name)) doc.set(name, new Map());
  return doc;
}

/** The sections actually present in the file, in file order. */
export function parseConfigSections(text: string, file: string): ConfigDoc {
  const lines = splitLines(text.startsWith("\ufeff") ? text.slice(1) : text);
  const sections: RawSection[] = [];
  const byName = new Map<string, RawSection>();
  let current: RawSection | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const sline = line.replace(STRIP_RE, "");
    if (sline === "" || sline.startsWith("#")) continue;
    const sm = SECTION_RE.exec(line);
    if (sm) {
      const depth = (sm[2]!.match(/\[/g) ?? []).length;
      if (depth !== (sm[4]!.match(/\]/g) ?? []).length) throw malformed(file, "cannot compute the section depth", lineNo);
      if (depth !== 1) throw malformed(file, "nested sections are not supported", lineNo);
      const name = unquote(sm[3]!);
      if (byName.has(name)) throw malformed(file, `duplicate section name '${name}'`, lineNo);
      current = { name, line: lineNo, entries: new Map() };
      byName.set(name, current);
      sections.push(current);
      continue;
    }
    const km = KEYWORD_RE.exec(line);
    if (!km) throw malformed(file, `invalid line '${line.slice(0, 100)}' (neither a section nor 'key = value')`, lineNo);
    const rawKey = km[2]!;
    let value: string | string[] = km[3]!;
    const startLine = lineNo;
    if (value.startsWith('"""') || value.startsWith("'''")) {
      const quot = value.slice(0, 3);
      const single = quot === "'''" ? SINGLE_LINE_SINGLE : SINGLE_LINE_DOUBLE;
      const multi = quot === "'''" ? MULTI_LINE_SINGLE : MULTI_LINE_DOUBLE;
      const sm1 = single.exec(value);
      if (sm1) {
        value = sm1[1]!;
      } else {
        let newValue = value.slice(3);
        if (newValue.includes(quot)) throw malformed(file, "parse error in multiline value", lineNo);
        let closing: string | undefined;
        while (i < lines.length - 1) {
          i++;
          newValue += "\n";
          const l = lines[i]!;
          if (!l.includes(quot)) newValue += l;
          else {
            closing = l;
            break;
          }
        }
        if (closing === undefined) throw malformed(file, "parse error in multiline value", i + 1);
        const mm = multi.exec(closing);
        if (!mm) throw malformed(file, "parse error in multiline value", i + 1);
        value = newValue + mm[1]!;
      }
    } else {
      try {
        value = handleValue(value);
      } catch {
        throw malformed(file, "parse error in value", lineNo);
      }
    }
    let key: string;
    try {
      key = unquote(rawKey);
    } catch {
      throw malformed(file, "parse error in key", lineNo);
    }
    if (!current) throw malformed(file, `'${key.slice(0, 100)}' is outside of any section`, startLine);
    if (current.entries.has(key)) throw malformed(file, `duplicate keyword name '${key.slice(0, 100)}'`, startLine);
    current.entries.set(key, value);
  }
  return finish(sections, file);
}

/** ConfigParser-style interpolation (`%(name)s`), then DVC's lowercasing and named sections. */
function finish(sections: RawSection[], file: string): ConfigDoc {
  const defaults = sections.find((s) => s.name === "DEFAULT");
  const fetch = (section: RawSection, key: string): string => {
    let v = section.entries.get(key);
    if (v === undefined && defaults) v = defaults.entries.get(key);
    if (v === undefined) throw malformed(file, `missing option '${key}' in interpolation (section '${section.name}')`, section.line);
    if (typeof v !== "string") throw malformed(file, `cannot interpolate the list '${key}' (section '${section.name}')`, section.line);
    return v;
  };
  const interpolate = (section: RawSection, key: string, value: string): string => {
    if (!value.includes("%")) return value;
    const backtrail = new Set<string>();
    const rec = (k: string, v: string, sectionName: string): string => {
      const mark = `${k}\0${sectionName}`;
      if (backtrail.has(mark)) throw malformed(file, `interpolation loop detected in value '${k}'`, section.line);
      backtrail.add(mark);
      let out = v;
      let from = 0;
      for (;;) {
        KEYCRE.lastIndex = from;
        const m = KEYCRE.exec(out);
        if (!m) break;
        const name = m[1]!;
        const found = section.entries.has(name) ? section : defaults && defaults.entries.has(name) ? defaults : section;
        const replacement = rec(name, fetch(section, name), found.name);
        out = out.slice(0, m.index) + replacement + out.slice(m.index + m[0].length);
        from = m.index + replacement.length;
      }
      backtrail.delete(mark);
      return out;
    };
    return rec(key, value, section.name);
  };

  const doc: ConfigDoc = new Map();
  for (const s of sections) {
    let name = s.name.toLowerCase();
    const named = NAMED_RE.exec(name);
    if (named) name = `${named[1]} "${named[2]}"`;
    if (doc.has(name)) throw malformed(file, `duplicate section '${name}' (section names are case-insensitive)`, s.line);
    const entries = new Map<string, string | string[]>();
    for (const [k, v] of s.entries) {
      const key = k.toLowerCase();
      if (entries.has(key)) throw malformed(file, `duplicate key '${key}' in section '${name}' (keys are case-insensitive)`, s.line);
      entries.set(key, typeof v === "string" ? interpolate(s, k, v) : v.map((item) => interpolate(s, k, item)));
    }
    doc.set(name, entries);
  }
  return doc;
}

// --- writing ------------------------------------------------------------------------------

const WSPACE_PLUS = " \r\n\v\t'\"";
const LINE_BREAKS_NOT_LF = /[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

function cannotQuote(value: string): DvxError {
  return new DvxError("CONFIG_ERROR", `config value "${value.slice(0, 100)}" cannot be safely quoted`);
}

function singleQuote(value: string): string {
  if (value.includes("'") && value.includes('"')) throw cannotQuote(value);
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** configobj `_quote` (list_values on). */
export function configQuote(value: string | string[], multiline = true): string {
  if (Array.isArray(value)) {
    if (!multiline) throw new DvxError("CONFIG_ERROR", "a list cannot be used here");
    if (value.length === 0) return ",";
    if (value.length === 1) return configQuote(value[0]!, false) + ",";
    return value.map((v) => configQuote(v, false)).join(", ");
  }
  if (value === "") return '""';
  // configobj reads a file with str.splitlines(), which also breaks at these: written raw, the
  // value would come back cut in two (DVC itself writes such a config and then cannot read it).
  if (LINE_BREAKS_NOT_LF.test(value)) throw cannotQuote(value);
  const needTriple = multiline && ((value.includes("'") && value.includes('"')) || value.includes("\n"));
  let quoted: string;
  if (!needTriple) {
    if (value.includes("\n")) throw cannotQuote(value);
    if (!WSPACE_PLUS.includes(value[0]!) && !WSPACE_PLUS.includes(value[value.length - 1]!) && !value.includes(",")) {
      quoted = value.includes("#") ? singleQuote(value) : value;
    } else {
      quoted = singleQuote(value);
    }
  } else {
    if (value.includes('"""') && value.includes("'''")) throw cannotQuote(value);
    // configobj: no '"""' in the value -> '''value''' (tdquot), else """value""" (tsquot)
    quoted = !value.includes('"""') ? `'''${value}'''` : `"""${value}"""`;
  }
  return quoted;
}

const PLAIN_ORDER = ["core", "cache", "state", "index", "feature", "plots", "exp", "parsing", "hydra", "studio"];
const NAMED_KINDS = ["remote", "machine", "db"];

function namedKind(section: string): string | undefined {
  const m = /^(remote|machine|db) "/.exec(section);
  return m ? m[1] : undefined;
}

/**
 * Writes a config as DVC does (`ConfigObj(_pack_named(conf)).write()`): plain sections first in
 * document order (empty ones dropped), then `remote "…"`, `machine "…"`, `db "…"` sections (kept
 * even when empty), each written `['remote "name"']`; keys indented by 4 spaces; `key = value`
 * with configobj's quoting; lists as `a, b`; "\n" line ends; a config with no sections is "\n".
 *
 * Plain sections are written in Map order: a doc from {@link parseConfig} has the file's sections
 * followed by the remaining schema sections (core, cache, state, ...), as DVC's `load_one` does.
 */
export function serializeConfig(doc: ConfigDoc): string {
  const out: string[] = [];
  const writeSection = (name: string, entries: Map<string, string | string[]>) => {
    out.push(`[${configQuote(name, false)}]`);
    for (const [k, v] of entries) out.push(`    ${configQuote(k, false)} = ${configQuote(v)}`);
  };
  for (const [name, entries] of doc) {
    if (namedKind(name) === undefined && entries.size > 0) writeSection(name, entries);
  }
  for (const kind of NAMED_KINDS) {
    for (const [name, entries] of doc) if (namedKind(name) === kind) writeSection(name, entries);
  }
  if (out.length === 0) return "\n";
  return out.join("\n") + "\n";
}

/**
 * Sets `section.key = value` (names lowercased). A section not in the doc is appended (docs from
 * {@link parseConfig} already hold every plain schema section, in DVC's order).
 */
export function setConfigValue(doc: ConfigDoc, section: string, key: string, value: string | string[]): void {
  const name = section.toLowerCase();
  let entries = doc.get(name);
  if (!entries) {
    entries = new Map();
    doc.set(name, entries);
  }
  entries.set(key.toLowerCase(), value);
}

/** Removes `section.key`; a plain section left empty is dropped when written. */
export function unsetConfigValue(doc: ConfigDoc, section: string, key: string): boolean {
  const entries = doc.get(section.toLowerCase());
  return entries ? entries.delete(key.toLowerCase()) : false;
}
