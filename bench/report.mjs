#!/usr/bin/env node
/**
 * Re-renders reports from their JSON (after a change to the targets or the table layout):
 *
 *   node bench/report.mjs bench/results/<date>-<dataset>.json...
 *
 * Rewrites the .md (and .json) beside each file; prints the markdown table.
 */
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { evaluateTargets, writeReport } from "./lib/report.mjs";

for (const file of process.argv.slice(2)) {
  const j = JSON.parse(readFileSync(file, "utf8"));
  const rows = j.rows.map((row) => ({ ...row, targets: evaluateTargets(row, j.dataset) }));
  const stamp = basename(file, ".json").slice(0, -(j.dataset.length + 1));
  const { md } = writeReport({ ...j, rows, outDir: dirname(file), stamp, extraNotes: j.extraNotes ?? [] });
  console.log(md);
  console.log(readFileSync(md, "utf8").split("\n").filter((l) => l.startsWith("|")).join("\n"));
}
