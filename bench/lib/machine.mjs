/** What the benchmark ran on: recorded in every report's header. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

function out(cmd, args, opts = {}) {
  try {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, ...opts });
    if (r.status !== 0 && opts.strict) return "";
    return (r.stdout || r.stderr || "").trim();
  } catch {
    return "";
  }
}

export function loadavg() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return os.loadavg().map((x) => x.toFixed(2)).join(" ");
  }
}

export function machineInfo({ benchDir, repoRoot, dvcBin, dvxCli, minio }) {
  let cpu = "";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
  } catch {}
  const df = out("df", ["-hT", benchDir]).split("\n")[1]?.split(/\s+/) ?? [];
  const dev = df[0] ?? "";
  const blk = dev.startsWith("/dev/") ? dev.slice(5).replace(/p?\d+$/, "") : "";
  const rota = blk ? out("cat", [`/sys/block/${blk}/queue/rotational`]) : "";
  const head = out("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]);
  const dirty = out("git", ["-C", repoRoot, "status", "--porcelain", "--untracked-files=no", "--", "src", "cli"]) ? " + uncommitted changes in src/ or cli/" : "";
  return {
    nproc: Number(out("nproc", [])) || os.cpus().length,
    cpu,
    ramGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    disk: dev ? `${dev} (${df[1]}, ${df[2]} total, ${df[4]} free${rota === "1" ? ", reported rotational (virtio)" : rota === "0" ? ", non-rotational" : ""})` : "",
    kernel: os.release(),
    node: process.version,
    dvx: `${(dvxCli && out(process.execPath, [dvxCli, "--version"], { strict: true })) || "?"} (git ${head || "?"}${dirty})`,
    dvc: dvcBin ? out(dvcBin, ["--version"], { env: { ...process.env, DVC_NO_ANALYTICS: "1" } }) : "not used",
    minio: minio ? minio.version() : "not used",
    md5sum: out("md5sum", ["--version"]).split("\n")[0],
    loadavgStart: loadavg(),
    date: new Date().toISOString(),
  };
}
