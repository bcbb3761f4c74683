/**
 * Splitting a request by hash name (each goes to/from its own layout: `files/md5/` or the legacy
 * root, spec 8.1/8.4) and merging duplicate references.
 */
import { isDvxError } from "../errors.js";
import type { HashName } from "../odb/oid.js";
import type { DirRef, TransferRequest } from "./types.js";

export interface HashGroup {
  hashName: HashName;
  /** Plain file oids asked for directly. */
  files: Set<string>;
  /** Directory refs by oid; `only` merged (undefined = whole directory wins). */
  dirs: Map<string, DirRef>;
}

export function groupByHash(req: TransferRequest): HashGroup[] {
  const groups = new Map<HashName, HashGroup>();
  const get = (h: HashName): HashGroup => {
    let g = groups.get(h);
    if (!g) groups.set(h, (g = { hashName: h, files: new Set(), dirs: new Map() }));
    return g;
  };
  for (const f of req.files) get(f.hashName).files.add(f.oid);
  for (const d of req.dirs) {
    const g = get(d.hashName);
    const prev = g.dirs.get(d.oid);
    if (!prev) g.dirs.set(d.oid, { oid: d.oid, hashName: d.hashName, ...(d.only ? { only: new Set(d.only) } : {}) });
    else if (!prev.only || !d.only) g.dirs.set(d.oid, { oid: d.oid, hashName: d.hashName });
    else for (const p of d.only) prev.only.add(p);
  }
  // md5 (3.x) first, then legacy: deterministic order.
  return [...groups.values()].sort((a, b) => (a.hashName === b.hashName ? 0 : a.hashName === "md5" ? -1 : 1));
}

/** A one-line message for a per-object failure. */
export function errorText(e: unknown): string {
  if (isDvxError(e)) return e.message;
  if (e instanceof Error) return `${e.name === "Error" ? "" : `${e.name}: `}${e.message}`.split("\n")[0]!;
  return String(e);
}
