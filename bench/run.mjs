#!/usr/bin/env node
/**
 * dvx benchmark suite (issue #5). `npm run bench` builds, then runs this with the defaults;
 * `node bench/run.mjs --help` lists the options. See docs/performance.md for results.
 *
 * Each operation is timed for dvx, Python DVC and a physical baseline in the same run, tools
 * alternating within each repetition; reports go to bench/results/<date>-<dataset>.{md,json}.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, getPriority, setPriority } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { spawn, spawnSync } from "node:child_process";
import { DATASETS, ensureDataset, fmtBytes } from "./lib/datasets.mjs";
import { loadavg, machineInfo } from "./lib/machine.mjs";
import { Minio } from "./lib/minio.mjs";
import { ALL_OPS, OP_LABEL, PIPELINE, S3_OPS, bucketOf, closure, countOpenedDataFiles, freshRepo, step, toolCommand, toolEnv } from "./lib/ops.mjs";
import { buildRows, writeReport } from "./lib/report.mjs";
import { GNU_TIME, logPath, sampleBusy, sh, timeCommand } from "./lib/runner.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

const HELP = `usage: node bench/run.mjs [options]

  --dataset LIST     small | large | mnist | tree200k | all (comma list; default small)
                       small    20,000 x 100 KB            large  4 x 1 GB
                       mnist    70,000 x 0.1-1 KB, 10 dirs tree200k 200,000 tiny files in a tree
  --ops LIST         ${ALL_OPS.join(",")}
                     (default: all; startup runs once per invocation, on an empty repo)
  --tools LIST       dvx,dvc,baseline (default: all three)
  --reps N           repetitions per operation (default 3)
  --scale F          file count (size for "large") multiplier, e.g. 0.01 for a smoke run (default 1)
  --startup-runs N   runs per start-up measurement (default 30)
  --jobs N           transfer concurrency of the raw S3 baseline (default 4 x CPUs, dvx/DVC's default)
  --timeout S        per-command timeout in seconds (default 3600)
  --out DIR          report directory (default bench/results)
  --label TEXT       appended to report names (<date>-<dataset>[-label].md)
  --idle-wait MIN    before each operation, wait up to MIN minutes for the machine to be idle
                     (other processes < --idle-threshold of all CPUs over 1 s; default 0: no wait)
  --idle-threshold F default 0.2
  --profile DIR      run dvx under \`node --cpu-prof\` (profiles in DIR/<dataset>-<op>-r<rep>/; summarize
                     with \`node bench/lib/cpuprof.mjs DIR/...\`); timings then include the profiler
  --nice=N           run the benchmark (and everything it starts) at this nice value, e.g. --nice=-10 on a
                     shared machine (negative values need root); default: unchanged
  --keep             keep the work directories (repos, remotes, logs)
  --no-s3            skip the MinIO operations

Environment: DVX_BENCH_DIR (datasets + work dirs, default /tmp/dvx-bench), DVX_PEER_DVC,
DVX_PEER_MINIO (default: the paths printed by \`bash scripts/peers.sh paths\`).`;

function parse() {
  let parsed;
  try {
    parsed = parseArgs({
    options: {
      dataset: { type: "string", default: "small" },
      ops: { type: "string", default: ALL_OPS.join(",") },
      tools: { type: "string", default: "dvx,dvc,baseline" },
      reps: { type: "string", default: "3" },
      scale: { type: "string", default: "1" },
      "startup-runs": { type: "string", default: "30" },
      jobs: { type: "string" },
      timeout: { type: "string", default: "3600" },
      out: { type: "string", default: join(HERE, "results") },
      label: { type: "string" },
      keep: { type: "boolean", default: false },
      profile: { type: "string" },
      nice: { type: "string" },
      "idle-wait": { type: "string", default: "0" },
      "idle-threshold": { type: "string", default: "0.2" },
      "no-s3": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  } catch (e) {
    die(`${e.message.split("\n")[0]} (see --help)`);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
  let datasets = list(values.dataset);
  if (datasets.includes("all")) datasets = Object.keys(DATASETS);
  for (const d of datasets) if (!DATASETS[d]) die(`unknown dataset '${d}'`);
  const ops = list(values.ops);
  for (const o of ops) if (!ALL_OPS.includes(o)) die(`unknown op '${o}' (${ALL_OPS.join(", ")})`);
  const tools = list(values.tools);
  for (const t of tools) if (!["dvx", "dvc", "baseline"].includes(t)) die(`unknown tool '${t}'`);
  const num = (k) => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v <= 0) die(`--${k} must be a positive number`);
    return v;
  };
  return {
    datasets,
    ops,
    tools,
    reps: Math.round(num("reps")),
    scale: num("scale"),
    startupRuns: Math.round(num("startup-runs")),
    jobs: values.jobs ? Math.round(num("jobs")) : 4 * cpus().length,
    timeoutS: num("timeout"),
    out: resolve(values.out),
    label: values.label,
    keep: values.keep,
    nice: values.nice !== undefined ? Number(values.nice) : null,
    profile: values.profile ? resolve(values.profile) : null,
    idleWaitS: Number(values["idle-wait"]) * 60 || 0,
    idleThreshold: Number(values["idle-threshold"]) || 0.2,
    noS3: values["no-s3"],
  };
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

const log = (msg) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const warn = (msg) => console.log(`\n${"!".repeat(90)}\n!! ${msg}\n${"!".repeat(90)}\n`);

function peerPaths() {
  const r = spawnSync("bash", [join(ROOT, "scripts", "peers.sh"), "paths"], { encoding: "utf8" });
  const out = {};
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return {
    dvc: process.env.DVX_PEER_DVC || out.DVX_PEER_DVC,
    minio: process.env.DVX_PEER_MINIO || out.DVX_PEER_MINIO,
  };
}

/** Private DVC config dirs: no update check, no analytics, nothing from the user's config. */
function dvcHome(work) {
  const root = join(work, "dvc-home");
  const global = join(root, "global");
  const system = join(root, "system");
  mkdirSync(global, { recursive: true });
  mkdirSync(system, { recursive: true });
  writeFileSync(join(global, "config"), "[core]\n    check_update = false\n    analytics = false\n");
  return {
    DVC_NO_ANALYTICS: "1",
    DVC_GLOBAL_CONFIG_DIR: global,
    DVC_SYSTEM_CONFIG_DIR: system,
    DVC_SITE_CACHE_DIR: join(root, "site"),
    AWS_EC2_METADATA_DISABLED: "true",
    GIT_TERMINAL_PROMPT: "0",
  };
}

/** Waits (up to opts.idleWaitS) until the machine looks idle; returns the last busy share. */
async function waitIdle(opts, what) {
  if (!opts.idleWaitS) return null;
  const deadline = Date.now() + opts.idleWaitS * 1000;
  let busy = await sampleBusy(1000);
  let said = false;
  while (busy >= opts.idleThreshold && Date.now() < deadline) {
    if (!said) log(`  waiting for an idle machine before ${what} (busy ${(busy * 100).toFixed(0)}%)`);
    said = true;
    busy = await sampleBusy(2000);
  }
  if (busy >= opts.idleThreshold) log(`  machine still busy (${(busy * 100).toFixed(0)}%) before ${what}; measuring anyway`);
  return busy;
}

const tick = () => new Promise((r) => setImmediate(r));

function record(results, op, tool, run) {
  results[op] ??= {};
  (results[op][tool] ??= []).push(run);
}

function rotate(arr, k) {
  const n = arr.length;
  return arr.map((_, i) => arr[(i + k) % n]);
}

function describeRun(r) {
  return `${r.seconds.toFixed(3)} s${r.rssMB != null ? `, ${r.rssMB.toFixed(0)} MB` : ""}${r.code !== 0 ? ` FAILED (exit ${r.code})` : ""}`;
}

/** `dvx --help` and `dvx status` on an empty repository, alternating with DVC and bare `node`. */
async function runStartup(ctx, opts) {
  const results = {};
  const dir = join(ctx.work, "startup");
  const repos = {};
  for (const tool of opts.tools.filter((t) => t !== "baseline")) {
    const repo = join(dir, tool);
    mkdirSync(repo, { recursive: true });
    const env = { ...ctx.env, DVC_SITE_CACHE_DIR: join(dir, `${tool}-site`) };
    sh("git", ["init", "-q"], { cwd: repo, env });
    const c = toolCommand(ctx, tool, ["init", "-q"]);
    sh(c.cmd, c.args, { cwd: repo, env });
    repos[tool] = { repo, env };
  }
  const logDir = join(ctx.work, "logs");
  mkdirSync(logDir, { recursive: true });
  const cases = [
    ["startup --help", ["--help"]],
    ["startup status", ["status"]],
  ];
  log(`startup: ${opts.startupRuns} runs each of --help and status (empty repo), tools alternating`);
  for (let i = 0; i < opts.startupRuns; i++) {
    if (i % 10 === 0) await waitIdle(opts, "startup runs");
    for (const [op, args] of cases) {
      await tick();
      for (const tool of rotate(opts.tools, i)) {
        let c;
        if (tool === "baseline") c = { cmd: ctx.node, args: ["-e", ""], cwd: dir, env: ctx.env };
        else c = { ...toolCommand(ctx, tool, args), cwd: repos[tool].repo, env: repos[tool].env };
        const r = timeCommand({ ...c, logBase: logPath(logDir, "startup", op, tool, String(i)), timeoutS: 120 });
        record(results, op, tool, r);
      }
    }
  }
  return results;
}

async function runDataset(ctx, opts, name) {
  const t0 = Date.now();
  const ds = ensureDataset(ctx.benchDir, name, opts.scale, log);
  ctx.ds = ds;
  ctx.work = join(ctx.runWork, name);
  mkdirSync(ctx.work, { recursive: true });
  const logDir = join(ctx.work, "logs");
  mkdirSync(logDir, { recursive: true });
  const selected = new Set(opts.ops.filter((o) => o !== "startup" && (ctx.minio || !S3_OPS.has(o))));
  const pipeline = closure([...selected]);
  const cliTools = opts.tools.filter((t) => t !== "baseline");
  const results = {};
  log(`dataset ${name}@${opts.scale}: ${ds.describe}, ${fmtBytes(ds.bytes)}; ops ${pipeline.map((o) => (selected.has(o) ? o : `(${o})`)).join(" ")}`);
  const extraNotes = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    ctx.rep = rep;
    const order = rotate(opts.tools, rep);
    if (ctx.minio && pipeline.some((o) => S3_OPS.has(o))) {
      await ctx.minio.restart();
      sh(ctx.node, [join(HERE, "lib", "s3raw.mjs"), "mb", ...opts.tools.map((t) => bucketOf(ctx, t))], { env: ctx.minio.env(ctx.env) });
    }
    log(`rep ${rep + 1}/${opts.reps}: setting up fresh repositories (${order.join(", ")})`);
    for (const tool of order) freshRepo(ctx, tool);
    for (const op of pipeline) {
      const timed = selected.has(op);
      if (timed) await waitIdle(opts, op);
      for (const tool of order) {
        await tick(); // lets a pending SIGINT/SIGTERM handler run between commands
        const s = step(ctx, op, tool, timed);
        if (!s) continue;
        s.prepare?.();
        const logBase = logPath(logDir, op, tool, `r${rep}`);
        if (timed && opts.profile && tool === "dvx") {
          const dir = join(opts.profile, `${name}-${op}-r${rep}`);
          mkdirSync(dir, { recursive: true });
          s.args = ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...s.args];
        }
        if (timed) {
          // Flush dirty pages left by setup (the page cache itself stays warm): otherwise a
          // command could pay for writing back the previous step's copies (disk ~140 MB/s here).
          spawnSync("sync");
          const r = timeCommand({ ...s, logBase, timeoutS: opts.timeoutS, serverPid: ctx.minio?.child?.pid });
          r.logBase = logBase;
          if (r.code === 0 && s.verify) {
            const v = s.verify(r);
            if (typeof v === "string") r.problem = v;
            else if (v?.note) r.note = v.note;
          }
          if (s.strace && rep === 0 && r.code === 0) {
            r.openedDataFiles = countOpenedDataFiles(s, join(s.cwd, "data"), `${logBase}.strace`);
          }
          delete r.logBase;
          record(results, op, tool, r);
          log(`  ${op.padEnd(15)} ${tool.padEnd(8)} ${describeRun(r)}${r.problem ? ` CHECK FAILED: ${r.problem}` : ""}${r.openedDataFiles != null ? ` (opened ${r.openedDataFiles} data files)` : ""}${r.code !== 0 ? `\n${r.errTail}` : ""}`);
        } else {
          const r = timeCommand({ ...s, logBase, timeoutS: opts.timeoutS });
          if (r.code !== 0) {
            log(`  (${op}) ${tool} FAILED (exit ${r.code}), later steps of ${tool} may fail too:\n${r.errTail}`);
            extraNotes.push(`- untimed prerequisite ${op} failed for ${tool} in repetition ${rep + 1}: \`${r.errTail.replace(/\n/g, " ⏎ ").slice(0, 300)}\``);
          }
        }
        s.cleanup?.();
      }
    }
  }
  if (!opts.keep) for (const tool of opts.tools) rmSync(join(ctx.work, tool), { recursive: true, force: true });
  if (ctx.minio) await ctx.minio.stop();
  const rows = buildRows(results, name);
  return { rows, durationS: (Date.now() - t0) / 1000, ds, extraNotes };
}

async function main() {
  const opts = parse();
  if (opts.nice !== null) {
    // Linux groups processes by session for CPU fairness (sched_autogroup): a nice value only
    // counts inside the group. So the benchmark re-runs itself in a new session (detached) and
    // gives that session's group the nice value as well, leaving the caller's session alone.
    if (!process.env.DVX_BENCH_SESSION) {
      const child = spawn(process.execPath, process.argv.slice(1), { stdio: "inherit", detached: true, env: { ...process.env, DVX_BENCH_SESSION: "1" } });
      const fwd = (sig) => {
        try {
          process.kill(child.pid, sig);
        } catch {}
      };
      process.on("SIGINT", () => fwd("SIGINT"));
      process.on("SIGTERM", () => fwd("SIGTERM"));
      child.on("exit", (code, sig) => process.exit(code ?? (sig ? 130 : 1)));
      return;
    }
    try {
      setPriority(0, opts.nice);
      if (existsSync("/proc/self/autogroup")) writeFileSync("/proc/self/autogroup", String(opts.nice));
    } catch (e) {
      die(`--nice=${opts.nice}: ${e.message}`);
    }
  }
  const benchDir = resolve(process.env.DVX_BENCH_DIR || "/tmp/dvx-bench");
  mkdirSync(benchDir, { recursive: true });
  const peers = peerPaths();
  // the executable package.json names (the CommonJS launcher, which hands commands to main.js)
  let dvxCli = join(ROOT, "dist", "cli", "dvx.cjs");
  if (opts.tools.includes("dvx") && !existsSync(dvxCli)) die(`${dvxCli} is missing: run \`npm run build\` first`);
  if (!existsSync(GNU_TIME)) die(`${GNU_TIME} (GNU time) is required for peak RSS`);
  if (opts.tools.includes("dvc") && !(peers.dvc && existsSync(peers.dvc))) {
    warn(`Python DVC not found (${peers.dvc ?? "DVX_PEER_DVC unset"}): DVC columns are SKIPPED. Run \`bash scripts/peers.sh install\`.`);
    opts.tools = opts.tools.filter((t) => t !== "dvc");
  }
  const wantS3 = !opts.noS3 && opts.ops.some((o) => S3_OPS.has(o)) && opts.datasets.length > 0;
  let minio = null;
  const runWork = mkdtempSync(join(benchDir, "work-"));
  if (wantS3) {
    if (peers.minio && existsSync(peers.minio)) minio = new Minio(peers.minio, join(runWork, "minio"));
    else warn(`MinIO not found (${peers.minio ?? "DVX_PEER_MINIO unset"}): push-s3, pull-s3 and fetch-one are SKIPPED.`);
  }
  if (opts.tools.includes("dvx")) {
    // Others may rebuild dist/ while a long run is going: time a snapshot of the build taken now.
    const snap = join(runWork, "dvx-build");
    mkdirSync(snap);
    sh("cp", ["-r", join(ROOT, "dist"), join(snap, "dist")]);
    sh("cp", [join(ROOT, "package.json"), join(snap, "package.json")]);
    symlinkSync(join(ROOT, "node_modules"), join(snap, "node_modules"));
    dvxCli = join(snap, "dist", "cli", "dvx.cjs");
  }
  const env = { ...process.env, ...dvcHome(runWork) };
  delete env.CI; // no CI-specific behaviour in the tools under test
  const ctx = { benchDir, runWork, work: runWork, node: process.execPath, dvxCli, dvcBin: peers.dvc, minio, env, jobs: opts.jobs, benchLib: join(HERE, "lib") };
  const stamp = new Date().toISOString().slice(0, 16).replace(/:/g, "").replace("T", "-") + (opts.label ? `-${opts.label}` : "");
  const command = `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim();
  mkdirSync(opts.out, { recursive: true });
  const machine = { ...machineInfo({ benchDir, repoRoot: ROOT, dvcBin: opts.tools.includes("dvc") ? peers.dvc : null, dvxCli: opts.tools.includes("dvx") ? dvxCli : null, minio }), scale: opts.scale };
  log(`machine: ${machine.cpu}, ${machine.nproc} CPUs, ${machine.ramGB} GB; node ${machine.node}; dvx ${machine.dvx}; dvc ${machine.dvc}`);
  log(`bench dir ${benchDir}, work ${runWork}`);
  const onSignal = async () => {
    await minio?.stop();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = Date.now();
  const written = [];
  const conditions =
    "page cache warm (workspaces are fresh `cp -r` copies of a cached dataset; nothing is dropped; `sync` before every timed command so no command pays for an earlier one's writeback), " +
    "`cache.type` default (reflink,copy: ext4 has no reflinks, so copies), git repositories, " +
    `default jobs (4 × ${cpus().length} CPUs) for dvx and DVC, ${opts.jobs} for the raw S3 baseline; ` +
    "MinIO runs on the same 2 CPUs as the client; other processes on the machine are not controlled (see load averages).";
  const niceNote = getPriority(0) !== 0 ? ` The benchmark ran in its own session at nice ${getPriority(0)}, also for its scheduler autogroup (other sessions on the machine at 0), to limit the disturbance by other work on this shared machine.` : "";
  const conditionsFull = (opts.profile ? `${conditions} **dvx ran under \`--cpu-prof\`: its times include profiler overhead.**` : conditions) + niceNote;
  try {
    if (opts.ops.includes("startup")) {
      const t0 = Date.now();
      ctx.work = join(runWork, "startup");
      const results = await runStartup(ctx, opts);
      const rows = buildRows(results, "startup");
      machine.loadavgEnd = loadavg();
      written.push(
        writeReport({
          outDir: opts.out,
          stamp,
          dataset: "startup",
          info: `empty repository (git + init), ${opts.startupRuns} runs per command; baseline = \`node -e ""\``,
          machine,
          command,
          rows,
          conditions: conditionsFull,
          durationS: (Date.now() - t0) / 1000,
        }),
      );
    }
    for (const name of opts.datasets) {
      if (!opts.ops.some((o) => o !== "startup")) break;
      const r = await runDataset(ctx, opts, name);
      machine.loadavgEnd = loadavg();
      written.push(
        writeReport({
          outDir: opts.out,
          stamp,
          dataset: name,
          info: `${r.ds.describe}, ${fmtBytes(r.ds.bytes)} (scale ${opts.scale}), ${opts.reps} repetition(s)${r.ds.generatedS ? `; generated in ${r.ds.generatedS.toFixed(1)} s` : ""}`,
          machine,
          command,
          rows: r.rows,
          conditions: conditionsFull,
          durationS: r.durationS,
          extraNotes: r.extraNotes,
        }),
      );
    }
  } finally {
    await minio?.stop();
    if (!opts.keep) rmSync(runWork, { recursive: true, force: true });
    else log(`kept ${runWork}`);
  }
  log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min; reports:`);
  for (const w of written) {
    console.log(`  ${w.md}`);
    console.log(readFileSync(w.md, "utf8").split("\n").filter((l) => l.startsWith("|")).join("\n"));
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
