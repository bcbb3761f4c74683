/** Resolves user targets to outputs (or a path inside a directory output, for granular work). */
import * as fs from "node:fs";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import type { Output } from "./outputs.js";
import { isWithin, toRepoRel } from "./root.js";

export interface Selected {
  out: Output;
  /** path inside a directory output, relative to it (granular target) */
  only?: string;
}

export function selectOutputs(root: string, outs: Output[], absTargets: string[] | undefined): Selected[] {
  if (!absTargets || absTargets.length === 0) return outs.map((out) => ({ out }));
  const picked: Selected[] = [];
  const seen = new Set<Output>();
  const push = (s: Selected) => {
    if (s.only === undefined && seen.has(s.out)) return;
    if (s.only === undefined) seen.add(s.out);
    picked.push(s);
  };
  for (const abs of absTargets) {
    // `dvc.yaml:stage` / `path/dvc.yaml:stage`
    const colon = /^(.*dvc\.yaml):([^/]+)$/.exec(abs);
    if (colon) {
      const file = toRepoRel(root, colon[1]!);
      const found = outs.filter((o) => o.kind === "lock" && o.declaredIn === file && o.stage === colon[2]);
      if (!found.length) throw new DvxError("NOT_FOUND", `${file}:${colon[2]}: no such stage`, { data: { target: abs } });
      found.forEach((out) => push({ out }));
      continue;
    }
    const rel = toRepoRel(root, abs);
    const byFile = outs.filter((o) => o.declaredIn === rel);
    if (byFile.length) {
      byFile.forEach((out) => push({ out }));
      continue;
    }
    const exact = outs.filter((o) => o.path === rel);
    if (exact.length) {
      exact.forEach((out) => push({ out }));
      continue;
    }
    const container = outs.find((o) => o.path !== "" && isWithin(rel, o.path));
    if (container) {
      push({ out: container, only: rel.slice(container.path.length + 1) });
      continue;
    }
    const inside = outs.filter((o) => isWithin(o.path, rel));
    const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
    if (inside.length && (isDir || rel === "")) {
      // a directory holding outputs selects all of them (DVC's -R); harmless without it
      inside.forEach((out) => push({ out }));
      continue;
    }
    // a bare stage name of the root dvc.yaml
    const stage = outs.filter((o) => o.kind === "lock" && o.stage === path.basename(abs) && o.declaredIn === "dvc.yaml" && !abs.includes(path.sep + ".."));
    if (stage.length && !fs.existsSync(abs)) {
      stage.forEach((out) => push({ out }));
      continue;
    }
    throw new DvxError("NOT_FOUND", `${rel || "."}: not tracked by any .dvc file or dvc.lock`, { data: { target: rel } });
  }
  return picked;
}
