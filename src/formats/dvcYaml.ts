/**
 * `dvc.yaml` (spec 5.1), read only as far as data management needs: for every stage (after
 * templating) its `wdir`, its outputs (`outs`, `metrics`, `plots`) with their flags, and its deps.
 *
 * Templating as in `dvc/parsing` (DVC 3.x): `foreach`/`do` over a list or dict (names
 * `stage@key`), `matrix` (names `stage@v1-v2`), and `${...}` references to `item`, `key`,
 * dotted/indexed paths (`item.x`, `item[0]`, `var.sub`), top-level and stage `vars` (dicts, or
 * files through `opts.readVars`), and the implicit `params.yaml`. A reference that cannot be
 * resolved raises MALFORMED_FILE naming the file and stage. Only `wdir`, `outs`, `metrics`,
 * `plots` and `deps` are resolved: `cmd` and `params` are not needed here.
 */
import { malformed } from "../errors.js";
import { isExternalPath, isPlainMapping } from "./outEntry.js";
import { pyFloatRepr, PyFloat } from "./pyjson.js";
import { assertSafeRelPath, stripDotSlash } from "./safePath.js";
import { parseYaml } from "./yamlRead.js";

export interface DvcYamlOut {
  /** As written (templating resolved, `./` removed), relative to the stage's wdir. */
  path: string;
  cache: boolean;
  push: boolean;
  remote?: string;
  persist: boolean;
  /** Which list the output came from. */
  kind: "outs" | "metrics" | "plots";
}

export interface DvcYamlStage {
  /** Relative to the directory of dvc.yaml, posix; "." when not set. */
  wdir: string;
  outs: DvcYamlOut[];
  deps: string[];
}

export interface DvcYamlData {
  stages: Map<string, DvcYamlStage>;
}

export interface ParseDvcYamlOptions {
  /**
   * Loads a vars file (a path relative to the directory of dvc.yaml, posix) and returns its
   * parsed content, or undefined if it does not exist. Without it only inline `vars` dicts work
   * and `params.yaml` is not consulted.
   */
  readVars?: (relPath: string) => unknown;
}

const TOP_LEVEL_KEYS = new Set(["stages", "vars", "params", "metrics", "plots", "artifacts", "datasets"]);
const STAGE_KEYS = new Set([
  "cmd", "wdir", "deps", "params", "outs", "metrics", "plots", "frozen", "always_changed", "meta", "desc", "vars",
]);

type Ctx = Record<string, unknown>;

class Resolver {
  constructor(
    private readonly file: string,
    private readonly readVars: ParseDvcYamlOptions["readVars"],
  ) {}

  fail(where: string, problem: string): never {
    throw malformed(this.file, `${where}: ${problem}`);
  }

  /** Context.select: `a.b`, `a[0]`, `a.0`. */
  select(ctx: Ctx, expr: string, where: string): unknown {
    const inner = expr.trim();
    if (!/^[^.[\]]+(?:\.[^.[\]]+|\[[^.[\]]+\])*$/.test(inner)) this.fail(where, `cannot parse '\${${expr}}'`);
    const parts = inner.replace(/\[/g, ".").replace(/\]/g, "").split(".");
    let cur: unknown = ctx;
    for (const part of parts) {
      if (Array.isArray(cur) && /^\d+$/.test(part) && Number(part) < cur.length) cur = cur[Number(part)];
      else if (isPlainMapping(cur) && Object.prototype.hasOwnProperty.call(cur, part)) cur = cur[part];
      else this.fail(where, `could not find '${inner}' (no '${part}')`);
    }
    return cur;
  }

  toStr(v: unknown, where: string): string {
    if (typeof v === "string") return v;
    if (typeof v === "boolean") return v ? "true" : "false";
    if (v === null || v === undefined) return "None";
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
    if (v instanceof PyFloat) return pyFloatRepr(v.value);
    return this.fail(where, `cannot interpolate data of type '${Array.isArray(v) ? "list" : "dict"}'`);
  }

  /** Resolves `${...}` in strings, recursively in lists and mappings (keys too). */
  resolve(ctx: Ctx, value: unknown, where: string): unknown {
    if (typeof value === "string") return this.resolveStr(ctx, value, where);
    if (Array.isArray(value)) return value.map((v) => this.resolve(ctx, v, where));
    if (isPlainMapping(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const key = this.toStr(this.resolveStr(ctx, k, where), where);
        setKey(out, key, this.resolve(ctx, v, where));
      }
      return out;
    }
    return value;
  }

  resolveStr(ctx: Ctx, s: string, where: string): unknown {
    const re = /(?<!\\)\$\{(.*?)\}/g;
    const matches = [...s.matchAll(re)];
    if (matches.length === 0) return s.replace(/\\\$\{/g, "${");
    if (matches.length === 1 && matches[0]![0] === s) return this.select(ctx, matches[0]![1]!, where);
    let out = "";
    let index = 0;
    for (const m of matches) {
      out += s.slice(index, m.index) + this.toStr(this.select(ctx, m[1]!, where), where);
      index = m.index! + m[0].length;
    }
    out += s.slice(index);
    return out.replace(/\\\$\{/g, "${");
  }

  loadVars(ctx: Ctx, vars: unknown, baseDir: string, where: string, loaded: Set<string>): void {
    if (vars === undefined || vars === null) return;
    if (!Array.isArray(vars)) this.fail(where, "'vars' must be a list");
    for (const item of vars) {
      if (isPlainMapping(item)) {
        merge(ctx, item);
      } else if (typeof item === "string") {
        const [pathPart, keysPart] = splitOnce(item, ":");
        const keys = (keysPart ?? "").split(",").filter((k) => k !== "");
        const rel = joinPosix(baseDir, pathPart);
        if (keys.length === 0 && loaded.has(rel)) continue;
        if (!this.readVars) this.fail(where, `cannot load vars file '${pathPart}' (no reader given)`);
        const data = this.readVars(rel);
        if (data === undefined) this.fail(where, `vars file '${pathPart}' does not exist`);
        if (!isPlainMapping(data)) this.fail(where, `vars file '${pathPart}' is not a mapping`);
        if (keys.length === 0) {
          merge(ctx, data);
          loaded.add(rel);
        } else {
          for (const k of keys) {
            const v = this.select(data, k, where);
            setPath(ctx, k, v);
          }
        }
      } else {
        this.fail(where, "'vars' entries must be file names or mappings");
      }
    }
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function joinPosix(base: string, rel: string): string {
  const parts: string[] = [];
  for (const seg of `${base}/${rel}`.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && parts.length && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/") || ".";
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function merge(into: Ctx, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = Object.prototype.hasOwnProperty.call(into, k) ? into[k] : undefined;
    if (isPlainMapping(cur) && isPlainMapping(v)) {
      const copy: Ctx = { ...cur };
      merge(copy, v);
      setKey(into, k, copy);
    } else {
      setKey(into, k, v);
    }
  }
}

function setPath(ctx: Ctx, dotted: string, value: unknown): void {
  const parts = dotted.split(".");
  let cur: Ctx = ctx;
  for (const p of parts.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
    const obj: Ctx = isPlainMapping(next) ? { ...next } : {};
    setKey(cur, p, obj);
    cur = obj;
  }
  setKey(cur, parts[parts.length - 1]!, value);
}

/** DVC's to_str for foreach/matrix keys. */
function keyStr(v: unknown): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null || v === undefined) return "None";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  return String(v);
}

function isMapOrSeq(v: unknown): boolean {
  return Array.isArray(v) || isPlainMapping(v);
}

function boolFlag(v: unknown, file: string, where: string, key: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") throw malformed(file, `${where}: '${key}' must be true or false`);
  return v;
}

function checkPath(p: unknown, file: string, where: string): string {
  if (typeof p !== "string" || p === "") throw malformed(file, `${where}: output and dependency paths must be non-empty strings`);
  const path = stripDotSlash(p);
  if (!isExternalPath(path)) assertSafeRelPath(path.replace(/\/+$/, ""), file, { allowParent: true });
  return path;
}

function parseOuts(list: unknown, kind: DvcYamlOut["kind"], file: string, where: string): DvcYamlOut[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw malformed(file, `${where}: '${kind}' must be a list`);
  const out: DvcYamlOut[] = [];
  for (const item of list) {
    if (typeof item === "string") {
      out.push({ path: checkPath(item, file, where), cache: true, push: true, persist: false, kind });
      continue;
    }
    if (!isPlainMapping(item) || Object.keys(item).length !== 1) {
      throw malformed(file, `${where}: each '${kind}' entry must be a path or a single-key mapping {path: {flags}}`);
    }
    const [rawPath, flagsRaw] = Object.entries(item)[0]!;
    const path = checkPath(rawPath, file, where);
    const here = `${where} '${path.slice(0, 200)}'`;
    // plots may carry a list of property sets; flags are taken from the mapping form only
    const flags = isPlainMapping(flagsRaw) ? flagsRaw : {};
    if (flagsRaw !== null && flagsRaw !== undefined && !isPlainMapping(flagsRaw) && !(kind === "plots" && Array.isArray(flagsRaw))) {
      throw malformed(file, `${here}: flags must be a mapping`);
    }
    const o: DvcYamlOut = {
      path,
      cache: boolFlag(flags["cache"], file, here, "cache", true),
      push: boolFlag(flags["push"], file, here, "push", true),
      persist: boolFlag(flags["persist"], file, here, "persist", false),
      kind,
    };
    const remote = flags["remote"];
    if (remote !== undefined && remote !== null) {
      if (typeof remote !== "string") throw malformed(file, `${here}: 'remote' must be a string`);
      o.remote = remote;
    }
    out.push(o);
  }
  return out;
}

/** Parses dvc.yaml and expands templated stages. */
export function parseDvcYaml(text: string, file: string, opts: ParseDvcYamlOptions = {}): DvcYamlData {
  const data = parseYaml(text, file);
  const stages = new Map<string, DvcYamlStage>();
  if (data === null) return { stages };
  if (!isPlainMapping(data)) throw malformed(file, "dvc.yaml must be a mapping");
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw malformed(file, `unexpected key '${key.slice(0, 100)}' in dvc.yaml`);
  }
  const r = new Resolver(file, opts.readVars);
  const globalCtx: Ctx = {};
  const loaded = new Set<string>();
  if (opts.readVars) {
    const params = opts.readVars("params.yaml");
    if (params !== undefined) {
      if (isPlainMapping(params)) merge(globalCtx, params);
      loaded.add("params.yaml");
    }
  }
  r.loadVars(globalCtx, data["vars"], ".", "vars", loaded);
  const defs = data["stages"];
  if (defs === undefined || defs === null) return { stages };
  if (!isPlainMapping(defs)) throw malformed(file, "'stages' must be a mapping");

  const add = (name: string, def: unknown, ctx: Ctx) => {
    if (stages.has(name)) throw malformed(file, `duplicate stage name '${name}'`);
    stages.set(name, resolveStage(r, name, def, ctx, file, loaded));
  };

  for (const [name, def] of Object.entries(defs)) {
    const where = `stage '${name}'`;
    if (!isPlainMapping(def)) throw malformed(file, `${where}: definition must be a mapping`);
    if ("foreach" in def) {
      if (!("do" in def)) throw malformed(file, `${where}: 'foreach' without 'do'`);
      if ("matrix" in def) throw malformed(file, `${where}: 'foreach' and 'matrix' cannot be combined`);
      const iterable = r.resolve(globalCtx, def["foreach"], `${where} foreach`);
      let entries: [string, unknown, boolean][];
      if (isPlainMapping(iterable)) {
        entries = Object.entries(iterable).map(([k, v]) => [k, v, true]);
      } else if (Array.isArray(iterable)) {
        const composite = iterable.some(isMapOrSeq);
        entries = iterable.map((v, i) => [composite ? String(i) : keyStr(v), v, false]);
      } else {
        throw malformed(file, `${where}: 'foreach' must resolve to a list or a mapping`);
      }
      for (const [key, item, withKey] of entries) {
        const ctx: Ctx = { ...globalCtx, item };
        if (withKey) ctx["key"] = key;
        else delete ctx["key"];
        add(`${name}@${key}`, def["do"], ctx);
      }
    } else if ("matrix" in def) {
      if ("do" in def) throw malformed(file, `${where}: 'matrix' cannot be combined with 'do'`);
      const matrix = r.resolve(globalCtx, def["matrix"], `${where} matrix`);
      if (!isPlainMapping(matrix)) throw malformed(file, `${where}: 'matrix' must be a mapping of lists`);
      const dims = Object.entries(matrix).map(([k, v]) => {
        const vals = typeof v === "string" ? r.resolveStr(globalCtx, v, `${where} matrix`) : v;
        if (!Array.isArray(vals)) throw malformed(file, `${where}: matrix '${k}' must be a list`);
        return [k, vals] as const;
      });
      let combos: { d: Record<string, unknown>; frags: string[] }[] = [{ d: {}, frags: [] }];
      for (const [k, vals] of dims) {
        const next: typeof combos = [];
        for (const c of combos) {
          vals.forEach((v, i) => {
            const d = { ...c.d };
            setKey(d, k, v);
            next.push({ d, frags: [...c.frags, isMapOrSeq(v) ? `${k}${i}` : keyStr(v)] });
          });
        }
        combos = next;
        if (combos.length > 100_000) throw malformed(file, `${where}: matrix too large`);
      }
      const template: Record<string, unknown> = { ...def };
      delete template["matrix"];
      for (const c of combos) {
        const key = c.frags.join("-");
        add(`${name}@${key}`, template, { ...globalCtx, key, item: c.d });
      }
    } else {
      add(name, def, globalCtx);
    }
  }
  return { stages };
}

function resolveStage(r: Resolver, name: string, def: unknown, baseCtx: Ctx, file: string, loaded: Set<string>): DvcYamlStage {
  const where = `stage '${name}'`;
  if (!isPlainMapping(def)) throw malformed(file, `${where}: definition must be a mapping`);
  for (const key of Object.keys(def)) {
    if (!STAGE_KEYS.has(key)) throw malformed(file, `${where}: unexpected key '${key.slice(0, 100)}'`);
  }
  let ctx = baseCtx;
  let wdir = ".";
  if (def["wdir"] !== undefined && def["wdir"] !== null && def["wdir"] !== "") {
    wdir = r.toStr(r.resolve(ctx, def["wdir"], `${where} wdir`), `${where} wdir`);
    wdir = stripDotSlash(wdir).replace(/\/+$/, "") || ".";
    if (wdir !== ".") assertSafeRelPath(wdir, file, { allowParent: true });
  }
  if (def["vars"] !== undefined) {
    ctx = { ...baseCtx };
    r.loadVars(ctx, def["vars"], wdir, `${where} vars`, new Set(loaded));
  }
  const outs = [
    ...parseOuts(r.resolve(ctx, def["outs"], `${where} outs`), "outs", file, where),
    ...parseOuts(r.resolve(ctx, def["metrics"], `${where} metrics`), "metrics", file, where),
    ...parseOuts(r.resolve(ctx, def["plots"], `${where} plots`), "plots", file, where),
  ];
  const depsRaw = r.resolve(ctx, def["deps"], `${where} deps`);
  let deps: string[] = [];
  if (depsRaw !== undefined && depsRaw !== null) {
    if (!Array.isArray(depsRaw)) throw malformed(file, `${where}: 'deps' must be a list`);
    deps = depsRaw.map((d) => checkPath(d, file, where));
  }
  return { wdir, outs, deps };
}
