/**
 * A fast path for the YAML that DVC and dvx write: block mappings and block sequences of plain
 * scalars (folded over several lines too, as ruamel wraps a long `cmd:`) or simple single-quoted
 * ones, nothing else.
 *
 * Loading the `yaml` package costs 70 ms here (72 CommonJS files), more than everything else
 * `dvx status` does on a small repository; `.dvc` files and most `dvc.lock` files never need it.
 * This reader accepts only a strict subset whose meaning is unambiguous and returns `undefined` for
 * anything else (comments, flow collections, double-quoted scalars, anchors, tags, block scalars,
 * blank lines, duplicate keys, tabs, CR line ends...): the caller then runs the full
 * parser, which also produces the error messages. On what it accepts it must return exactly what
 * the full reader returns (test/unit/formats/yamlFast.test.ts compares the two).
 */
import { resolvePlain, setKey } from "./yamlScalars.js";

/** Any of these anywhere sends the document to the full parser. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED = /[\t\r\\\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** A mapping key: a plain scalar that can only be read as the string it spells. */
const KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
/**
 * The first line of a plain scalar: printable ASCII, no indicator first (a `-` only before a
 * non-space). The rules shared with later lines are in plainLine().
 */
const PLAIN_FIRST = /^(?:[A-Za-z0-9_.\/+=~()<$;^]|-(?=[^ ]))[ -~]*$/;
/**
 * A continuation line: any printable ASCII first except `#` and `:` (YAML's ns-plain-char), and
 * not `-` or a quote, which the full parser is left to judge.
 */
const PLAIN_NEXT = /^[!$-&(-,./-9;-~][ -~]*$/;
/** A single-quoted scalar without escaped quotes. */
const SQUOTED = /^'([^']*)'$/;
const MAX_DEPTH = 64;

interface Line {
  indent: number;
  /** the line without its indentation */
  text: string;
}

class Bail extends Error {}
const BAIL = new Bail();

export function parseDvcYamlFast(text: string, keepFloats: boolean, maxDepth: number): unknown {
  if (UNSUPPORTED.test(text)) return undefined;
  const lines: Line[] = [];
  let blankAt: number | undefined;
  for (const raw of text.split("\n")) {
    const body = raw.trimStart();
    if (body === "") {
      // blank lines mean something inside a folded scalar: only the end of the text may have one
      if (raw !== "" || lines.length === 0) return undefined;
      blankAt ??= lines.length;
      continue;
    }
    if (blankAt !== undefined) return undefined;
    if (body.startsWith("---") || body.startsWith("...")) return undefined;
    lines.push({ indent: raw.length - body.length, text: body });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  const reader = new BlockReader(lines, keepFloats, Math.min(maxDepth, MAX_DEPTH));
  try {
    const value = reader.node(0, 0);
    return reader.pos === lines.length ? value : undefined;
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}

class BlockReader {
  pos = 0;
  constructor(
    private readonly lines: Line[],
    private readonly keepFloats: boolean,
    private readonly maxDepth: number,
  ) {}

  /** The block collection starting at the current line, whose lines are indented `indent`. */
  node(indent: number, depth: number): unknown {
    if (depth > this.maxDepth) throw BAIL;
    const line = this.lines[this.pos]!;
    if (line.indent !== indent) throw BAIL;
    return line.text.startsWith("- ") || line.text === "-" ? this.sequence(indent, depth) : this.mapping(indent, depth, line.text);
  }

  private sequence(indent: number, depth: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.lines[this.pos]; line && line.indent === indent && line.text.startsWith("- "); line = this.lines[this.pos]) {
      const rest = line.text.slice(2);
      if (rest.startsWith(" ") || rest.startsWith("-")) throw BAIL; // extra spaces or nested sequence
      if (isMappingLine(rest)) {
        // "- key: value" opens a mapping whose further keys sit two columns right of the dash
        out.push(this.mapping(indent + 2, depth + 1, rest));
      } else {
        this.pos++;
        out.push(this.scalar(rest, indent));
      }
    }
    const next = this.lines[this.pos];
    if (next && next.indent === indent && next.text.startsWith("-")) throw BAIL; // "-" alone, "-x"
    return out;
  }

  /**
   * The mapping whose first line is the current one; `first` is that line's text (after a
   * sequence dash, when the mapping is a sequence item).
   */
  private mapping(indent: number, depth: number, first: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    let text: string | undefined = first;
    for (;;) {
      const colon = text.indexOf(":");
      if (colon <= 0) throw BAIL;
      const key = text.slice(0, colon);
      if (!KEY.test(key) || seen.has(key)) throw BAIL;
      seen.add(key);
      const after = text.slice(colon + 1);
      this.pos++;
      let value: unknown;
      if (after === "") {
        // "key:" then either a nested block or nothing (null). A sequence may sit at the key's
        // own indentation, as DVC writes `outs:` followed by `- md5: ...`.
        const next = this.lines[this.pos];
        if (next && next.indent > indent) value = this.node(next.indent, depth + 1);
        else if (next && next.indent === indent && next.text.startsWith("- ")) value = this.sequence(indent, depth + 1);
        else value = null;
      } else {
        if (!after.startsWith(" ") || after.startsWith("  ")) throw BAIL;
        value = this.scalar(after.slice(1), indent);
      }
      setKey(out, key, value);
      const next = this.lines[this.pos];
      if (!next || next.indent !== indent || next.text.startsWith("-")) break;
      text = next.text;
    }
    const next = this.lines[this.pos];
    if (next && next.indent > indent) throw BAIL;
    return out;
  }

  /**
   * The scalar `src` begun on the line just read, whose parent sits at `indent`: lines indented
   * deeper continue a plain scalar, folded into one line with single spaces.
   */
  private scalar(src: string, indent: number): unknown {
    const quoted = SQUOTED.exec(src);
    if (quoted) {
      if (this.deeper(indent)) throw BAIL; // a quoted scalar over several lines
      return quoted[1];
    }
    if (!PLAIN_FIRST.test(src) || !plainLine(src)) throw BAIL;
    let text = src;
    while (this.deeper(indent)) {
      const next = this.lines[this.pos++]!.text;
      // a continuation that could be read as anything but more text is left to the full parser
      if (!PLAIN_NEXT.test(next) || !plainLine(next)) throw BAIL;
      text += ` ${next}`;
    }
    try {
      return resolvePlain(text, this.keepFloats);
    } catch {
      throw BAIL; // an int or float the full parser reports as invalid
    }
  }

  private deeper(indent: number): boolean {
    const next = this.lines[this.pos];
    return next !== undefined && next.indent > indent;
  }
}

/** What no line of a plain scalar may hold: a trailing space or colon, `: `, ` #`. */
function plainLine(text: string): boolean {
  return !text.endsWith(" ") && !text.endsWith(":") && !text.includes(": ") && !text.includes(" #");
}

/** `key: value` or `key:` (a mapping entry), as opposed to a scalar sequence item. */
function isMappingLine(text: string): boolean {
  const colon = text.indexOf(":");
  return colon > 0 && (colon === text.length - 1 || text[colon + 1] === " ");
}
