/**
 * Stage md5 (spec 2.5): the `md5:` at the top of import `.dvc` files.
 * md5(json.dumps(filtered stage dict, sort_keys=True)).
 */
import { createHash } from "node:crypto";
import { PyFloat, pyJsonDumps } from "./pyjson.js";

const TOP_LEVEL_EXCLUDED = new Set(["md5", "meta", "desc"]);
const EXCLUDED_AT_ANY_DEPTH = new Set([
  "desc",
  "type",
  "labels",
  "meta",
  "locked",
  "frozen",
  "metric",
  "persist",
  "isexec",
  "size",
  "nfiles",
]);

function filterDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(filterDeep);
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (EXCLUDED_AT_ANY_DEPTH.has(k)) continue;
      out[k] = filterDeep(x);
    }
    return out;
  }
  return v;
}

/** The canonical JSON that the stage md5 is computed over (exposed for tests and debugging). */
export function stageMd5Json(stage: Record<string, unknown>): string {
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stage)) {
    if (TOP_LEVEL_EXCLUDED.has(k)) continue;
    if (k === "wdir" && v === ".") continue;
    top[k] = v;
  }
  return pyJsonDumps(filterDeep(top));
}

/** md5 hex of the stage dict exactly as it is (or would be) dumped into the `.dvc` file. */
export function stageMd5(stage: Record<string, unknown>): string {
  return createHash("md5").update(stageMd5Json(stage), "utf8").digest("hex");
}
