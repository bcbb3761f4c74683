/** Markdown and JSON reports, and the issue's targets. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASELINE_LABEL, OP_LABEL } from "./ops.mjs";
import { summarize } from "./runner.mjs";

/**
 * Targets (issue #5). Each has parts, checked against one report row: `r` = { dvx, dvc, baseline }
 * medians in seconds, `rss` = peak RSS MB (max over repetitions), `row` = the whole row. A part's
 * check returns true/false, or null when it cannot be judged (a tool missing); `got` describes
 * the measured value.
 */
const x2 = (v) => (v == null ? "?" : v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(2)}×`);
const vsBase = (k) => ({
  text: `≤ ${k.toFixed(1)}× baseline`,
  check: ({ r }) => le(r.dvx, r.baseline, k),
  got: ({ r }) => `${x2(ratio(r.dvx, r.baseline))} baseline`,
});
const vsDvc = (k) => ({
  text: `≥ ${k}× faster than DVC`,
  check: ({ r }) => faster(r.dvc, r.dvx, k),
  got: ({ r }) => {
    const k = ratio(r.dvc, r.dvx);
    return k == null || k >= 1 ? `${x2(k)} faster than DVC` : `${x2(1 / k)} slower than DVC`;
  },
});
const under = (s) => ({
  text: `< ${s >= 1 ? `${s} s` : `${s * 1000} ms`}`,
  check: ({ r }) => (r.dvx == null ? null : r.dvx < s),
  got: ({ r }) => (r.dvx == null ? "?" : `${(r.dvx * 1000).toFixed(0)} ms`),
});
const rssUnder = (mb) => ({
  text: `peak RSS < ${mb} MB`,
  check: ({ rss }) => (rss.dvx == null ? null : rss.dvx < mb),
  got: ({ rss }) => `${rss.dvx?.toFixed(0) ?? "?"} MB`,
});
export const TARGETS = [
  { dataset: "small", op: "add", parts: [vsBase(1.0), vsDvc(10)] },
  { dataset: "large", op: "add", parts: [vsBase(1.1)] },
  { dataset: "small", op: "status", parts: [under(0.3), vsDvc(10)] },
  {
    dataset: "*",
    op: "add-again",
    parts: [
      {
        text: "hashes nothing (strace: 0 data files opened)",
        check: ({ row }) => (row.tools.dvx?.openedDataFiles == null ? null : row.tools.dvx.openedDataFiles === 0),
        got: ({ row }) => `${row.tools.dvx?.openedDataFiles ?? "?"} files opened`,
      },
    ],
  },
  { dataset: "small", op: "push-s3", parts: [vsDvc(5), vsBase(1.5)] },
  { dataset: "small", op: "pull-s3", parts: [vsDvc(5), vsBase(1.5)] },
  { dataset: "startup", op: "startup --help", parts: [under(0.15)] },
  { dataset: "startup", op: "startup status", parts: [under(0.15)] },
  { dataset: "tree200k", op: "add", parts: [rssUnder(300)] },
  { dataset: "tree200k", op: "status", parts: [rssUnder(300)] },
];

/** Target verdicts for one row: [{ text, ok, got }] per part. */
export function evaluateTargets(row, datasetName) {
  const t = row.tools;
  const r = { dvx: t.dvx?.median ?? null, dvc: t.dvc?.median ?? null, baseline: t.baseline?.median ?? null };
  const rss = { dvx: t.dvx?.rssMB ?? null, dvc: t.dvc?.rssMB ?? null, baseline: t.baseline?.rssMB ?? null };
  const out = [];
  for (const target of TARGETS) {
    if ((target.dataset !== "*" && target.dataset !== datasetName) || target.op !== row.op) continue;
    for (const part of target.parts) out.push({ text: part.text, ok: part.check({ r, rss, row }), got: part.got({ r, rss, row }) });
  }
  return out;
}

function le(a, b, k) {
  return a == null || b == null ? null : a <= b * k;
}
function faster(slow, fast, k) {
  return slow == null || fast == null ? null : slow / fast >= k;
}
function both(a, b) {
  if (a === false || b === false) return false;
  if (a == null || b == null) return null;
  return true;
}

/** Aggregates raw runs into rows: one per operation, with per-tool statistics. */
export function buildRows(results, datasetName) {
  const rows = [];
  for (const [op, byTool] of Object.entries(results)) {
    const tools = {};
    for (const [tool, runs] of Object.entries(byTool)) {
      const okRuns = runs.filter((x) => x.code === 0);
      const s = summarize(okRuns.map((x) => x.seconds));
      const rssVals = okRuns.map((x) => x.rssMB).filter((x) => x != null);
      const failures = runs.filter((x) => x.code !== 0);
      const problems = runs.map((x) => x.problem).filter(Boolean);
      const notes = [...new Set(runs.map((x) => x.note).filter(Boolean))];
      const opened = runs.map((x) => x.openedDataFiles).filter((x) => x != null);
      const med = (k) => summarize(okRuns.map((x) => x[k]).filter((x) => x != null)).median;
      tools[tool] = {
        ...s,
        cpuS: med("cpuS"),
        serverCpuS: med("serverCpuS"),
        bgCpuMax: Math.max(0, ...runs.map((x) => x.bgCpu ?? 0)),
        seconds: runs.map((x) => x.seconds),
        rssMB: rssVals.length ? Math.max(...rssVals) : null,
        failures: failures.length,
        failure: failures[0]?.errTail || null,
        problems: [...new Set(problems)],
        notes,
        openedDataFiles: opened.length ? Math.max(...opened) : null,
      };
    }
    const r = { dvx: tools.dvx?.median ?? null, dvc: tools.dvc?.median ?? null, baseline: tools.baseline?.median ?? null };
    const bgCpuMax = Math.max(0, ...Object.values(tools).map((t) => t.bgCpuMax));
    const row = { op, tools, bgCpuMax, ratio: { dvxOverDvc: ratio(r.dvx, r.dvc), dvxOverBaseline: ratio(r.dvx, r.baseline) } };
    row.targets = evaluateTargets(row, datasetName);
    rows.push(row);
  }
  return rows;
}

function ratio(a, b) {
  return a == null || b == null || b === 0 ? null : a / b;
}

const fs = (x) => (x == null ? "–" : x < 10 ? x.toFixed(3) : x.toFixed(1));
const fr = (x) => (x == null ? "–" : x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);
const fm = (x) => (x == null ? "–" : x.toFixed(0));

function cell(t) {
  if (!t) return "–";
  if (t.n === 0) return t.failures ? "FAILED" : "–";
  const spread = t.n > 1 ? ` (${fs(t.min)}–${fs(t.max)})` : "";
  return `${fs(t.median)}${spread}${t.failures ? ` [${t.failures} failed]` : ""}`;
}

/** Markdown table of rows (shared by the per-dataset reports and docs/performance.md). */
export function markdownTable(rows, { scale = 1 } = {}) {
  const lines = [
    "| operation | dvx s | DVC s | baseline s | dvx/DVC | dvx/baseline | peak RSS MB dvx / DVC / base | dvx CPU s | other load | target | result |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const row of rows) {
    const t = row.tools;
    const target = row.targets.map((x) => x.text).join(" and ") || "";
    let result = "";
    if (row.targets.length) {
      const oks = row.targets.map((x) => x.ok);
      const missed = row.targets.filter((x) => x.ok === false);
      result = missed.length ? `**MISS**: ${missed.map((x) => x.got).join(", ")}` : oks.includes(null) ? "n/a" : "PASS";
      if (scale !== 1 && row.op !== "startup --help" && row.op !== "startup status") result += ` (scale ${scale})`;
    }
    const dvcOverDvx = row.ratio.dvxOverDvc ? 1 / row.ratio.dvxOverDvc : null;
    lines.push(
      `| ${OP_LABEL[row.op] ?? row.op} | ${cell(t.dvx)} | ${cell(t.dvc)} | ${cell(t.baseline)} | ${fr(row.ratio.dvxOverDvc)}${dvcOverDvx && dvcOverDvx >= 1 ? ` (${fr(dvcOverDvx)} faster)` : ""} | ${fr(row.ratio.dvxOverBaseline)} | ${fm(t.dvx?.rssMB)} / ${fm(t.dvc?.rssMB)} / ${fm(t.baseline?.rssMB)} | ${fs(t.dvx?.cpuS)} | ${(row.bgCpuMax * 100).toFixed(0)}% | ${target} | ${result} |`,
    );
  }
  return lines.join("\n");
}

export function writeReport({ outDir, stamp, dataset, info, machine, command, rows, conditions, durationS, extraNotes = [] }) {
  const base = join(outDir, `${stamp}-${dataset}`);
  const json = { dataset, info, machine, command, conditions, durationS, extraNotes, rows };
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 2) + "\n");
  const notes = [];
  for (const row of rows) {
    for (const [tool, t] of Object.entries(row.tools)) {
      if (t.failure) notes.push(`- ${row.op} / ${tool}: ${t.failures} run(s) failed: \`${t.failure.replace(/\n/g, " ⏎ ").slice(0, 400)}\``);
      for (const p of t.problems) notes.push(`- ${row.op} / ${tool}: check failed: ${p}`);
      for (const n of t.notes) notes.push(`- ${row.op} / ${tool}: ${n}`);
      if (t.serverCpuS != null && t.serverCpuS > 0.05) notes.push(`- ${row.op} / ${tool}: MinIO used ${t.serverCpuS.toFixed(1)} CPU s (median), the client ${t.cpuS?.toFixed(1) ?? "?"} CPU s`);
      if (t.openedDataFiles != null) notes.push(`- ${row.op} / ${tool}: opened ${t.openedDataFiles} data file(s) (strace)`);
    }
  }
  const baselines = rows.filter((r) => BASELINE_LABEL[r.op] && r.tools.baseline).map((r) => `- ${r.op}: ${BASELINE_LABEL[r.op]}`);
  const md = [
    `# dvx benchmark: ${dataset}`,
    "",
    info ? `Dataset: ${info}.` : "",
    "",
    `Command: \`${command}\``,
    "",
    machineMarkdown(machine),
    "",
    `Conditions: ${conditions}`,
    "",
    `Run time of this dataset: ${(durationS / 60).toFixed(1)} min.`,
    "",
    "Times are wall-clock seconds, median over repetitions (min–max in brackets). Ratios are of medians.",
    "Peak RSS is the maximum over repetitions (GNU time %M). dvx CPU s = user+sys of the dvx process (median);",
    "more than the wall time means both CPUs were used. Other load = the largest share of the machine's CPUs used by",
    "processes other than the measured command (and MinIO) during any run of the row (a shared machine: see docs/performance.md).",
    "",
    markdownTable(rows, { scale: machine.scale }),
    "",
    baselines.length ? "Baselines:\n\n" + baselines.join("\n") : "",
    "",
    notes.length || extraNotes.length ? "Notes:\n\n" + [...extraNotes, ...notes].join("\n") : "",
    "",
  ]
    .filter((x, i, a) => !(x === "" && a[i - 1] === ""))
    .join("\n");
  writeFileSync(`${base}.md`, md);
  return { md: `${base}.md`, json: `${base}.json` };
}

export function machineMarkdown(m) {
  return [
    "Machine:",
    "",
    `- CPU: ${m.cpu}, ${m.nproc} CPUs (nproc); RAM ${m.ramGB} GB; disk ${m.disk}; Linux ${m.kernel}`,
    `- Node ${m.node}; dvx ${m.dvx}; ${m.dvc.startsWith("not") ? "DVC not used" : `DVC ${m.dvc}`}; MinIO ${m.minio}; ${m.md5sum}`,
    `- Date ${m.date}; load average at start ${m.loadavgStart}${m.loadavgEnd ? `, at end ${m.loadavgEnd}` : ""}`,
  ].join("\n");
}
