/**
 * DVC's `dvc/utils/collections.py` `apply_diff` (spec 4.5): how DVC re-saves a `.dvc` file or
 * `dvc.lock` that already exists. Existing keys keep their position, changed values are replaced
 * in place, new keys are appended, keys missing from `src` are deleted; containers of the same
 * kind recurse; a list whose length changed is replaced wholesale; values that Python considers
 * equal (`1 == 1.0 == True`) keep dest's value.
 *
 * Unlike the Python original this does not mutate `dest`: it returns a fresh structure (sharing
 * unchanged leaves) whose key order is dest's order followed by the appended keys.
 */
import { DvxError } from "../errors.js";
import { PyFloat } from "./pyjson.js";

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Map);
}

function isNumberLike(v: unknown): v is number | bigint | boolean | PyFloat {
  return typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v instanceof PyFloat;
}

function toNumeric(v: number | bigint | boolean | PyFloat): number | bigint {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return v;
}

/** Python `==` for plain data (`1 == 1.0 == True`, dict equality ignores key order). */
export function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumberLike(a) && isNumberLike(b)) {
    const x = toNumeric(a);
    const y = toNumeric(b);
    // eslint-disable-next-line eqeqeq
    return typeof x === typeof y ? x === y : x == y;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
    return true;
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k) || !pyEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

function sameContainerType(a: unknown, b: unknown): boolean {
  return (isMapping(a) && isMapping(b)) || (Array.isArray(a) && Array.isArray(b));
}

function setKey(obj: Mapping, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function has(obj: Mapping, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

function mergeValue(value: unknown, old: unknown): unknown {
  if ((isMapping(value) || Array.isArray(value)) && sameContainerType(value, old)) return applyDiff(value, old);
  return pyEqual(value, old) ? old : value;
}

/** Returns `dest` updated with `src` (both mappings or both lists). */
export function applyDiff(src: unknown, dest: unknown): unknown {
  if (isMapping(src) && isMapping(dest)) {
    const out: Mapping = {};
    for (const key of Object.keys(dest)) {
      if (!has(src, key)) continue; // deleted
      setKey(out, key, has(dest, key) ? mergeValue(src[key], dest[key]) : src[key]);
    }
    for (const key of Object.keys(src)) {
      if (src[key] === undefined || has(dest, key)) continue;
      setKey(out, key, src[key]);
    }
    return out;
  }
  if (Array.isArray(src) && Array.isArray(dest)) {
    if (src.length !== dest.length) return src.slice();
    return src.map((value, i) => mergeValue(value, dest[i]));
  }
  throw new DvxError("USAGE", `applyDiff: cannot apply a ${kind(src)} to a ${kind(dest)}`);
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return "list";
  if (isMapping(v)) return "mapping";
  return v === null ? "null" : typeof v;
}
