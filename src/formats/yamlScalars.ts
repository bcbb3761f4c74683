/**
 * How DVC's loader (ruamel.yaml `typ="safe"`, YAML 1.2 resolver) resolves a plain scalar, shared by
 * the full reader (yamlRead.ts) and its fast path for DVC's own block layout (yamlFast.ts), so the
 * two can never disagree on what `1_000`, `yes` or `~` mean.
 */
import { PyFloat } from "./pyjson.js";

// ruamel.yaml resolver.py, YAML 1.2 (the verbose-mode whitespace removed).
// ruamel dispatches on the first character ('_1' is a string): hence the lookaheads.
export const INT_RE = /^(?=[-+0-9])(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/;
export const FLOAT_RE =
  /^(?=[-+0-9.])(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
export const BOOL_RE = /^(?:true|True|TRUE|false|False|FALSE)$/;
export const NULL_RE = /^(?:~|null|Null|NULL)?$/;

/** ruamel SafeConstructor.construct_yaml_int (1.2): underscores dropped, 0b/0x/0o prefixes. */
export function constructInt(src: string): number | bigint {
  let s = src.replace(/_/g, "");
  let neg = false;
  if (s[0] === "-") neg = true;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let v: bigint;
  if (s === "0") v = 0n;
  else if (s.startsWith("0b")) v = parseBigInt(s.slice(2), 2);
  else if (s.startsWith("0x")) v = parseBigInt(s.slice(2), 16);
  else if (s.startsWith("0o")) v = parseBigInt(s.slice(2), 8);
  else v = parseBigInt(s, 10);
  if (neg) v = -v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseBigInt(digits: string, radix: number): bigint {
  if (digits === "") throw new Error("invalid int");
  const prefix = radix === 2 ? "0b" : radix === 8 ? "0o" : radix === 16 ? "0x" : "";
  return BigInt(prefix + digits);
}

/** ruamel SafeConstructor.construct_yaml_float (1.2). */
export function constructFloat(src: string): number {
  let s = src.replace(/_/g, "").toLowerCase();
  let sign = 1;
  if (s[0] === "-") sign = -1;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  if (s === ".inf") return sign * Infinity;
  if (s === ".nan") return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error("invalid float");
  return sign * v;
}

/**
 * The value of a plain (unquoted) scalar: null, bool, int (number, or bigint beyond 2^53), float,
 * else the string itself (timestamps included, see yamlRead.ts).
 */
export function resolvePlain(src: string, keepFloats: boolean): unknown {
  if (NULL_RE.test(src)) return null;
  if (BOOL_RE.test(src)) return src[0] === "t" || src[0] === "T";
  if (INT_RE.test(src)) return constructInt(src);
  if (FLOAT_RE.test(src)) {
    const v = constructFloat(src);
    return keepFloats && Number.isInteger(v) ? new PyFloat(v) : v;
  }
  return src;
}

/** `obj[key] = value`, except that a `__proto__` key becomes an own property, as JSON.parse does. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
