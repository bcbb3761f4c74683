/**
 * YAML reading for `.dvc`, `dvc.yaml` and `dvc.lock` (spec 4-6), on the `yaml` package.
 *
 * Scalars are resolved like DVC's loader (ruamel.yaml `typ="safe"`, YAML 1.2 resolver), not like
 * the `yaml` package's core schema: `1_000`, `0b11` and `0123` are ints, `.5e5` and `1e5`-without-
 * sign-only-after-dot forms follow ruamel's float pattern, `yes`/`on` are strings, `~`/`null`/empty
 * are null. Ints come back as numbers when they are safe integers and as bigint otherwise (so a
 * 32-digit md5 that YAML sees as an int keeps its digits, spec 2.1). Timestamps
 * (`2023-01-01`), which ruamel would turn into dates, are returned as their strings.
 *
 * Known divergence: ruamel treats U+0085, U+2028 and U+2029 as line breaks inside scalars (and
 * writes them raw when dumping); the yaml package follows YAML 1.2, where they are ordinary
 * characters. A string containing them that ruamel wrote in a folded/quoted form may read back
 * with extra spaces.
 *
 * Returns plain objects (key order = file order, except that JS puts integer-like keys such as
 * "10" first), arrays and scalars. Duplicate keys, complex keys, unknown tags, YAML 1.1 documents
 * and multiple documents are rejected with MALFORMED_FILE naming the file and line.
 */
import { createRequire } from "node:module";
import type { Document, Node, ParsedNode, ScalarTag, Tags } from "yaml";

/**
 * The `yaml` package (72 CommonJS files) is loaded on the first parse, not at import: commands
 * that never read YAML (status of a repository with no outputs, --help paths) start without it.
 */
let yamlLib: typeof import("yaml") | undefined;
function Y(): typeof import("yaml") {
  return (yamlLib ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));
}
import { malformed } from "../errors.js";
import { PyFloat } from "./pyjson.js";
import { parseDvcYamlFast } from "./yamlFast.js";
import { BOOL_RE, constructFloat, constructInt, FLOAT_RE, INT_RE, NULL_RE, setKey } from "./yamlScalars.js";

export interface ParseYamlOptions {
  /** Maximum input size in UTF-8 bytes (default 64 MiB). */
  maxBytes?: number;
  /** Maximum nesting depth of collections (default 256). */
  maxDepth?: number;
  /** Floats with an integral value (`1.0`) as {@link PyFloat} instead of number (for round-trips). */
  keepFloats?: boolean;
  /** Try the fast path for DVC's own block layout first (yamlFast.ts; default true). */
  fastPath?: boolean;
}

export const DEFAULT_MAX_YAML_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_YAML_DEPTH = 256;
/** Bracket nesting (counted without regard to quoting) above which the parser is not even run. */
const MAX_RAW_FLOW_DEPTH = 10_000;
/** Cap on nodes after alias expansion ("billion laughs"). */
const MAX_EXPANDED_NODES = 5_000_000;

function makeTags(keepFloats: boolean): (tags: Tags) => Tags {
  const nullTag: ScalarTag = {
    tag: "tag:yaml.org,2002:null",
    default: true,
    identify: (v) => v === null || v === undefined,
    test: NULL_RE,
    resolve: () => null,
  };
  const boolTag: ScalarTag = {
    tag: "tag:yaml.org,2002:bool",
    default: true,
    identify: (v) => typeof v === "boolean",
    test: BOOL_RE,
    resolve: (s) => s[0] === "t" || s[0] === "T",
  };
  const intTag: ScalarTag = {
    tag: "tag:yaml.org,2002:int",
    default: true,
    identify: (v) => typeof v === "bigint" || Number.isInteger(v),
    test: INT_RE,
    resolve: (s, onError) => {
      try {
        return constructInt(s);
      } catch {
        onError(`invalid int '${s.slice(0, 40)}'`);
        return s;
      }
    },
  };
  const floatTag: ScalarTag = {
    tag: "tag:yaml.org,2002:float",
    default: true,
    identify: (v) => typeof v === "number" || v instanceof PyFloat,
    test: FLOAT_RE,
    resolve: (s, onError) => {
      try {
        const v = constructFloat(s);
        return keepFloats && Number.isInteger(v) ? new PyFloat(v) : v;
      } catch {
        onError(`invalid float '${s.slice(0, 40)}'`);
        return s;
      }
    },
  };
  return (tags: Tags) => {
    const keep = tags.filter((t) => {
      const name = (t as { tag?: string }).tag;
      return name === "tag:yaml.org,2002:map" || name === "tag:yaml.org,2002:seq" || name === "tag:yaml.org,2002:str";
    });
    return [...keep, nullTag, boolTag, intTag, floatTag];
  };
}

const ALLOWED_EXPLICIT_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Parses one YAML document into plain data. Throws MALFORMED_FILE (`file:line: problem`) on
 * syntax errors, duplicate keys, unsupported constructs and when the size or depth caps are hit.
 */
export function parseYaml(text: string, file: string, opts: ParseYamlOptions = {}): unknown {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_YAML_BYTES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_YAML_DEPTH;
  if (text.length > maxBytes || Buffer.byteLength(text, "utf8") > maxBytes) {
    throw malformed(file, `file is larger than the ${maxBytes}-byte limit`);
  }
  if (rawFlowDepth(text) > MAX_RAW_FLOW_DEPTH) {
    // The yaml package runs out of memory on ~100,000 nested flow collections: refuse early.
    throw malformed(file, `nesting too deep (more than ${maxDepth} levels)`);
  }
  // DVC's own block layout needs neither the yaml package nor its 70 ms load (yamlFast.ts)
  if (opts.fastPath !== false) {
    const fast = parseDvcYamlFast(text, opts.keepFloats === true, maxDepth);
    if (fast !== undefined) return fast;
  }
  const lineCounter = new (Y().LineCounter)();
  const options = {
    customTags: makeTags(opts.keepFloats === true),
    uniqueKeys: false as const,
    merge: false,
    prettyErrors: true,
    lineCounter,
    intAsBigInt: false,
    strict: true,
  };
  let docs: Document.Parsed[];
  try {
    const parser = new (Y().Parser)(lineCounter.addNewLine);
    const composer = new (Y().Composer)(options);
    docs = Array.from(composer.compose(parser.parse(text), true, text.length)) as Document.Parsed[];
  } catch (e) {
    if (e instanceof RangeError) throw malformed(file, `nesting too deep (more than ${maxDepth} levels)`);
    throw malformed(file, `cannot parse YAML (${(e as Error).message})`);
  }
  const lineOf = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (docs.length === 0) return null;
  if (docs.length > 1) {
    throw malformed(file, "expected a single YAML document, found several", lineOf(docs[1]!.range[0]));
  }
  const doc = docs[0]!;
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    // the yaml package records a stack overflow on deeply nested block/flow collections as an error
    if (/maximum call stack/i.test(problem.message)) throw malformed(file, `nesting too deep (more than ${maxDepth} levels)`);
    throw malformed(file, firstLine(problem.message), problem.linePos?.[0]?.line ?? lineOf(problem.pos[0]));
  }
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== "1.2") {
    throw malformed(file, `YAML ${doc.directives.yaml.version} documents are not supported`);
  }
  const converter = new Converter(doc, file, maxDepth, lineOf, text);
  try {
    return converter.convert(doc.contents as ParsedNode | null, 0);
  } catch (e) {
    if (e instanceof RangeError) throw malformed(file, `nesting too deep (more than ${maxDepth} levels)`);
    throw e;
  }
}

class Converter {
  private readonly cache = new Map<Node, unknown>();
  private readonly sizes = new Map<Node, number>();
  private expanded = 0;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly file: string,
    private readonly maxDepth: number,
    private readonly lineOf: (offset: number | undefined) => number | undefined,
    private readonly text: string,
  ) {}

  /**
   * A scalar's value. Quoted scalars holding a raw U+2028, U+2029 or U+0085 are re-read as DVC's
   * ruamel.yaml reads them: its scanner treats those as line breaks (YAML 1.1), the `yaml` package
   * as plain content (YAML 1.2), and ruamel's emitter (and ours, yamlEmit.ts) writes them raw in
   * single quotes followed by indentation, so without this a value would not survive a round trip.
   */
  private scalarValue(node: Node): unknown {
    const n = node as Node & { value?: unknown; type?: string; range?: [number, number, number] };
    if ((n.type === "QUOTE_SINGLE" || n.type === "QUOTE_DOUBLE") && n.range) {
      const raw = this.text.slice(n.range[0], n.range[1]);
      if (/[\u2028\u2029\u0085]/.test(raw)) {
        const v = ruamelFlowScalar(raw);
        if (v !== undefined) return v;
      }
    }
    return n.value;
  }

  private fail(problem: string, node: Node | null | undefined): never {
    throw malformed(this.file, problem, this.lineOf(node?.range?.[0]));
  }

  convert(node: ParsedNode | Node | null | undefined, depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (depth > this.maxDepth) this.fail(`nesting too deep (more than ${this.maxDepth} levels)`, node);
    if (Y().isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) this.fail(`unknown alias '*${node.source}'`, node);
      const cached = this.cache.get(target);
      this.expanded += this.sizeOf(target, 0);
      if (this.expanded > MAX_EXPANDED_NODES) this.fail("too many alias expansions", node);
      if (cached !== undefined) return cached;
      return this.convert(target, depth);
    }
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !ALLOWED_EXPLICIT_TAGS.has(tag)) this.fail(`unsupported tag '${tag}'`, node);
    this.expanded += 1;
    if (this.expanded > MAX_EXPANDED_NODES) this.fail("too many nodes", node);
    let value: unknown;
    if (Y().isScalar(node)) {
      value = this.scalarValue(node);
      if (value === undefined) value = null;
    } else if (Y().isSeq(node)) {
      const arr: unknown[] = [];
      for (const item of node.items) arr.push(this.convert(item as Node, depth + 1));
      value = arr;
    } else if (Y().isMap(node)) {
      value = this.convertMap(node, depth);
    } else {
      this.fail("unsupported YAML node", node);
    }
    if (node.anchor) this.cache.set(node, value);
    return value;
  }

  /** Number of nodes of `node` with aliases expanded (memoised). */
  private sizeOf(node: Node, depth: number): number {
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    if (depth > this.maxDepth) this.fail(`nesting too deep (more than ${this.maxDepth} levels)`, node);
    let n = 1;
    if (Y().isAlias(node)) {
      const t = node.resolve(this.doc);
      n = t ? this.sizeOf(t, depth + 1) : 1;
    } else if (Y().isSeq(node)) {
      for (const item of node.items) n += item ? this.sizeOf(item as Node, depth + 1) : 1;
    } else if (Y().isMap(node)) {
      for (const pair of node.items) {
        if (pair.key) n += this.sizeOf(pair.key as Node, depth + 1);
        if (pair.value) n += this.sizeOf(pair.value as Node, depth + 1);
      }
    }
    n = Math.min(n, MAX_EXPANDED_NODES + 1);
    this.sizes.set(node, n);
    return n;
  }

  private keyOf(keyNode: Node | null | undefined): string {
    let k: Node | null | undefined = keyNode;
    if (k && Y().isAlias(k)) k = k.resolve(this.doc);
    if (k === null || k === undefined) return "";
    if (!Y().isScalar(k)) this.fail("complex mapping keys are not supported", keyNode);
    const v = this.scalarValue(k);
    if (typeof v === "string") return v;
    // A non-string key (int, float, bool, null) keeps its source text.
    return k.source ?? String(v);
  }

  private convertMap(node: Node, depth: number): Record<string, unknown> {
    if (!Y().isMap(node)) this.fail("expected a mapping", node);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    const merges: Node[] = [];
    for (const pair of node.items) {
      if (!Y().isPair(pair)) this.fail("unsupported mapping entry", node);
      const keyNode = pair.key as Node | null;
      if (keyNode && Y().isScalar(keyNode) && keyNode.source === "<<" && keyNode.type === "PLAIN") {
        merges.push(pair.value as Node);
        continue;
      }
      const key = this.keyOf(keyNode);
      if (seen.has(key)) this.fail(`duplicate key '${key.slice(0, 100)}'`, keyNode ?? node);
      seen.add(key);
      setKey(out, key, this.convert(pair.value as Node | null, depth + 1));
    }
    if (merges.length === 0) return out;
    // Merge keys (ruamel SafeConstructor.flatten_mapping): merged pairs come first; the last
    // mapping of a merge sequence is flattened first; explicit keys override merged ones.
    const sources: Node[] = [];
    for (const m of merges) {
      const target = m && Y().isAlias(m) ? m.resolve(this.doc) : m;
      if (target && Y().isSeq(target)) {
        const items = target.items.map((it) => (it && Y().isAlias(it as Node) ? (it as { resolve: (d: Document) => Node | undefined }).resolve(this.doc) : it) as Node);
        for (const it of items.reverse()) sources.push(it);
      } else if (target) {
        sources.push(target);
      } else {
        this.fail("invalid merge key value", m);
      }
    }
    const merged: Record<string, unknown> = {};
    for (const src of sources) {
      if (!Y().isMap(src)) this.fail("merge key value must be a mapping or a list of mappings", src);
      const value = this.convert(src, depth + 1) as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) setKey(merged, k, v);
    }
    for (const [k, v] of Object.entries(out)) setKey(merged, k, v);
    return merged;
  }
}

const RUAMEL_ESCAPES: Record<string, string> = {
  "0": "\0", a: "\x07", b: "\x08", t: "\t", "\t": "\t", n: "\n", v: "\x0b", f: "\x0c", r: "\r", e: "\x1b", " ": " ",
  '"': '"', "/": "/", "\\": "\\", N: "\x85", _: "\xa0", L: "\u2028", P: "\u2029",
};
const RUAMEL_CODES: Record<string, number> = { x: 2, u: 4, U: 8 };
const FLOW_BREAKS = "\r\n\x85\u2028\u2029";

/**
 * ruamel.yaml's scanner for a quoted scalar (`scan_flow_scalar` and its helpers in
 * ruamel/yaml/scanner.py), given the scalar's source including its quotes. Undefined if it does not
 * scan (the `yaml` package's value is kept then).
 */
export function ruamelFlowScalar(src: string): string | undefined {
  const quote = src[0];
  if ((quote !== "'" && quote !== '"') || src.length < 2) return undefined;
  const double = quote === '"';
  let i = 1;
  const peek = (k = 0): string => src[i + k] ?? "\0";
  const lineBreak = (): string => {
    const ch = peek();
    if (ch === "\r" || ch === "\n" || ch === "\x85") {
      i += ch === "\r" && peek(1) === "\n" ? 2 : 1;
      return "\n";
    }
    if (ch === "\u2028" || ch === "\u2029") {
      i++;
      return ch;
    }
    return "";
  };
  const breaks = (): string[] => {
    const out: string[] = [];
    for (;;) {
      while (peek() === " " || peek() === "\t") i++;
      if (FLOW_BREAKS.includes(peek()) && peek() !== "\0") out.push(lineBreak());
      else return out;
    }
  };
  const nonSpaces = (): string[] | undefined => {
    const out: string[] = [];
    for (;;) {
      let len = 0;
      while (!" \n'\"\\\0\t\r\x85\u2028\u2029".includes(peek(len))) len++;
      if (len) {
        out.push(src.slice(i, i + len));
        i += len;
      }
      const ch = peek();
      if (!double && ch === "'" && peek(1) === "'") {
        out.push("'");
        i += 2;
      } else if ((double && ch === "'") || (!double && (ch === '"' || ch === "\\"))) {
        out.push(ch);
        i++;
      } else if (double && ch === "\\") {
        i++;
        const e = peek();
        if (e in RUAMEL_ESCAPES) {
          out.push(RUAMEL_ESCAPES[e]!);
          i++;
        } else if (e in RUAMEL_CODES) {
          const n = RUAMEL_CODES[e]!;
          const hex = src.slice(i + 1, i + 1 + n);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff) return undefined;
          out.push(String.fromCodePoint(cp));
          i += 1 + n;
        } else if (FLOW_BREAKS.includes(e) && e !== "\0") {
          lineBreak();
          out.push(...breaks());
        } else {
          return undefined;
        }
      } else {
        return out;
      }
    }
  };
  const spaces = (): string[] | undefined => {
    let len = 0;
    while (peek(len) === " " || peek(len) === "\t") len++;
    const ws = src.slice(i, i + len);
    i += len;
    const ch = peek();
    if (ch === "\0" && i >= src.length) return undefined;
    if (FLOW_BREAKS.includes(ch)) {
      const lb = lineBreak();
      const br = breaks();
      const out: string[] = [];
      if (lb !== "\n") out.push(lb);
      else if (br.length === 0) out.push(" ");
      out.push(...br);
      return out;
    }
    return [ws];
  };
  const chunks: string[] = [];
  const first = nonSpaces();
  if (!first) return undefined;
  chunks.push(...first);
  while (peek() !== quote || i >= src.length) {
    if (i >= src.length) return undefined;
    const sp = spaces();
    if (!sp) return undefined;
    chunks.push(...sp);
    const ns = nonSpaces();
    if (!ns) return undefined;
    chunks.push(...ns);
  }
  return i === src.length - 1 ? chunks.join("") : undefined;
}

function rawFlowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return max;
}
