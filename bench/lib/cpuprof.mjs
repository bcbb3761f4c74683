#!/usr/bin/env node
/**
 * Summary of V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per
 * source file, so a slow phase can be named without opening DevTools.
 *
 *   node bench/lib/cpuprof.mjs DIR_OR_FILE... [--top N]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

export function summarizeProfile(file, top = 15) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = p.timeDeltas ?? [];
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const fn = new Map();
  const files = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const url = (cf.url || "").replace(/^file:\/\//, "").replace(/.*\/(node_modules\/|dist\/)/, "$1");
    const key = `${cf.functionName || "(anonymous)"} ${url ? `${url}:${cf.lineNumber + 1}` : ""}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const fkey = url || cf.functionName || "(native)";
    files.set(fkey, (files.get(fkey) ?? 0) + us);
    total += us;
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ name: k, ms: us / 1000, pct: (100 * us) / total }));
  return { file, totalMs: total / 1000, functions: sorted(fn), files: sorted(files) };
}

export function formatSummary(s) {
  const row = (x) => `  ${x.ms.toFixed(0).padStart(7)} ms ${x.pct.toFixed(1).padStart(5)}%  ${x.name}`;
  return [`${basename(s.file)}: ${(s.totalMs / 1000).toFixed(2)} s sampled`, " by function (self time):", ...s.functions.map(row), " by file:", ...s.files.map(row)].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const ti = args.indexOf("--top");
  const top = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 15;
  for (const a of args) {
    const list = statSync(a).isDirectory() ? readdirSync(a).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(a, f)) : [a];
    for (const f of list) console.log(formatSummary(summarizeProfile(f, top)) + "\n");
  }
}
