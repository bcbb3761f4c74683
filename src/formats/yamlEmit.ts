/**
 * YAML emission byte-compatible with DVC's dumper (spec 6): `ruamel.yaml.YAML()` (round-trip
 * dumper) with `default_flow_style = False`, ruamel 0.17.22 .. 0.18.x.
 *
 * This is a port of the parts of ruamel's Emitter that plain data reaches (block mappings and
 * sequences, empty flow collections, plain/single-quoted/double-quoted scalars with ruamel's
 * analysis, folding and escaping, the YAML 1.2 implicit resolver used to decide quoting). The
 * state machine, method names and column bookkeeping follow ruamel's `emitter.py` so that line
 * folding matches to the character. Columns count code points, as Python's `len` does.
 *
 * Input: plain objects (insertion-ordered keys) or `Map<string, unknown>`, arrays, strings,
 * numbers (integral -> int, otherwise float; wrap in {@link PyFloat} for `1.0`), bigint, booleans,
 * null. `undefined` values in mappings are skipped. Not supported (never produced by DVC for
 * plain data): anchors/aliases for shared objects (a shared object is simply written twice),
 * comments, tags, block scalars (`|`, `>`).
 */
import { DvxError } from "../errors.js";
import { PyFloat, pyFloatRepr } from "./pyjson.js";

// ---------------------------------------------------------------------------------------------
// Resolver (ruamel.yaml resolver.py, YAML 1.2 implicit resolvers). Python's `re.X` ignores the
// whitespace inside these patterns; they are written here without it.

const RESOLVE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const RESOLVE_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const RESOLVE_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/;
const RESOLVE_MERGE = /^(?:<<)$/;
const RESOLVE_NULL = /^(?:~|null|Null|NULL|)$/;
const RESOLVE_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const RESOLVE_VALUE = /^(?:=)$/;
const RESOLVE_YAML = /^(?:!|&|\*)$/;

export type ResolvedTag = "str" | "bool" | "float" | "int" | "merge" | "null" | "timestamp" | "value" | "yaml";

// Python's `$` also matches before one trailing "\n"; mirror that.
function pyMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith("\n") && re.test(s.slice(0, -1)));
}

/**
 * The tag ruamel's YAML 1.2 resolver gives a plain scalar (first-character dispatch as in
 * `VersionedResolver.resolve`). DVC reads with this resolver, so a string that resolves to
 * anything but "str" must be quoted.
 */
export function resolvePlainScalar(value: string): ResolvedTag {
  const c = value === "" ? "" : value[0]!;
  const checks: [ResolvedTag, RegExp, string][] = [
    ["bool", RESOLVE_BOOL, "tTfF"],
    ["float", RESOLVE_FLOAT, "-+0123456789."],
    ["int", RESOLVE_INT, "-+0123456789"],
    ["merge", RESOLVE_MERGE, "<"],
    ["null", RESOLVE_NULL, "~nN"],
    ["timestamp", RESOLVE_TIMESTAMP, "0123456789"],
    ["value", RESOLVE_VALUE, "="],
    ["yaml", RESOLVE_YAML, "!&*"],
  ];
  for (const [tag, re, first] of checks) {
    const applies = c === "" ? tag === "null" : first.includes(c);
    if (applies && pyMatch(re, value)) return tag;
  }
  return "str";
}

// ---------------------------------------------------------------------------------------------
// Events

type ScalarTag = "str" | "bool" | "float" | "int" | "null";
type ScalarEvent = { t: "scalar"; tag: ScalarTag; value: string; implicit: [boolean, boolean] };
/** len(prepare_tag(tag)): "!!str", "!!bool", ... */
const SCALAR_TAG_LENGTH: Record<ScalarTag, number> = { str: 5, bool: 6, float: 7, int: 5, null: 6 };
type Event =
  | { t: "streamStart" }
  | { t: "streamEnd" }
  | { t: "docStart" }
  | { t: "docEnd" }
  | ScalarEvent
  | { t: "seqStart" }
  | { t: "seqEnd" }
  | { t: "mapStart" }
  | { t: "mapEnd" };

const MAX_DEPTH = 10_000;

function scalarEvent(tag: ScalarTag, value: string): ScalarEvent {
  // Serializer.serialize_node: implicit = (node.tag == detected_tag, node.tag == default_tag)
  const detected = resolvePlainScalar(value);
  return { t: "scalar", tag, value, implicit: [detected === tag, tag === "str"] };
}

function isMapping(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  return v instanceof Map || (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat));
}

function represent(value: unknown, events: Event[], depth: number, top: boolean): void {
  if (depth > MAX_DEPTH) throw new DvxError("USAGE", "emitYaml: value nested too deeply");
  if (value === null || value === undefined) {
    // RoundTripRepresenter.represent_none: 'null' for a top-level None, '' elsewhere.
    events.push(scalarEvent("null", top ? "null" : ""));
  } else if (typeof value === "string") {
    events.push(scalarEvent("str", value));
  } else if (typeof value === "boolean") {
    events.push(scalarEvent("bool", value ? "true" : "false"));
  } else if (typeof value === "bigint") {
    events.push(scalarEvent("int", value.toString()));
  } else if (typeof value === "number") {
    if (Number.isInteger(value)) events.push(scalarEvent("int", BigInt(value).toString()));
    else events.push(scalarEvent("float", floatText(value)));
  } else if (value instanceof PyFloat) {
    events.push(scalarEvent("float", floatText(value.value)));
  } else if (Array.isArray(value)) {
    events.push({ t: "seqStart" });
    for (const item of value) represent(item, events, depth + 1, false);
    events.push({ t: "seqEnd" });
  } else if (isMapping(value)) {
    events.push({ t: "mapStart" });
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
    for (const [k, v] of entries) {
      if (v === undefined) continue;
      if (typeof k !== "string") throw new DvxError("USAGE", "emitYaml: mapping keys must be strings");
      represent(k, events, depth + 1, false);
      represent(v, events, depth + 1, false);
    }
    events.push({ t: "mapEnd" });
  } else {
    throw new DvxError("USAGE", `emitYaml: unsupported value of type ${typeof value}`);
  }
}

/** SafeRepresenter.represent_float */
function floatText(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  return pyFloatRepr(x).toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (Emitter.analyze_scalar), on code points.

interface Analysis {
  scalar: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowDoubleQuoted: boolean;
  allowBlock: boolean;
}

const WS0 = new Set(["\0", " ", "\t", "\r", "\n", "\x85", "\u2028", "\u2029"]);
const BREAKS = new Set(["\n", "\x85", "\u2028", "\u2029"]);

function analyzeScalar(text: string): Analysis {
  const scalar = Array.from(text);
  if (scalar.length === 0) {
    return {
      scalar,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
      allowDoubleQuoted: true,
      allowBlock: false,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (text.startsWith("---") || text.startsWith("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let preceededByWhitespace = true;
  let followedByWhitespace = scalar.length === 1 || WS0.has(scalar[1]!);
  let previousSpace = false;
  let previousBreak = false;
  let index = 0;
  while (index < scalar.length) {
    const ch = scalar[index]!;
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === "?" || ch === ":") {
        if (scalar.length === 1) flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "-" && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (",[]{}".includes(ch)) flowIndicators = true;
      if (ch === ":" && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === "#" && preceededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (BREAKS.has(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === "\n" || (cp >= 0x20 && cp <= 0x7e))) {
      const printable =
        (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)) &&
        cp !== 0xfeff;
      // allow_unicode is on: printable non-ASCII is not special.
      if (!printable) specialCharacters = true;
    }
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === scalar.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.has(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === scalar.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    index += 1;
    preceededByWhitespace = WS0.has(ch);
    followedByWhitespace = index + 1 >= scalar.length || WS0.has(scalar[index + 1]!);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  const allowDoubleQuoted = true;
  let allowBlock = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (trailingSpace) allowBlock = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (specialCharacters) {
    allowFlowPlain = allowBlockPlain = allowSingleQuoted = allowBlock = false;
  } else if (spaceBreak) {
    allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
    allowBlock = false; // allow_space_break is None
  }
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return {
    scalar,
    empty: false,
    multiline: lineBreaks,
    allowFlowPlain,
    allowBlockPlain,
    allowSingleQuoted,
    allowDoubleQuoted,
    allowBlock,
  };
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0A": "n",
  "\x0B": "v",
  "\x0C": "f",
  "\x0D": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xA0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

// ---------------------------------------------------------------------------------------------
// Emitter (state machine as in ruamel's emitter.py, without comments/anchors/tags/flow input)

type State = () => void;

class Emitter {
  private readonly out: string[] = [];
  private states: State[] = [];
  private state: State;
  private events: Event[] = [];
  private event: Event | undefined;
  private indents: [number | null, boolean][] = [];
  private indent: number | null = null;
  private flowContext: string[] = [];
  private rootContext = false;
  private sequenceContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private column = 0;
  private whitespace = true;
  private indention = true;
  private noNewline: boolean | null = null;
  private openEnded = false;
  private analysis: Analysis | null = null;
  private style: string | null = null;
  private readonly bestSequenceIndent = 2;
  private readonly bestMapIndent = 2;
  private readonly bestWidth = 80;
  private readonly sequenceDashOffset = 0;
  private readonly compactSeqSeq = true;
  private readonly compactSeqMap = true;
  private static readonly MAX_SIMPLE_KEY_LENGTH = 128;

  constructor() {
    this.state = this.expectStreamStart;
  }

  result(): string {
    return this.out.join("");
  }

  private get flowLevel(): number {
    return this.flowContext.length;
  }

  emit(event: Event): void {
    this.events.push(event);
    while (!this.needMoreEvents()) {
      this.event = this.events.shift();
      this.state.call(this);
      this.event = undefined;
    }
  }

  private needMoreEvents(): boolean {
    if (this.events.length === 0) return true;
    const event = this.events[0]!;
    if (event.t === "docStart") return this.needEvents(1);
    if (event.t === "seqStart") return this.needEvents(2);
    if (event.t === "mapStart") return this.needEvents(3);
    return false;
  }

  private needEvents(count: number): boolean {
    let level = 0;
    for (const event of this.events.slice(1)) {
      if (event.t === "docStart" || event.t === "seqStart" || event.t === "mapStart") level += 1;
      else if (event.t === "docEnd" || event.t === "seqEnd" || event.t === "mapEnd") level -= 1;
      else if (event.t === "streamEnd") level = -1;
      if (level < 0) return false;
    }
    return this.events.length < count + 1;
  }

  // Indents ----------------------------------------------------------------------------------
  private indentsLastSeq(): boolean {
    const v = this.indents[this.indents.length - 2];
    return v ? v[1] : false;
  }

  private indentsSeqSeq(): boolean {
    const a = this.indents[this.indents.length - 2];
    const b = this.indents[this.indents.length - 1];
    return !!(a && b && a[1] && b[1]);
  }

  private indentsSeqFlowAlign(seqIndent: number, column: number): number {
    const n = this.indents.length;
    if (n < 2 || !this.indents[n - 1]![1]) {
      return 0;
    }
    const base = this.indents[n - 1]![0] ?? 0;
    return base + seqIndent - column - 1;
  }

  private popIndent(): number | null {
    return this.indents.pop()![0];
  }

  private increaseIndent(flow = false, sequence: boolean | null = null, indentless = false): void {
    this.indents.push([this.indent, !!sequence]);
    if (this.indent === null) {
      this.indent = flow ? null /* requested_indent */ : 0;
    } else if (!indentless) {
      this.indent += this.indentsLastSeq() ? this.bestSequenceIndent : this.bestMapIndent;
    }
  }

  private ev<T extends Event["t"]>(t: T): Extract<Event, { t: T }> | undefined {
    return this.event?.t === t ? (this.event as Extract<Event, { t: T }>) : undefined;
  }

  // Stream / document ------------------------------------------------------------------------
  private expectStreamStart(): void {
    if (this.event?.t !== "streamStart") throw new Error("expected StreamStartEvent");
    this.state = this.expectFirstDocumentStart;
  }

  private expectNothing(): void {
    throw new Error("expected nothing");
  }

  private expectFirstDocumentStart(): void {
    this.expectDocumentStart(true);
  }

  private expectDocumentStart(first = false): void {
    if (this.event?.t === "docStart") {
      const implicit = first && !this.checkEmptyDocument();
      if (!implicit) {
        this.writeIndent();
        this.writeIndicator("---", true);
      }
      this.state = this.expectDocumentRoot;
    } else if (this.event?.t === "streamEnd") {
      if (this.openEnded) {
        this.writeIndicator("...", true);
        this.writeIndent();
      }
      this.state = this.expectNothing;
    } else {
      throw new Error("expected DocumentStartEvent");
    }
  }

  private expectDocumentEnd(): void {
    if (this.event?.t !== "docEnd") throw new Error("expected DocumentEndEvent");
    this.writeIndent();
    this.state = () => this.expectDocumentStart(false);
  }

  private expectDocumentRoot(): void {
    this.states.push(this.expectDocumentEnd);
    this.expectNode(true);
  }

  // Nodes ------------------------------------------------------------------------------------
  private expectNode(root = false, sequence = false, mapping = false, simpleKey = false): void {
    this.rootContext = root;
    this.sequenceContext = sequence;
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const e = this.event;
    if (e?.t === "scalar") {
      this.processTag();
      this.expectScalar();
    } else if (e?.t === "seqStart") {
      if (this.flowLevel || this.checkEmptySequence()) this.expectFlowSequence();
      else this.expectBlockSequence();
      if (this.indentsSeqSeq()) {
        this.indention = true;
        this.noNewline = false;
      }
    } else if (e?.t === "mapStart") {
      if (this.flowLevel || this.checkEmptyMapping()) this.expectFlowMapping();
      else this.expectBlockMapping();
    } else {
      throw new Error("expected NodeEvent");
    }
  }

  private expectScalar(): void {
    this.increaseIndent(true);
    this.processScalar();
    this.indent = this.popIndent();
    this.state = this.states.pop()!;
  }

  // Flow collections (only empty ones are ever emitted in flow style here) -------------------
  private expectFlowSequence(): void {
    const ind = this.indentsSeqFlowAlign(this.bestSequenceIndent, this.column);
    this.writeIndicator(" ".repeat(Math.max(0, ind)) + "[", true, true);
    this.increaseIndent(true, true);
    this.flowContext.push("[");
    this.state = this.expectFirstFlowSequenceItem;
  }

  private expectFirstFlowSequenceItem(): void {
    if (this.event?.t !== "seqEnd") throw new Error("emitYaml: non-empty flow sequence");
    this.indent = this.popIndent();
    this.flowContext.pop();
    this.writeIndicator("]", false);
    if (this.flowLevel === 0) this.writeLineBreak();
    this.state = this.states.pop()!;
  }

  private expectFlowMapping(): void {
    const ind = this.indentsSeqFlowAlign(this.bestSequenceIndent, this.column);
    this.writeIndicator(" ".repeat(Math.max(0, ind)) + "{", true, true);
    this.flowContext.push("{");
    this.increaseIndent(true, false);
    this.state = this.expectFirstFlowMappingKey;
  }

  private expectFirstFlowMappingKey(): void {
    if (this.event?.t !== "mapEnd") throw new Error("emitYaml: non-empty flow mapping");
    this.indent = this.popIndent();
    this.flowContext.pop();
    this.writeIndicator("}", false);
    if (this.flowLevel === 0) this.writeLineBreak();
    this.state = this.states.pop()!;
  }

  // Block sequences --------------------------------------------------------------------------
  private expectBlockSequence(): void {
    let indentless: boolean;
    if (this.mappingContext) {
      indentless = !this.indention;
    } else {
      indentless = false;
      if (!this.compactSeqSeq && this.column !== 0) this.writeLineBreak();
    }
    this.increaseIndent(false, true, indentless);
    this.state = this.expectFirstBlockSequenceItem;
  }

  private expectFirstBlockSequenceItem(): void {
    this.expectBlockSequenceItem(true);
  }

  private expectBlockSequenceItem(first = false): void {
    if (!first && this.event?.t === "seqEnd") {
      this.indent = this.popIndent();
      this.state = this.states.pop()!;
      this.noNewline = false;
    } else {
      const nonl = this.column === 0 ? this.noNewline : false;
      this.writeIndent();
      const ind = this.sequenceDashOffset;
      this.writeIndicator(" ".repeat(ind) + "-", true, false, true);
      if (nonl || this.sequenceDashOffset + 2 > this.bestSequenceIndent) this.noNewline = true;
      this.states.push(() => this.expectBlockSequenceItem(false));
      this.expectNode(false, true);
    }
  }

  // Block mappings ---------------------------------------------------------------------------
  private expectBlockMapping(): void {
    if (!this.mappingContext && !(this.compactSeqMap || this.column === 0)) this.writeLineBreak();
    this.increaseIndent(false, false);
    this.state = this.expectFirstBlockMappingKey;
  }

  private expectFirstBlockMappingKey(): void {
    this.expectBlockMappingKey(true);
  }

  private expectBlockMappingKey(first = false): void {
    if (!first && this.event?.t === "mapEnd") {
      this.indent = this.popIndent();
      this.state = this.states.pop()!;
    } else {
      this.writeIndent();
      if (this.checkSimpleKey()) {
        this.states.push(this.expectBlockMappingSimpleValue);
        this.expectNode(false, false, true, true);
      } else {
        this.writeIndicator("?", true, false, true);
        this.states.push(this.expectBlockMappingValue);
        this.expectNode(false, false, true);
      }
    }
  }

  private expectBlockMappingSimpleValue(): void {
    this.writeIndicator(":", false);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  private expectBlockMappingValue(): void {
    this.writeIndent();
    this.writeIndicator(":", true, false, true);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  // Checkers ---------------------------------------------------------------------------------
  private checkEmptySequence(): boolean {
    return this.event?.t === "seqStart" && this.events[0]?.t === "seqEnd";
  }

  private checkEmptyMapping(): boolean {
    return this.event?.t === "mapStart" && this.events[0]?.t === "mapEnd";
  }

  private checkEmptyDocument(): boolean {
    // ruamel requires a scalar event without a tag; represented values always carry one.
    return false;
  }

  private checkSimpleKey(): boolean {
    let length = 0;
    const e = this.event;
    if (e?.t === "scalar") {
      // ruamel counts the prepared tag too ('!!str' for every string key), although it is
      // never written for an implicit scalar.
      length += SCALAR_TAG_LENGTH[e.tag];
      if (this.analysis === null) this.analysis = analyzeScalar(e.value);
      length += this.analysis.scalar.length;
    }
    return (
      length < Emitter.MAX_SIMPLE_KEY_LENGTH &&
      ((e?.t === "scalar" && !(this.analysis!.empty && this.style && !"'\"".includes(this.style)) && !this.analysis!.multiline) ||
        this.checkEmptySequence() ||
        this.checkEmptyMapping())
    );
  }

  // Scalars ----------------------------------------------------------------------------------
  private processTag(): void {
    const e = this.ev("scalar")!;
    if (this.style === null) this.style = this.chooseScalarStyle();
    if ((this.style === "" && e.implicit[0]) || (this.style !== "" && e.implicit[1])) return;
    // Non-string scalars always resolve to their own tag, strings are never plain unless they
    // resolve as str: a tag is never needed for the values emitYaml accepts.
    throw new Error(`emitYaml: scalar '${e.value}' would need a tag`);
  }

  private chooseScalarStyle(): string {
    const e = this.ev("scalar")!;
    if (this.analysis === null) this.analysis = analyzeScalar(e.value);
    const a = this.analysis;
    if (e.implicit[0]) {
      if (
        !(this.simpleKeyContext && (a.empty || a.multiline)) &&
        ((this.flowLevel && a.allowFlowPlain) || (!this.flowLevel && a.allowBlockPlain))
      ) {
        return "";
      }
    }
    a.allowBlock = true;
    if (a.allowDoubleQuoted) {
      if (e.value.includes("'") || e.value.includes("\n")) return '"';
    }
    if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) return "'";
    return '"';
  }

  private processScalar(): void {
    const e = this.ev("scalar")!;
    if (this.analysis === null) this.analysis = analyzeScalar(e.value);
    if (this.style === null) this.style = this.chooseScalarStyle();
    const split = !this.simpleKeyContext;
    if (this.sequenceContext && !this.flowLevel) this.writeIndent();
    if (this.style === '"') this.writeDoubleQuoted(this.analysis.scalar, split);
    else if (this.style === "'") this.writeSingleQuoted(this.analysis.scalar, split);
    else this.writePlain(this.analysis.scalar, split);
    this.analysis = null;
    this.style = null;
  }

  // Writers ----------------------------------------------------------------------------------
  private write(data: string, len: number): void {
    this.column += len;
    this.out.push(data);
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : " " + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += Array.from(data).length;
    this.openEnded = false;
    this.out.push(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      if (this.noNewline) this.noNewline = false;
      else this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.out.push(" ".repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out.push(data);
  }

  private writeSingleQuoted(text: string[], split = true): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      if (spaces) {
        if (ch === null || ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== n) {
            this.writeIndent();
          } else {
            this.write(text.slice(start, end).join(""), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.has(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) {
            if (br === "\n") this.writeLineBreak();
            else this.writeLineBreak(br);
          }
          this.writeIndent();
          start = end;
        }
      } else {
        if (ch === null || ch === " " || BREAKS.has(ch) || ch === "'") {
          if (start < end) {
            this.write(text.slice(start, end).join(""), end - start);
            start = end;
          }
        }
      }
      if (ch === "'") {
        this.write("''", 2);
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAKS.has(ch);
      }
      end += 1;
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split = true): void {
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      let special = ch === null;
      if (ch !== null) {
        const cp = ch.codePointAt(0)!;
        special =
          '"\\\x85\u2028\u2029\uFEFF'.includes(ch) ||
          !((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff));
      }
      if (special) {
        if (start < end) {
          this.write(text.slice(start, end).join(""), end - start);
          start = end;
        }
        if (ch !== null) {
          const cp = ch.codePointAt(0)!;
          let data: string;
          const rep = ESCAPE_REPLACEMENTS[ch];
          if (rep !== undefined) data = "\\" + rep;
          else if (cp <= 0xff) data = "\\x" + cp.toString(16).toUpperCase().padStart(2, "0");
          else if (cp <= 0xffff) data = "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
          else data = "\\U" + cp.toString(16).toUpperCase().padStart(8, "0");
          this.write(data, data.length);
          start = end + 1;
        }
      }
      if (0 < end && end < n - 1 && (ch === " " || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        let needBackquote = true;
        if (n > end) {
          const spacePos = text.indexOf(" ", end);
          if (spacePos !== -1) {
            const seg = text.slice(end, spacePos);
            // Python raises IndexError for text[space_pos + 1] past the end: keeps the backquote.
            if (
              !seg.includes('"') &&
              !seg.includes("'") &&
              spacePos + 1 < n &&
              text[spacePos + 1] !== " " &&
              !(text[end - 1] === " " && text[end] === " ")
            ) {
              needBackquote = false;
            }
          }
        }
        const data = text.slice(start, end).join("") + (needBackquote ? "\\" : "");
        const dataLen = end - start + (needBackquote ? 1 : 0);
        if (start < end) start = end;
        this.write(data, dataLen);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === " ") {
          if (!needBackquote) start += 1;
          const d = needBackquote ? "\\" : "";
          this.write(d, d.length);
        }
      }
      end += 1;
    }
    this.writeIndicator('"', false);
  }

  private writePlain(text: string[], split = true): void {
    if (this.rootContext) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) this.write(" ", 1);
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(text.slice(start, end).join(""), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.has(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) {
            if (br === "\n") this.writeLineBreak();
            else this.writeLineBreak(br);
          }
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else {
        if (ch === null || ch === " " || BREAKS.has(ch)) {
          const len = end - start;
          if (len > this.bestWidth && this.indent !== null && this.column > this.indent) {
            // words longer than line length get a line of their own
            this.writeIndent();
          }
          this.write(text.slice(start, end).join(""), len);
          start = end;
        }
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAKS.has(ch);
      }
      end += 1;
    }
  }
}

/**
 * The YAML text DVC (ruamel.yaml 0.18, `default_flow_style = False`) writes for `value`.
 * Ends with exactly one "\n". Throws DvxError("USAGE") for values that are not plain data.
 */
export function emitYaml(value: unknown): string {
  const events: Event[] = [{ t: "streamStart" }, { t: "docStart" }];
  represent(value, events, 0, true);
  events.push({ t: "docEnd" }, { t: "streamEnd" });
  const emitter = new Emitter();
  for (const e of events) emitter.emit(e);
  return emitter.result();
}
