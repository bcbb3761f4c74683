/**
 * `.dvc` pointer files (spec 4): typed reading with validation, fresh dumps in DVC's key order,
 * and DVC's round-trip update of an existing file (spec 4.5).
 */
import { malformed } from "../errors.js";
import type { HashName } from "../odb/oid.js";
import { applyDiff } from "./applyDiff.js";
import { appendFlags, isPlainMapping, parseEntry, type HashedEntry, type OutEntry } from "./outEntry.js";
import { assertSafeRelPath } from "./safePath.js";
import { emitYaml } from "./yamlEmit.js";
import { parseYaml } from "./yamlRead.js";

export type { OutEntry } from "./outEntry.js";

export interface DvcFileData {
  outs: OutEntry[];
  deps: OutEntry[];
  /** The whole file as loaded (top-level keys in file order). */
  raw: Record<string, unknown>;
  /** `frozen: true` (or the old alias `locked: true`): imports. */
  frozen: boolean;
  /** Working directory of the stage, relative to the `.dvc` file's directory ("." omitted). */
  wdir?: string;
  /** Stage md5 (imports and 2.x run stages, spec 2.5). */
  md5?: string;
}

/** Top-level keys accepted on load (iterative/dvc `dvc/schema.py` SINGLE_STAGE_SCHEMA, spec 4.1). */
const TOP_LEVEL_KEYS = new Set(["md5", "wdir", "deps", "outs", "locked", "frozen", "meta", "always_changed", "desc", "cmd"]);

function listOf(data: Record<string, unknown>, key: string, file: string): unknown[] {
  const v = data[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(file, `'${key}' must be a list`);
  return v;
}

/** Parses and validates a `.dvc` file. Errors are MALFORMED_FILE / UNSAFE_PATH naming `file`. */
export function parseDvcFile(text: string, file: string): DvcFileData {
  const data = parseYaml(text, file);
  if (!isPlainMapping(data)) throw malformed(file, data === null ? "empty .dvc file" : "a .dvc file must be a mapping");
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw malformed(file, `unexpected key '${key.slice(0, 100)}' in .dvc file`);
  }
  const outs = listOf(data, "outs", file).map((o, i) => parseEntry(o, file, `outs[${i}]`, "strict"));
  const deps = listOf(data, "deps", file).map((d, i) => parseEntry(d, file, `deps[${i}]`, "relaxed"));
  const frozenRaw = data["frozen"] ?? data["locked"];
  if (frozenRaw !== undefined && frozenRaw !== null && typeof frozenRaw !== "boolean") throw malformed(file, "'frozen' must be true or false");
  const result: DvcFileData = { outs, deps, raw: data, frozen: frozenRaw === true };
  const wdir = data["wdir"];
  if (wdir !== undefined && wdir !== null) {
    if (typeof wdir !== "string") throw malformed(file, "'wdir' must be a string");
    if (wdir !== "." && wdir !== "") result.wdir = assertSafeRelPath(wdir.replace(/\/+$/, ""), file, { allowParent: true });
  }
  const md5 = data["md5"];
  if (md5 !== undefined && md5 !== null) {
    if (typeof md5 !== "string" && typeof md5 !== "number" && typeof md5 !== "bigint") throw malformed(file, "'md5' must be a string");
    result.md5 = String(md5).toLowerCase();
  }
  const alwaysChanged = data["always_changed"];
  if (alwaysChanged !== undefined && alwaysChanged !== null && typeof alwaysChanged !== "boolean") throw malformed(file, "'always_changed' must be true or false");
  return result;
}

/**
 * A fresh output entry as DVC 3.x dumps it: md5, size, nfiles?, isexec?, hash: md5 (3.x entries
 * only), path, then `extra` flags/annotations in spec 4.2 order (defaults such as `cache: true`
 * are left out, as DVC does).
 */
export function outToDict(
  o: { path: string; md5: string; size?: number; nfiles?: number; isexec?: boolean; hashName: HashName },
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out["md5"] = o.md5;
  if (o.size !== undefined) out["size"] = o.size;
  if (o.nfiles !== undefined) out["nfiles"] = o.nfiles;
  if (o.isexec) out["isexec"] = true;
  if (o.hashName === "md5") out["hash"] = "md5";
  out["path"] = o.path;
  appendFlags(out, extra);
  return out;
}

export type { HashedEntry };

/** Stage keys in DVC's dump order (`dvc/stage/utils.py` get_dump); falsy values are dropped. */
const STAGE_ORDER = ["desc", "md5", "cmd", "wdir", "frozen", "deps", "outs", "always_changed", "meta"];

function isFalsy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "" || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainMapping(v)) return Object.keys(v).length === 0;
  return false;
}

/** The stage dict DVC would dump: keys in get_dump order, `locked` as `frozen`, `wdir: .` and falsy values dropped. */
export function normalizeStage(stage: Record<string, unknown>): Record<string, unknown> {
  const src: Record<string, unknown> = { ...stage };
  if (src["frozen"] === undefined && src["locked"] !== undefined) src["frozen"] = src["locked"];
  if (src["wdir"] === ".") delete src["wdir"];
  const out: Record<string, unknown> = {};
  for (const key of STAGE_ORDER) {
    if (!isFalsy(src[key])) out[key] = src[key];
  }
  return out;
}

/**
 * Serializes a whole single-stage file (keys of spec 4.1). With `previousText`, DVC's round-trip:
 * the previous file is parsed, the new stage applied with apply_diff (existing keys keep their
 * place, unchanged entries keep their exact bytes, new keys are appended) and dumped again.
 *
 * Comments of the previous file are lost (the `yaml` Document API could keep them: apply the
 * diff to the Document's nodes instead of plain data; applyDiff is written so that only this
 * function would change).
 */
export function serializeDvcStage(stage: Record<string, unknown>, previousText?: string, file = ".dvc file"): string {
  const state = normalizeStage(stage);
  if (previousText === undefined) return emitYaml(state);
  const previous = parseYaml(previousText, file, { keepFloats: true });
  if (!isPlainMapping(previous)) return emitYaml(state);
  return emitYaml(applyDiff(state, previous));
}

/**
 * Serializes a `.dvc` file whose outputs are `outs` (dicts as made by {@link outToDict}). Fresh:
 * `outs:` only. With `previousText`: every other key of the previous file (md5, frozen, deps,
 * desc, meta, ...) is kept and the outputs are applied as DVC does (spec 4.5), so an unchanged
 * legacy entry keeps its bytes and a changed one gets `hash: md5` appended.
 */
export function serializeDvcFile(outs: Record<string, unknown>[], previousText?: string, file = ".dvc file"): string {
  if (previousText === undefined) return serializeDvcStage({ outs });
  const previous = parseYaml(previousText, file, { keepFloats: true });
  const base = isPlainMapping(previous) ? previous : {};
  return serializeDvcStage({ ...base, outs }, previousText, file);
}
