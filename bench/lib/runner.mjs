/**
 * Process timing. Wall time is `process.hrtime` around `spawnSync`; peak RSS is GNU time's `%M`
 * (maximum resident set size in KB of the command, which for a shell pipeline is the largest of
 * the processes it waited for). The extra `/usr/bin/time` process costs about 1 ms.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export const GNU_TIME = "/usr/bin/time";

/** Runs a command untimed; throws with the tail of its output when it fails (unless allowFail). */
export function sh(cmd, args, { cwd, env, allowFail = false, input } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, input });
  if (!allowFail && (r.status !== 0 || r.error)) {
    const tail = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`command failed (${r.error ? r.error.message : `exit ${r.status}`}): ${cmd} ${args.join(" ")}\n  in ${cwd ?? process.cwd()}\n${tail}`);
  }
  return r;
}

export const bash = (script, opts) => sh("bash", ["-c", script], opts);

/** Shell-quotes one argument. */
export function q(s) {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** Busy and total jiffies of all CPUs (/proc/stat "cpu" line). */
export function cpuJiffies() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (counted in user)
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export const CLK_TCK = 100;

/** utime + stime (jiffies) of a process (children not included), or null. */
export function procJiffies(pid) {
  if (!pid) return null;
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

/** Fraction (0..1) of all CPUs busy over the next `ms` milliseconds. */
export async function sampleBusy(ms = 1000) {
  const a = cpuJiffies();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuJiffies();
  if (!a || !b || b.total === a.total) return 0;
  return (b.busy - a.busy) / (b.total - a.total);
}

/**
 * Times one run of `cmd args`. stdout/stderr go to `<logBase>.out` / `.err` (never a TTY).
 * Returns { seconds, rssMB, cpuS (user+sys of the command), serverCpuS (of `serverPid`, i.e.
 * MinIO), bgCpu (share of all CPUs that other processes used meanwhile, 0..1), code, signal, errTail }.
 */
export function timeCommand({ cmd, args, cwd, env, logBase, timeoutS = 3600, serverPid = null }) {
  const rssFile = `${logBase}.rss`;
  rmSync(rssFile, { force: true });
  const out = openSync(`${logBase}.out`, "w");
  const err = openSync(`${logBase}.err`, "w");
  let r;
  const j0 = cpuJiffies();
  const s0 = procJiffies(serverPid);
  const t0 = process.hrtime.bigint();
  try {
    r = spawnSync(GNU_TIME, ["-f", "%U %S %M", "-o", rssFile, cmd, ...args], {
      cwd,
      env,
      stdio: ["ignore", out, err],
      timeout: timeoutS * 1000,
      killSignal: "SIGKILL",
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const j1 = cpuJiffies();
  const s1 = procJiffies(serverPid);
  const serverCpuS = s0 != null && s1 != null ? (s1 - s0) / CLK_TCK : null;
  let rssMB = null;
  let cpuS = null;
  if (existsSync(rssFile)) {
    const lines = readFileSync(rssFile, "utf8").trim().split("\n");
    const [u, s, kb] = (lines[lines.length - 1] ?? "").split(" ").map(Number);
    if (Number.isFinite(kb)) rssMB = kb / 1024;
    if (Number.isFinite(u) && Number.isFinite(s)) cpuS = u + s;
  }
  let bgCpu = null;
  if (j0 && j1 && j1.total > j0.total && cpuS != null) {
    // jiffies of all CPUs: busy time not spent by the command (nor by /usr/bin/time, ~0)
    const other = (j1.busy - j0.busy) / CLK_TCK - cpuS - (serverCpuS ?? 0);
    bgCpu = Math.max(0, other / ((j1.total - j0.total) / CLK_TCK));
  }
  const code = r.error ? -1 : (r.status ?? -1);
  let errTail = "";
  if (code !== 0) {
    const o = safeRead(`${logBase}.out`);
    const e = safeRead(`${logBase}.err`);
    errTail = `${r.error ? `${r.error.message}\n` : ""}${o}\n${e}`.trim().split("\n").slice(-8).join("\n");
  }
  return { seconds, rssMB, cpuS, serverCpuS, bgCpu, code, signal: r.signal ?? null, errTail };
}

function safeRead(p) {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function summarize(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** Counts regular files under `dir` (0 when it does not exist). */
export function countFiles(dir) {
  if (!existsSync(dir)) return 0;
  const r = bash(`find ${q(dir)} -type f | wc -l`);
  return Number.parseInt(r.stdout.trim(), 10);
}

export function logPath(logDir, ...parts) {
  return join(logDir, parts.join("-").replace(/[^A-Za-z0-9_.@-]/g, "_"));
}
