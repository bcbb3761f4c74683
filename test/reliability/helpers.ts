/**
 * Shared pieces of the reliability suites: spawning the built CLI asynchronously (so it can be
 * killed), integrity checks of caches and remotes (every object hashes to its name), dataset
 * generation, and the figures each suite reports (printed, and appended as JSON lines to
 * $DVX_RELIABILITY_OUT when set, for docs/reliability.md).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLI } from "../helpers/cli.js";
import { prng } from "../helpers/faultProxy.js";

export { prng };

/** DVX_KILL_ROUNDS (default 30): kills that must land mid-run per operation in the crash suite. */
export function killRounds(): number {
  const n = Number.parseInt(process.env.DVX_KILL_ROUNDS ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 30;
}

/** DVX_RELIABILITY_SEED: base seed of the random kill moments and fault draws (default: fixed). */
export function baseSeed(): number {
  const n = Number.parseInt(process.env.DVX_RELIABILITY_SEED ?? "", 10);
  return Number.isFinite(n) ? n : 20240607;
}

export interface Spawned {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
  /** SIGKILL; true when the process was still running. */
  kill(): boolean;
  exited(): boolean;
}

const emptyCfg = fs.mkdtempSync(path.join(process.env.DVX_TEST_TMPDIR ?? "/tmp", "dvx-rel-cfg-"));

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "true",
    DVC_GLOBAL_CONFIG_DIR: emptyCfg,
    DVC_SYSTEM_CONFIG_DIR: emptyCfg,
    AWS_EC2_METADATA_DISABLED: "true",
    NO_GCE_CHECK: "true",
    ...extra,
  };
}

/** Starts the built CLI without waiting for it. */
export function spawnDvx(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Spawned {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: cliEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  let exited = false;
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      exited = true;
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), ms: Date.now() - started });
    });
  });
  child.on("exit", () => (exited = true));
  return {
    pid: child.pid!,
    done,
    exited: () => exited,
    kill() {
      if (exited || child.exitCode !== null) return false;
      return child.kill("SIGKILL");
    },
  };
}

/** Runs the CLI to completion (async, so a suite can run several at once). */
export async function runDvx(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const r = await spawnDvx(args, opts).done;
  return { code: r.code ?? 255, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
}

export function md5(buf: Uint8Array): string {
  return createHash("md5").update(buf).digest("hex");
}

export function md5File(p: string): string {
  return md5(fs.readFileSync(p));
}

export interface ObjectCheck {
  /** Objects under their final names. */
  checked: number;
  /** Final names whose content does not hash to the name (must be empty). */
  bad: string[];
  /** Final names that are not read-only 0444 (must be empty for caches and local remotes). */
  notReadOnly: string[];
  /** Temp files (`.<random>.tmp`) and other names that are not objects (allowed after a kill). */
  other: string[];
  oids: Set<string>;
}

/** Objects already hashed, by path + inode + size + mtime (the loops re-check growing caches). */
const verified = new Map<string, string>();

function statKey(st: fs.Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** Every object of a 3.x layout (`<root>/files/md5/xx/yyyy`) must hash to its name. */
export function checkOdb(odbRoot: string, opts: { requireReadOnly?: boolean } = {}): ObjectCheck {
  const res: ObjectCheck = { checked: 0, bad: [], notReadOnly: [], other: [], oids: new Set() };
  const odb = path.join(odbRoot, "files", "md5");
  if (!fs.existsSync(odb)) return res;
  for (const d of fs.readdirSync(odb, { withFileTypes: true })) {
    const dirPath = path.join(odb, d.name);
    if (!d.isDirectory() || d.name.length !== 2) {
      res.other.push(path.relative(odbRoot, dirPath));
      continue;
    }
    for (const f of fs.readdirSync(dirPath)) {
      const p = path.join(dirPath, f);
      const oid = d.name + f;
      if (!/^[0-9a-f]{32}(\.dir)?$/.test(oid)) {
        res.other.push(path.relative(odbRoot, p));
        continue;
      }
      res.checked++;
      res.oids.add(oid);
      const st = fs.statSync(p);
      const key = statKey(st);
      if (verified.get(p) !== key) {
        const digest = md5File(p) + (oid.endsWith(".dir") ? ".dir" : "");
        if (digest !== oid) res.bad.push(`${oid} (content hashes to ${digest})`);
        else verified.set(p, key);
      }
      if (opts.requireReadOnly && (st.mode & 0o777) !== 0o444) res.notReadOnly.push(oid);
    }
  }
  return res;
}

/** Temp files left anywhere under `dir` (dvx's `.<name>.<random>.tmp` and `.<random>.tmp`). */
export function tmpFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git") walk(p);
      } else if (/^\..*\.tmp$/.test(e.name)) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Files under a workspace directory: relpath -> md5 (temp files listed apart). */
export function hashTree(dir: string): { files: Map<string, string>; tmp: string[] } {
  const files = new Map<string, string>();
  const tmp: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (/^\..*\.tmp$/.test(e.name)) tmp.push(r);
      else files.set(r, md5File(path.join(dir, r)));
    }
  };
  walk("");
  return { files, tmp };
}

/** Writes `n` files of `size` bytes (deterministic from `seed`) under `dir`; returns relpath -> md5. */
export function writeDataset(dir: string, spec: { files: number; size: number; big?: { count: number; size: number } }, seed: number): Map<string, string> {
  const rand = prng(seed);
  const out = new Map<string, string>();
  fs.mkdirSync(dir, { recursive: true });
  const fill = (size: number): Buffer => {
    const b = randomBytes(size);
    // a seeded prefix makes every generation distinct even if randomBytes were not
    b.writeUInt32LE(Math.floor(rand() * 2 ** 32), 0);
    return b;
  };
  for (let i = 0; i < spec.files; i++) {
    const rel = `part${i % 4}/f${String(i).padStart(4, "0")}.bin`;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    const b = fill(spec.size);
    fs.writeFileSync(path.join(dir, rel), b);
    out.set(rel, md5(b));
  }
  for (let i = 0; i < (spec.big?.count ?? 0); i++) {
    const rel = `big${i}.bin`;
    const b = fill(spec.big!.size);
    fs.writeFileSync(path.join(dir, rel), b);
    out.set(rel, md5(b));
  }
  return out;
}

/** Rewrites a fraction of a dataset's files with new content (and adds/removes one). */
export function mutateDataset(dir: string, current: Map<string, string>, seed: number, fraction = 0.3): Map<string, string> {
  const rand = prng(seed);
  const next = new Map(current);
  for (const [rel] of current) {
    if (rand() < fraction) {
      const b = randomBytes(fs.statSync(path.join(dir, rel)).size);
      fs.writeFileSync(path.join(dir, rel), b);
      next.set(rel, md5(b));
    }
  }
  const added = `added/n${seed}.bin`;
  fs.mkdirSync(path.join(dir, "added"), { recursive: true });
  const b = randomBytes(1000 + Math.floor(rand() * 50_000));
  fs.writeFileSync(path.join(dir, added), b);
  next.set(added, md5(b));
  const victims = [...next.keys()].filter((k) => k.startsWith("added/") && k !== added);
  for (const v of victims) {
    fs.rmSync(path.join(dir, v));
    next.delete(v);
  }
  return next;
}

/** Parses the manifest a `.dvc` file points to from the cache: relpath -> md5. */
export function manifestOf(cacheRoot: string, dirOid: string): Map<string, string> {
  const p = path.join(cacheRoot, "files", "md5", dirOid.slice(0, 2), dirOid.slice(2));
  const entries = JSON.parse(fs.readFileSync(p, "utf8")) as { md5: string; relpath: string }[];
  return new Map(entries.map((e) => [e.relpath, e.md5]));
}

/** The `md5:` of the first out of a `.dvc` file (undefined when absent or unreadable). */
export function dvcFileOid(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const m = /^- md5: ([0-9a-f]{32}(?:\.dir)?)$/m.exec(text);
  return m?.[1];
}

export interface Figures {
  suite: string;
  [k: string]: unknown;
}

/** Prints a suite's figures and appends them to $DVX_RELIABILITY_OUT (JSON lines) when set. */
export function report(fig: Figures): void {
  const line = JSON.stringify({ ...fig, at: new Date().toISOString() });
  console.log(`RELIABILITY ${line}`);
  const out = process.env.DVX_RELIABILITY_OUT;
  if (out) fs.appendFileSync(out, line + "\n");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
