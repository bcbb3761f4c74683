/**
 * `dvc.lock` (schema 2.0, spec 5.2): typed reading with validation, DVC's entry key order, and
 * DVC's update of an existing lock file (`Lockfile.dump_stages`: the file is re-read, every
 * updated stage replaces its old entry in place, new stages are appended, other stages and keys
 * are kept as they were).
 */
import { malformed } from "../errors.js";
import type { HashName } from "../odb/oid.js";
import { isPlainMapping, parseEntry, type OutEntry } from "./outEntry.js";
import { compareCodePoints } from "./pyjson.js";
import { emitYaml } from "./yamlEmit.js";
import { parseYaml } from "./yamlRead.js";

export interface LockEntry {
  /** As written in the lock (the def_path from dvc.yaml, relative to the stage's wdir). */
  path: string;
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  hashName: HashName;
  /** URL or absolute path (never joined to the workspace). */
  external?: boolean;
  raw: Record<string, unknown>;
}

export interface LockStage {
  cmd: unknown;
  deps: LockEntry[];
  outs: LockEntry[];
  /** `{file: {key: value}}` as recorded, if any. */
  params?: Record<string, unknown>;
}

export interface DvcLockData {
  schema: "2.0";
  stages: Map<string, LockStage>;
  raw: Record<string, unknown>;
}

const TOP_LEVEL_KEYS = new Set(["schema", "stages", "datasets"]);

function toLockEntry(e: OutEntry): LockEntry {
  const out: LockEntry = { path: e.path, hashName: e.hashName, raw: e.raw };
  if (e.md5 !== undefined) out.md5 = e.md5;
  if (e.size !== undefined) out.size = e.size;
  if (e.nfiles !== undefined) out.nfiles = e.nfiles;
  if (e.isexec !== undefined) out.isexec = e.isexec;
  if (e.external) out.external = true;
  return out;
}

function entries(v: unknown, file: string, where: string): LockEntry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(file, `${where} must be a list`);
  return v.map((e, i) => toLockEntry(parseEntry(e, file, `${where}[${i}]`, "relaxed")));
}

/** Parses and validates dvc.lock. Requires `schema: '2.0'` (the string). */
export function parseDvcLock(text: string, file: string): DvcLockData {
  const data = parseYaml(text, file);
  if (!isPlainMapping(data)) throw malformed(file, data === null ? "empty lock file" : "dvc.lock must be a mapping");
  const schema = data["schema"];
  if (schema !== "2.0") {
    throw malformed(file, schema === undefined ? "missing 'schema: '2.0'' (lock files of DVC < 2 are not supported)" : `invalid schema version ${JSON.stringify(typeof schema === "bigint" ? String(schema) : schema)} (expected the string '2.0')`);
  }
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw malformed(file, `unexpected key '${key.slice(0, 100)}' in dvc.lock`);
  }
  const stages = new Map<string, LockStage>();
  const rawStages = data["stages"];
  if (rawStages !== undefined && rawStages !== null) {
    if (!isPlainMapping(rawStages)) throw malformed(file, "'stages' must be a mapping");
    for (const [name, st] of Object.entries(rawStages)) {
      const where = `stages.${name}`;
      if (!isPlainMapping(st)) throw malformed(file, `${where} must be a mapping`);
      if (!("cmd" in st)) throw malformed(file, `${where} has no 'cmd'`);
      const stage: LockStage = { cmd: st["cmd"], deps: entries(st["deps"], file, `${where}.deps`), outs: entries(st["outs"], file, `${where}.outs`) };
      const params = st["params"];
      if (params !== undefined && params !== null) {
        if (!isPlainMapping(params)) throw malformed(file, `${where}.params must be a mapping`);
        stage.params = params;
      }
      stages.set(name, stage);
    }
  }
  return { schema: "2.0", stages, raw: data };
}

/**
 * One dep/out entry as DVC 3.x writes it into dvc.lock: path, hash: md5 (3.x entries only), md5,
 * size, nfiles?, isexec?.
 */
export function lockOutToDict(o: {
  path: string;
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  hashName: HashName;
}): Record<string, unknown> {
  const out: Record<string, unknown> = { path: o.path };
  if (o.hashName === "md5") out["hash"] = "md5";
  if (o.md5 !== undefined) out["md5"] = o.md5;
  if (o.size !== undefined) out["size"] = o.size;
  if (o.nfiles !== undefined) out["nfiles"] = o.nfiles;
  if (o.isexec) out["isexec"] = true;
  return out;
}

function byPath(a: unknown, b: unknown): number {
  const pa = isPlainMapping(a) && typeof a["path"] === "string" ? a["path"] : "";
  const pb = isPlainMapping(b) && typeof b["path"] === "string" ? b["path"] : "";
  return compareCodePoints(pa, pb);
}

/**
 * A stage entry as `to_single_stage_lockfile` builds it: cmd, deps (sorted by path), params
 * (`params.yaml` first, then other files in order; keys sorted), outs (sorted by path); empty
 * lists/mappings omitted.
 */
export function lockStageToDict(stage: {
  cmd: unknown;
  deps?: Record<string, unknown>[];
  params?: Record<string, Record<string, unknown>>;
  outs?: Record<string, unknown>[];
}): Record<string, unknown> {
  const out: Record<string, unknown> = { cmd: stage.cmd };
  if (stage.deps && stage.deps.length) out["deps"] = stage.deps.slice().sort(byPath);
  if (stage.params && Object.keys(stage.params).length) {
    const files = Object.keys(stage.params).sort((a, b) => (a === "params.yaml" ? -1 : b === "params.yaml" ? 1 : compareCodePoints(a, b)));
    const params: Record<string, unknown> = {};
    for (const f of files) {
      const values = stage.params[f]!;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(values).sort(compareCodePoints)) sorted[k] = values[k];
      params[f] = sorted;
    }
    out["params"] = params;
  }
  if (stage.outs && stage.outs.length) out["outs"] = stage.outs.slice().sort(byPath);
  return out;
}

/** Stage keys in lock order; empty values dropped. */
function normalizeStage(stage: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["cmd", "deps", "params", "outs"]) {
    const v = stage[key];
    if (v === undefined || v === null) continue;
    if (key !== "cmd" && ((Array.isArray(v) && v.length === 0) || (isPlainMapping(v) && Object.keys(v).length === 0))) continue;
    out[key] = v;
  }
  for (const [k, v] of Object.entries(stage)) if (!(k in out) && v !== undefined && !["cmd", "deps", "params", "outs"].includes(k)) out[k] = v;
  return out;
}

/**
 * Serializes dvc.lock. `data.stages` holds the stages to write (dicts as made by
 * {@link lockStageToDict}). Fresh: `schema: '2.0'` then `stages:`. With `previousText`: DVC's
 * update: the previous file is kept, each given stage replaces its old entry where it was (or is
 * appended), stages not given are left untouched. Comments are lost (see serializeDvcStage).
 */
export function serializeDvcLock(
  data: { stages: Map<string, Record<string, unknown>> | Record<string, Record<string, unknown>> },
  previousText?: string,
  file = "dvc.lock",
): string {
  const given = data.stages instanceof Map ? [...data.stages.entries()] : Object.entries(data.stages);
  let doc: Record<string, unknown> = {};
  if (previousText !== undefined) {
    const previous = parseYaml(previousText, file, { keepFloats: true });
    if (isPlainMapping(previous)) doc = { ...previous };
  }
  if (Object.keys(doc).length === 0) doc = { schema: "2.0" };
  const stages: Record<string, unknown> = isPlainMapping(doc["stages"]) ? { ...doc["stages"] } : {};
  for (const [name, stage] of given) {
    if (name === "__proto__") Object.defineProperty(stages, name, { value: normalizeStage(stage), enumerable: true, writable: true, configurable: true });
    else stages[name] = normalizeStage(stage);
  }
  doc["stages"] = stages;
  return emitYaml(doc);
}
