/**
 * A fast path for the YAML that DVC and dvx write: block mappings and block sequences of plain or
 * simple single-quoted scalars, two-space indentation, nothing else.
 *
 * Loading the `yaml` package costs 70 ms here (72 CommonJS files), more than everything else
 * `dvx status` does on a small repository; `.dvc` files and most `dvc.lock` files never need it.
 * This reader accepts only a strict subset whose meaning is unambiguous and returns `undefined` for
 * anything else (comments, flow collections, double quotes, anchors, tags, block scalars,
 * multi-line plain scalars, duplicate keys, tabs, CR line ends...): the caller then runs the full
 * parser, which also produces the error messages. On what it accepts it must return exactly what
 * the full reader returns (test/unit/formats/yamlFast.test.ts compares the two).
 */
import { resolvePlain, setKey } from "./yamlScalars.js";

/** Any of these anywhere sends the document to the full parser. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED = /[\t\r"#&*!|>%@`{}[\]\\\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** A mapping key: a plain scalar that can only be read as the string it spells. */
const KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
/** A plain scalar value: no indicator first, no `: ` or trailing space, no quote inside. */
const PLAIN = /^[A-Za-z0-9_.\/+~-](?:[A-Za-z0-9_.\/+=,:~ -]*[A-Za-z0-9_.\/+=~-])?$/;
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
  for (const raw of text.split("\n")) {
    const body = raw.trimStart();
    if (body === "") {
      if (raw !== "") return undefined; // whitespace-only lines: leave to the full parser
      continue;
    }
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
        out.push(this.scalar(rest));
        this.expectNoDeeper(indent);
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
        value = this.scalar(after.slice(1));
        this.expectNoDeeper(indent);
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

  /** A deeper line after a scalar would continue it (a multi-line plain scalar): not ours. */
  private expectNoDeeper(indent: number): void {
    const next = this.lines[this.pos];
    if (next && next.indent > indent) throw BAIL;
  }

  private scalar(src: string): unknown {
    const quoted = SQUOTED.exec(src);
    if (quoted) return quoted[1];
    // "- " or a lone "-" would open a block sequence, which YAML forbids on a mapping key's line
    if (!PLAIN.test(src) || src === "-" || src.startsWith("- ") || src.includes(": ") || src.endsWith(":")) throw BAIL;
    try {
      return resolvePlain(src, this.keepFloats);
    } catch {
      throw BAIL; // an int or float the full parser reports as invalid
    }
  }
}

/** `key: value` or `key:` (a mapping entry), as opposed to a scalar sequence item. */
function isMappingLine(text: string): boolean {
  const colon = text.indexOf(":");
  return colon > 0 && (colon === text.length - 1 || text[colon + 1] === " ");
}
