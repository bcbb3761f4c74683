/** Repositories, fake tools and checks shared by the `dvx stamp` suites. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { dvx, REPO_ROOT, sh, tmpDir, tmpRepo, writeTree, type RunResult } from "../../helpers/cli.js";
import { validate, type Schema } from "./jsonSchema.js";

export const SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "docs/stamp.schema.json"), "utf8")) as Schema;

/** A stamp as parsed JSON (kept loose on purpose: the tests check the written shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const md5 = (s: string | Buffer) => createHash("md5").update(s).digest("hex");
export const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

/**
 * Environment for every dvx run of these suites: seed-like variables of the machine running the
 * tests are unset (so `seeds.env` is what a test sets), DVX_IMAGE_DIGEST and DVX_PYTHON too, and
 * PATH has no nvidia-smi unless a test adds its fake one.
 */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) {
    if (/(^|_)SEED(_|$)/i.test(k) || ["PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC", "DVX_IMAGE_DIGEST", "DVX_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX"].includes(k)) {
      env[k] = undefined;
    }
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((d) => d && !fs.existsSync(path.join(d, "nvidia-smi")))
    .join(path.delimiter);
  return { ...env, ...extra };
}

export function run(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  return dvx(args, { cwd: dir, env: baseEnv(env) });
}

export function ok(r: RunResult): RunResult {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

export function git(dir: string, ...args: string[]): string {
  const r = sh("git", args, dir);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

export function commitAll(dir: string, message = "commit"): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Runs `dvx stamp ARGS` and returns the parsed record, schema-checked. */
export function stampJson(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Json {
  const r = ok(run(dir, ["stamp", ...args], env));
  const record = JSON.parse(r.stdout);
  expectValid(record);
  return record;
}

export function expectValid(record: unknown): void {
  expect(validate(SCHEMA, record)).toEqual([]);
}

export function withoutTime(record: Json): Json {
  const { createdAt: _t, ...rest } = record;
  return rest;
}

/** `dvx stamp verify FILE --json` → { code, result }. */
export function verifyJson(dir: string, file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { code: number; result: Json; stderr: string } {
  const r = run(dir, ["stamp", "verify", file, "--json", ...args], env);
  let result: Json;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, result, stderr: r.stderr };
}

export const kinds = (result: Json): string[] => result.differences.map((d: Json) => d.kind);

export interface Fixture {
  dir: string;
  remote: string;
  commit: string;
}

/**
 * A git repository with: `data/` (2 files) and `labels.csv` tracked by `.dvc` files, `out/model.bin`
 * a `dvc.yaml` stage output with its `dvc.lock` entry, package-lock.json and requirements.txt, a
 * local-directory default remote `storage` holding everything (pushed), all committed.
 * Built once per variant and copied (repository and remote) for each test.
 */
export function fixture(opts: { push?: boolean; remote?: boolean } = {}): Fixture {
  const key = `${opts.push !== false}-${opts.remote !== false}`;
  let t = templates.get(key);
  if (!t) templates.set(key, (t = buildFixture(opts)));
  const dir = tmpDir();
  const remote = tmpDir("dvx-stamp-remote-");
  fs.cpSync(t.dir, dir, { recursive: true, preserveTimestamps: true });
  fs.cpSync(t.remote, remote, { recursive: true, preserveTimestamps: true });
  if (opts.remote !== false) {
    const cfg = path.join(dir, ".dvc/config.local");
    fs.writeFileSync(cfg, fs.readFileSync(cfg, "utf8").replace(/url = .*/, `url = ${remote}`));
  }
  return { dir, remote, commit: t.commit };
}

const templates = new Map<string, Fixture>();

function buildFixture(opts: { push?: boolean; remote?: boolean }): Fixture {
  const dir = tmpRepo();
  const remote = tmpDir("dvx-stamp-remote-");
  writeTree(dir, {
    "data/a.txt": "alpha\n",
    "data/b.txt": "bravo\n",
    "labels.csv": "id,label\n1,cat\n",
    "out/model.bin": "weights v1\n",
    "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    outs:\n    - out/model.bin\n",
    "dvc.lock": `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n    - path: out/model.bin\n      hash: md5\n      md5: ${md5("weights v1\n")}\n      size: 11\n`,
    "out/.gitignore": "/model.bin\n",
    "package-lock.json": '{"name":"x","lockfileVersion":3}\n',
    "requirements.txt": "numpy==1.26.4\n",
    "train.py": "print('train')\n",
  });
  ok(run(dir, ["add", "-q", "data", "labels.csv"]));
  ok(run(dir, ["commit", "-q", "-f"]));
  if (opts.remote !== false) {
    // in config.local (not in git), so that a copy of the repository can be pointed at a copy of the remote
    fs.writeFileSync(path.join(dir, ".dvc/config.local"), `[core]\n    remote = storage\n[remote "storage"]\n    url = ${remote}\n`);
    if (opts.push !== false) ok(run(dir, ["push", "-q"]));
  }
  const commit = commitAll(dir, "fixture");
  return { dir, remote, commit };
}

/** A fake `python` (for DVX_PYTHON): `--version` and `-m pip freeze` answers from files beside it. */
export function fakePython(version: string, packages: string[]): { bin: string; set(version: string, packages: string[]): void } {
  const d = tmpDir("dvx-fake-python-");
  const bin = path.join(d, "python");
  const set = (v: string, p: string[]) => {
    fs.writeFileSync(path.join(d, "version"), `Python ${v}\n`);
    fs.writeFileSync(path.join(d, "freeze"), p.map((l) => `${l}\n`).join(""));
  };
  set(version, packages);
  fs.writeFileSync(
    bin,
    `#!/bin/sh\nD="$(dirname "$0")"\nif [ "$1" = "--version" ]; then cat "$D/version"; exit 0; fi\nif [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "freeze" ]; then cat "$D/freeze"; exit 0; fi\necho "fake python: $*" >&2; exit 2\n`,
    { mode: 0o755 },
  );
  return { bin, set };
}

/** A directory holding a fake `nvidia-smi` (put it first on PATH). */
export function fakeNvidiaSmi(driver: string, cuda: string, devices: string[]): { dir: string; set(driver: string, cuda: string, devices: string[]): void } {
  const d = tmpDir("dvx-fake-smi-");
  const set = (drv: string, cu: string, devs: string[]) => {
    fs.writeFileSync(path.join(d, "query"), devs.map((n) => `${n}, ${drv}\n`).join(""));
    fs.writeFileSync(
      path.join(d, "plain"),
      `+-----------------------------------------------------------------------------+\n| NVIDIA-SMI ${drv}    Driver Version: ${drv}    CUDA Version: ${cu}     |\n+-----------------------------------------------------------------------------+\n`,
    );
  };
  set(driver, cuda, devices);
  fs.writeFileSync(
    path.join(d, "nvidia-smi"),
    `#!/bin/sh\nD="$(dirname "$0")"\nif [ -n "$1" ]; then cat "$D/query"; else cat "$D/plain"; fi\n`,
    { mode: 0o755 },
  );
  return { dir: d, set };
}

export function withPath(dir: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${dir}${path.delimiter}${baseEnv().PATH}`, ...env };
}
