/**
 * One output/dependency entry of a `.dvc` file or `dvc.lock` stage (spec 4.2, 5.2): validation
 * on read and the key orders DVC writes.
 */
import { malformed } from "../errors.js";
import { assertOid, type HashName } from "../odb/oid.js";
import { PyFloat } from "./pyjson.js";
import { assertSafeRelPath, stripDotSlash } from "./safePath.js";

export interface OutEntry {
  /** The path as written (a leading `./` removed), relative to the file's directory or `wdir`. */
  path: string;
  /** Lowercased oid (`<md5>` or `<md5>.dir`); absent for unhashed entries and repo imports. */
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** "md5" if the entry has `hash: md5`, else "md5-dos2unix" (legacy 2.x entry). */
  hashName: HashName;
  cache: boolean;
  push: boolean;
  remote?: string;
  /**
   * The path is a URL (`s3://…`, `remote://…`) or absolute: an external dependency or a (2.x)
   * external output. Its path was not checked with assertSafeRelPath and must never be joined
   * to the workspace.
   */
  external?: boolean;
  /** The entry as loaded (all keys, in file order), for round-trips. */
  raw: Record<string, unknown>;
}

export type PathCheck = "strict" | "relaxed";

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//;

export function isExternalPath(p: string): boolean {
  return URL_RE.test(p) || p.startsWith("/");
}

export function isPlainMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Map);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (isPlainMapping(v)) return "a mapping";
  return typeof v === "string" ? `'${v.slice(0, 80)}'` : String(v);
}

function nonNegativeInt(v: unknown, file: string, where: string, key: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  throw malformed(file, `${where}: '${key}' must be a non-negative integer, got ${describe(v)}`);
}

function optionalBool(v: unknown, file: string, where: string, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  throw malformed(file, `${where}: '${key}' must be true or false, got ${describe(v)}`);
}

/**
 * `md5` as DVC loads it (spec 2.1): null/'' mean absent, an int is coerced to its digits, the
 * value is lowercased; then it must be a valid oid.
 */
export function parseMd5(v: unknown, file: string, where: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  let s: string;
  if (typeof v === "string") s = v.toLowerCase();
  else if (typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v))) s = v.toString();
  else throw malformed(file, `${where}: 'md5' must be a string, got ${describe(v)}`);
  return assertOid(s, `${file}: ${where}`);
}

/**
 * Validates one `outs`/`deps` entry. `check` decides how a non-external path is checked:
 * "strict" = assertSafeRelPath (.dvc outputs), "relaxed" = leading `..` allowed (dvc.lock paths
 * and deps are relative to a stage's wdir; the caller must resolve them inside the repo).
 */
export function parseEntry(raw: unknown, file: string, where: string, check: PathCheck): OutEntry {
  if (!isPlainMapping(raw)) throw malformed(file, `${where} must be a mapping, got ${describe(raw)}`);
  const rawPath = raw["path"];
  if (typeof rawPath !== "string") throw malformed(file, `${where} has no string 'path'`);
  const path = stripDotSlash(rawPath);
  const here = `${where} ('${path.slice(0, 200)}')`;
  const external = isExternalPath(path);
  if (!external) assertSafeRelPath(path, file, { allowParent: check === "relaxed" });
  else if (path.includes("\0")) assertSafeRelPath(path, file);
  const hash = raw["hash"];
  let hashName: HashName;
  if (hash === undefined || hash === null) hashName = "md5-dos2unix";
  else if (hash === "md5" || hash === "md5-dos2unix") hashName = hash;
  else throw malformed(file, `${here}: unsupported 'hash: ${String(hash).slice(0, 40)}' (expected md5)`);
  const entry: OutEntry = {
    path,
    hashName,
    cache: optionalBool(raw["cache"], file, here, "cache") ?? true,
    push: optionalBool(raw["push"], file, here, "push") ?? true,
    raw,
  };
  const md5 = parseMd5(raw["md5"], file, here);
  if (md5 !== undefined) entry.md5 = md5;
  const size = nonNegativeInt(raw["size"], file, here, "size");
  if (size !== undefined) entry.size = size;
  const nfiles = nonNegativeInt(raw["nfiles"], file, here, "nfiles");
  if (nfiles !== undefined) entry.nfiles = nfiles;
  const isexec = optionalBool(raw["isexec"], file, here, "isexec");
  if (isexec !== undefined) entry.isexec = isexec;
  const remote = raw["remote"];
  if (remote !== undefined && remote !== null) {
    if (typeof remote !== "string") throw malformed(file, `${here}: 'remote' must be a string`);
    entry.remote = remote;
  }
  if (external) entry.external = true;
  const files = raw["files"];
  if (files !== undefined && files !== null) {
    // Cloud-versioned outputs (spec 4.6): validate the listing so that raw is safe to use.
    if (!Array.isArray(files)) throw malformed(file, `${here}: 'files' must be a list`);
    files.forEach((f, i) => {
      if (!isPlainMapping(f) || typeof f["relpath"] !== "string") throw malformed(file, `${here}: files[${i}] has no string 'relpath'`);
      assertSafeRelPath(f["relpath"], file);
      parseMd5(f["md5"], file, `${here} files[${i}]`);
    });
  }
  return entry;
}

export interface HashedEntry {
  path: string;
  md5: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  hashName: HashName;
}

/** Output flags and annotations in the order DVC dumps them after `path` (spec 4.2). */
const FLAG_ORDER = ["desc", "type", "labels", "meta", "cache", "metric", "plot", "persist", "remote", "push"];

/** Drops flags at their default value (DVC only writes non-default ones). */
function isDefaultFlag(key: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (key === "cache" || key === "push") return value === true;
  if (key === "persist" || key === "metric" || key === "plot") return value === false;
  return false;
}

/** Appends `extra` flags in spec 4.2 order (unknown keys last, in their order). */
export function appendFlags(out: Record<string, unknown>, extra: Record<string, unknown> | undefined): void {
  if (!extra) return;
  for (const key of FLAG_ORDER) {
    if (key in extra && !isDefaultFlag(key, extra[key])) out[key] = extra[key];
  }
  for (const [key, value] of Object.entries(extra)) {
    if (FLAG_ORDER.includes(key) || key in out || value === undefined) continue;
    out[key] = value;
  }
}
