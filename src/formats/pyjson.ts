/**
 * Python `json.dumps` compatibility (spec 3.1, 2.5): ensure_ascii string escaping, `sort_keys=True`
 * with Python's default separators, floats as Python `repr`, and code-point string ordering.
 *
 * JS numbers do not distinguish `1` from `1.0`; an integral number is written as a Python int.
 * Wrap a value in {@link PyFloat} to have it written (and emitted as YAML) as a Python float.
 */
import { DvxError } from "../errors.js";

/** A number that is a Python float even when it is integral (`1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

const SAFE_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Python `json.dumps(s)` (ensure_ascii=True): lowercase `\uXXXX`, astral chars as surrogate pairs. */
export function pyJsonString(s: string): string {
  if (SAFE_JSON_STRING.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else out += s[i];
      continue;
    }
    switch (c) {
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      default:
        out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  return out + '"';
}

/**
 * Python `repr(float)`: shortest round-trip digits; fixed notation when -4 <= exponent < 16
 * (always with a fractional part: `1.0`), otherwise `d.ddde+XX` with at least two exponent digits.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const exp = Math.abs(x).toExponential(); // shortest digits, e.g. "1.2345e-7"
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!m) throw new DvxError("USAGE", `cannot format float ${x}`);
  const digits = m[1]! + (m[2] ?? "");
  const e = Number(m[3]);
  if (e < -4 || e >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(e);
    return `${sign}${mant}e${e < 0 ? "-" : "+"}${ae < 10 ? "0" + ae : ae}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const intLen = e + 1;
  if (digits.length <= intLen) return `${sign}${digits}${"0".repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** `json.dumps` of a float: repr, but NaN/Infinity spelled as Python's json module does. */
function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyFloatRepr(x);
}

/** Compare two strings by Unicode code point (Python `str` order), not by UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  // If the shared prefix ends with a high surrogate, step back so that pairs compare whole.
  if (i > 0) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  return a.codePointAt(i)! - b.codePointAt(i)!;
}

/** Python `json.dumps(value, sort_keys=True)` for JSON-ish values. */
export function pyJsonDumps(value: unknown): string {
  const parts: string[] = [];
  dump(value, parts, 0);
  return parts.join("");
}

function dump(v: unknown, out: string[], depth: number): void {
  if (depth > 1000) throw new DvxError("USAGE", "pyJsonDumps: value nested too deeply");
  if (v === null) {
    out.push("null");
  } else if (v === true) {
    out.push("true");
  } else if (v === false) {
    out.push("false");
  } else if (typeof v === "string") {
    out.push(pyJsonString(v));
  } else if (typeof v === "bigint") {
    out.push(v.toString());
  } else if (typeof v === "number") {
    out.push(Number.isInteger(v) ? BigInt(v).toString() : pyJsonFloat(v));
  } else if (v instanceof PyFloat) {
    out.push(pyJsonFloat(v.value));
  } else if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push("[]");
      return;
    }
    out.push("[");
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(", ");
      dump(v[i], out, depth + 1);
    }
    out.push("]");
  } else if (typeof v === "object" && v !== undefined) {
    const entries = (v instanceof Map ? [...v.entries()] : Object.entries(v)).filter(([, x]) => x !== undefined);
    for (const [k] of entries) {
      if (typeof k !== "string") throw new DvxError("USAGE", "pyJsonDumps: mapping keys must be strings");
    }
    entries.sort((x, y) => compareCodePoints(x[0] as string, y[0] as string));
    if (entries.length === 0) {
      out.push("{}");
      return;
    }
    out.push("{");
    let first = true;
    for (const [k, x] of entries) {
      if (!first) out.push(", ");
      first = false;
      out.push(pyJsonString(k as string), ": ");
      dump(x, out, depth + 1);
    }
    out.push("}");
  } else {
    throw new DvxError("USAGE", `pyJsonDumps: unsupported value of type ${typeof v}`);
  }
}
