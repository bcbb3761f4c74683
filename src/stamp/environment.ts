/**
 * The environment part of a stamp: platform, Node, lock/pin files, Python and `pip freeze`,
 * container image, GPU driver and CUDA; and the seeds (docs/stamp.md).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { git } from "../repo/git.js";
import { byPath, freezeDigest, sha256Hex } from "./digest.js";
import { envKeyPart } from "./format.js";
import type { StampEnvironment, StampGpu, StampImage, StampLockFile, StampPython, StampSeed, StampSeeds } from "./types.js";

/** Lock and pin files by basename; the first matching rule names the kind. */
const LOCK_RULES: Array<{ kind: string; test: (name: string) => boolean }> = [
  { kind: "npm", test: (n) => n === "package-lock.json" || n === "npm-shrinkwrap.json" },
  { kind: "pnpm", test: (n) => n === "pnpm-lock.yaml" },
  { kind: "yarn", test: (n) => n === "yarn.lock" },
  { kind: "pip-requirements", test: (n) => /^requirements.*\.txt$/.test(n) },
  { kind: "poetry", test: (n) => n === "poetry.lock" },
  { kind: "uv", test: (n) => n === "uv.lock" },
  { kind: "pipenv", test: (n) => n === "Pipfile.lock" },
  { kind: "conda-lock", test: (n) => n === "conda-lock.yml" || n === "conda-lock.yaml" || /\.conda-lock\.ya?ml$/.test(n) || /^conda-.+\.lock$/.test(n) },
  { kind: "conda-environment", test: (n) => n === "environment.yml" || n === "environment.yaml" },
];

export function lockFileKind(name: string): string | undefined {
  return LOCK_RULES.find((r) => r.test(name))?.kind;
}

/** Directories never searched for lock files when git cannot list the files. */
const SKIP_DIRS = new Set([".git", ".dvc", ".hg", "node_modules", ".venv", "venv", "__pycache__", "site-packages", ".tox", ".mypy_cache"]);

/**
 * Repo-relative paths of candidate lock files. In git: the files git tracks or would track
 * (`ls-files --cached --others --exclude-standard`, so ignored directories such as node_modules and
 * the data itself are never read). Without git: a walk that skips SKIP_DIRS and tracked outputs.
 */
function lockFileCandidates(root: string, useGit: boolean, outputPaths: Set<string>): string[] {
  if (useGit) {
    const prefix = git(root, ["rev-parse", "--show-prefix"]);
    const r = git(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", "--", "."]);
    if (r.code === 0 && prefix.code === 0) {
      const pre = prefix.stdout.trim();
      const seen = new Set<string>();
      for (const p of r.stdout.split("\0")) {
        if (!p || !lockFileKind(path.posix.basename(p))) continue;
        seen.add(pre && p.startsWith(pre) ? p.slice(pre.length) : p);
      }
      return [...seen];
    }
  }
  const found: string[] = [];
  const stack = [""];
  while (stack.length) {
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !outputPaths.has(child)) stack.push(child);
      } else if (e.isFile() && lockFileKind(e.name)) {
        found.push(child);
      }
    }
  }
  return found;
}

export function collectLockFiles(root: string, useGit: boolean, outputPaths: Set<string>): StampLockFile[] {
  const out: StampLockFile[] = [];
  for (const rel of lockFileCandidates(root, useGit, outputPaths)) {
    let data: Buffer;
    try {
      const st = fs.statSync(path.join(root, rel));
      if (!st.isFile()) continue;
      data = fs.readFileSync(path.join(root, rel));
    } catch {
      continue; // listed by git but deleted from the work tree
    }
    out.push({ path: rel, kind: lockFileKind(path.posix.basename(rel))!, sha256: sha256Hex(data), size: data.length });
  }
  return out.sort(byPath);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout = 60_000): { ok: boolean; stdout: string; stderr: string; error?: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, timeout, maxBuffer: 64 * 1024 * 1024, windowsHide: true });
  if (r.error) return { ok: false, stdout: "", stderr: "", error: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd}: not found` : r.error.message };
  return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.status === 0 ? {} : { error: `${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").pop() ?? ""}` }) };
}

/** The interpreter to ask: DVX_PYTHON, else the active virtualenv or conda env, else python3, else python. */
export function pythonCandidates(env: NodeJS.ProcessEnv): string[] {
  if (env.DVX_PYTHON) return [env.DVX_PYTHON];
  const bin = process.platform === "win32" ? ["Scripts", "python.exe"] : ["bin", "python"];
  const list: string[] = [];
  for (const prefix of [env.VIRTUAL_ENV, env.CONDA_PREFIX]) {
    if (prefix && fs.existsSync(path.join(prefix, ...bin))) list.push(path.join(prefix, ...bin));
  }
  list.push("python3", "python");
  return list;
}

export function collectPython(env: NodeJS.ProcessEnv): StampPython {
  const candidates = pythonCandidates(env);
  let lastError = "no Python interpreter found";
  for (const cmd of candidates) {
    const v = run(cmd, ["--version"], env);
    if (!v.ok) {
      lastError = v.error ?? lastError;
      continue;
    }
    // Python 2 printed its version on stderr
    const m = /Python\s+(\S+)/.exec(`${v.stdout}\n${v.stderr}`);
    const version = m ? m[1]! : null;
    const f = run(cmd, ["-m", "pip", "freeze"], env);
    if (!f.ok) return { command: cmd, version, packages: null, freezeSha256: null, error: f.error ?? "pip freeze failed" };
    const packages = f.stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    return { command: cmd, version, packages, freezeSha256: freezeDigest(packages) };
  }
  return { command: candidates[candidates.length - 1]!, version: null, packages: null, freezeSha256: null, error: lastError };
}

const DIGEST_RE = /^(?:(\S+)@)?(sha256:[0-9a-f]{64})$/;

/** The container image digest from `--image-digest`, else $DVX_IMAGE_DIGEST; null when neither. */
export function collectImage(flag: string | undefined, env: NodeJS.ProcessEnv): StampImage | null {
  const [value, source] = flag !== undefined ? [flag, "flag"] : env.DVX_IMAGE_DIGEST ? [env.DVX_IMAGE_DIGEST, "env:DVX_IMAGE_DIGEST"] : [undefined, ""];
  if (value === undefined) return null;
  const m = DIGEST_RE.exec(value.trim());
  if (!m) {
    throw new DvxError("USAGE", `image digest '${value}' (${source === "flag" ? "--image-digest" : "DVX_IMAGE_DIGEST"}) is not sha256:<64 hex digits> or NAME@sha256:<64 hex digits>`);
  }
  return { digest: m[2]!, reference: m[1] ?? null, source };
}

/** GPU driver, CUDA version and device names from `nvidia-smi`; null when it is not installed. */
export function collectGpu(env: NodeJS.ProcessEnv): StampGpu | null {
  const q = run("nvidia-smi", ["--query-gpu=name,driver_version", "--format=csv,noheader"], env, 20_000);
  if (q.error?.endsWith(": not found")) return null;
  const devices: string[] = [];
  let driver: string | null = null;
  if (q.ok) {
    for (const line of q.stdout.split(/\r?\n/)) {
      const parts = line.split(",").map((s) => s.trim());
      if (!parts[0]) continue;
      devices.push(parts[0]);
      driver ??= parts[1] || null;
    }
  }
  const plain = run("nvidia-smi", [], env, 20_000);
  const cuda = /CUDA Version:\s*([0-9.]+)/.exec(plain.stdout)?.[1] ?? null;
  driver ??= /Driver Version:\s*([0-9.]+)/.exec(plain.stdout)?.[1] ?? null;
  if (!q.ok && !plain.ok) return null; // present but unusable (no driver loaded)
  return { driver, cuda, devices };
}

export function collectEnvironment(opts: { root: string; useGit: boolean; outputPaths: Set<string>; python: boolean; image: StampImage | null; env: NodeJS.ProcessEnv }): StampEnvironment {
  const cpus = os.cpus();
  return {
    os: { platform: process.platform, type: os.type(), release: os.release() },
    arch: process.arch,
    cpu: { model: (cpus[0]?.model ?? "unknown").trim(), count: cpus.length },
    node: process.version,
    lockFiles: collectLockFiles(opts.root, opts.useGit, opts.outputPaths),
    python: opts.python ? collectPython(opts.env) : null,
    image: opts.image,
    gpu: collectGpu(opts.env),
  };
}

/** Environment variables recorded as seed settings (docs/stamp.md "seeds"). */
const SEED_ENV = new Set(["PYTHONHASHSEED", "PL_GLOBAL_SEED", "CUBLAS_WORKSPACE_CONFIG", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC"]);

export function isSeedEnvName(name: string): boolean {
  if (name.startsWith("DVX_STAMP_")) return false;
  return SEED_ENV.has(name) || /(^|_)SEED(_|$)/i.test(name);
}

/** `N` or `NAME=N` (N a decimal integer, kept as a string so 64-bit seeds survive JSON). */
export function parseSeed(s: string | StampSeed): StampSeed {
  const seed = typeof s === "string" ? (s.includes("=") ? { name: s.slice(0, s.indexOf("=")), value: s.slice(s.indexOf("=") + 1) } : { name: "seed", value: s }) : { name: s.name, value: String(s.value) };
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(seed.name)) throw new DvxError("USAGE", `seed name '${seed.name}' must start with a letter or '_' and hold only letters, digits, '_', '.', '-'`);
  if (!/^-?[0-9]+$/.test(seed.value)) throw new DvxError("USAGE", `seed '${typeof s === "string" ? s : seed.name}' is not an integer (use --seed N or --seed NAME=N)`);
  return seed;
}

export function collectSeeds(given: Array<string | StampSeed>, env: NodeJS.ProcessEnv): StampSeeds {
  const seeds = given.map(parseSeed);
  const names = new Map<string, string>();
  for (const s of seeds) {
    // names must stay distinct as env keys (DVX_STAMP_SEED_<NAME>) too
    const key = envKeyPart(s.name);
    const taken = names.get(key);
    if (taken !== undefined) {
      throw new DvxError("USAGE", taken === s.name ? `seed '${s.name}' given twice${s.name === "seed" ? " (name them: --seed numpy=1 --seed torch=2)" : ""}` : `seed names '${taken}' and '${s.name}' are too alike (both DVX_STAMP_SEED_${key})`);
    }
    names.set(key, s.name);
  }
  const fromEnv: Record<string, string> = {};
  for (const name of Object.keys(env).filter(isSeedEnvName).sort()) {
    const v = env[name];
    if (v !== undefined) fromEnv[name] = v;
  }
  return { given: seeds, env: fromEnv };
}
