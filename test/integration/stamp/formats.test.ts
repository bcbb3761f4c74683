/** `dvx stamp --format env|mlflow`, `-o`, and the library API (`repo.stamp()`, `stamp()`, `verifyStamp()`). */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dataFingerprint, formatStamp, Repo, stamp, verifyStamp } from "../../../src/index.js";
import { read, tmpDir, writeTree } from "../../helpers/cli.js";
import { baseEnv, expectValid, fakePython, fixture, ok, run, stampJson, withoutTime, type Json } from "./helpers.js";

/** `KEY=value` lines as the shell sees them after `set -a; . FILE`. */
function sourced(file: string): Record<string, string> {
  const r = spawnSync("bash", ["-c", `set -a; . "${file}"; env -0`], { encoding: "utf8", env: {} });
  expect(r.status, r.stderr).toBe(0);
  const vars: Record<string, string> = {};
  for (const entry of r.stdout.split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0 && entry.startsWith("DVX_STAMP_")) vars[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return vars;
}

describe("dvx stamp --format env", () => {
  it("prints flat DVX_STAMP_ KEY=value lines that a shell can source, matching the JSON record", () => {
    const { dir, commit } = fixture();
    const py = fakePython("3.11.7", ["numpy==1.26.4"]);
    const env = { DVX_PYTHON: py.bin, PYTHONHASHSEED: "0" };
    const args = ["--python", "--seed", "42", "--seed", "torch=7", "--image-digest", `sha256:${"a".repeat(64)}`];
    const record = stampJson(dir, args, env);
    const r = ok(run(dir, ["stamp", "--format", "env", ...args], env));
    const lines = r.stdout.trimEnd().split("\n");
    for (const l of lines) expect(l).toMatch(/^DVX_STAMP_[A-Z0-9_]+=/);
    const file = path.join(tmpDir(), "stamp.env");
    fs.writeFileSync(file, r.stdout);
    const v = sourced(file);
    expect(Object.keys(v)).toHaveLength(lines.length);
    expect(v).toMatchObject({
      DVX_STAMP_FORMAT: "dvx-stamp",
      DVX_STAMP_VERSION: "1",
      DVX_STAMP_DATA_FINGERPRINT: record.data.fingerprint,
      DVX_STAMP_DATA_OUTPUTS: "3",
      DVX_STAMP_DATA_ALL_IN_CACHE: "true",
      DVX_STAMP_DATA_ALL_IN_REMOTE: "true",
      DVX_STAMP_DATA_0_PATH: "data",
      DVX_STAMP_DATA_0_HASH: record.data.outputs[0].hash,
      DVX_STAMP_DATA_0_NFILES: "2",
      DVX_STAMP_DATA_1_NFILES: "",
      DVX_STAMP_DATA_2_PATH: "out/model.bin",
      DVX_STAMP_DATA_2_IN_REMOTE: "yes",
      DVX_STAMP_GIT_COMMIT: commit,
      DVX_STAMP_GIT_BRANCH: "main",
      DVX_STAMP_GIT_DIRTY: "false",
      DVX_STAMP_NODE: process.version,
      DVX_STAMP_CPU_MODEL: record.environment.cpu.model,
      DVX_STAMP_LOCKFILES: "2",
      DVX_STAMP_LOCKFILE_1_PATH: "requirements.txt",
      DVX_STAMP_LOCKFILE_1_SHA256: record.environment.lockFiles[1].sha256,
      DVX_STAMP_PYTHON_VERSION: "3.11.7",
      DVX_STAMP_PIP_FREEZE_SHA256: record.environment.python.freezeSha256,
      DVX_STAMP_IMAGE_DIGEST: `sha256:${"a".repeat(64)}`,
      DVX_STAMP_SEEDS: "seed=42,torch=7",
      DVX_STAMP_SEED_SEED: "42",
      DVX_STAMP_SEED_TORCH: "7",
      DVX_STAMP_ENV_PYTHONHASHSEED: "0",
    });
  });

  it("quotes values with spaces or shell characters", () => {
    const { dir } = fixture();
    writeTree(dir, { "it's data/x.txt": "x\n" });
    ok(run(dir, ["add", "-q", "it's data"]));
    const r = ok(run(dir, ["stamp", "--format", "env", "it's data"]));
    expect(r.stdout).toContain(`DVX_STAMP_DATA_0_PATH='it'\\''s data'\n`);
    const file = path.join(tmpDir(), "s.env");
    fs.writeFileSync(file, r.stdout);
    expect(sourced(file).DVX_STAMP_DATA_0_PATH).toBe("it's data");
  });

  it("-o writes the chosen format to the file; --json is --format json; contradictions are refused", () => {
    const { dir } = fixture();
    const r = ok(run(dir, ["stamp", "--format", "env", "-o", "stamp.env"]));
    expect(r.stdout).toMatch(/^Stamp written to stamp\.env: /);
    expect(read(dir, "stamp.env")).toMatch(/^DVX_STAMP_FORMAT=dvx-stamp\n/);
    expectValid(JSON.parse(ok(run(dir, ["stamp", "--json"])).stdout));
    expect(run(dir, ["stamp", "--json", "--format", "env"]).code).toBe(254);
    const bad = run(dir, ["stamp", "--format", "yaml"]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/--format must be one of json, env, mlflow/);
    expect(run(dir, ["stamp", "-q", "-o", "quiet.json"]).stdout).toBe("");
  });
});

describe("dvx stamp --format mlflow", () => {
  const MLFLOW_KEY = /^[A-Za-z0-9_\-./ ]{1,250}$/;

  it("prints the tags and params an MLflow / W&B run would log", () => {
    const { dir, commit } = fixture();
    writeTree(dir, { "train.py": "changed\n" });
    const r = ok(run(dir, ["stamp", "--format", "mlflow", "--seed", "42", "--seed", "torch=7"], { PYTHONHASHSEED: "0" }));
    const m = JSON.parse(r.stdout);
    expect(Object.keys(m)).toEqual(["tags", "params"]);
    for (const [k, v] of [...Object.entries(m.tags), ...Object.entries(m.params)]) {
      expect(k).toMatch(MLFLOW_KEY);
      expect(typeof v).toBe("string");
    }
    const record = stampJson(dir);
    expect(m.tags).toMatchObject({
      "mlflow.source.git.commit": commit,
      "mlflow.source.git.branch": "main",
      "dvx.stamp.version": "1",
      "dvx.git.dirty": "true",
      "dvx.git.dirty_paths": "train.py",
      "dvx.data.fingerprint": record.data.fingerprint,
      "dvx.data.all_in_remote": "true",
      "dvx.data.data": `md5:${record.data.outputs[0].hash}`,
      "dvx.data.out/model.bin": `md5:${record.data.outputs[2].hash}`,
      "dvx.lock.requirements.txt": `sha256:${record.environment.lockFiles[1].sha256}`,
      "dvx.env.node": process.version,
    });
    expect(m.tags["mlflow.source.git.repoURL"]).toBeUndefined();
    expect(m.params).toEqual({ "data.fingerprint": record.data.fingerprint, seed: "42", "seed.torch": "7", "env.PYTHONHASHSEED": "0" });
  });
});

describe("library: repo.stamp(), stamp(), verifyStamp()", () => {
  it("repo.stamp() gives the record the CLI writes; verifyStamp() takes a record or its JSON text", async () => {
    const { dir } = fixture();
    const env = baseEnv();
    const cli = stampJson(dir, ["--seed", "5"]);
    const repo = Repo.open(dir);
    try {
      const rec = await repo.stamp(undefined, { seeds: ["5"], env });
      expectValid(JSON.parse(JSON.stringify(rec)));
      expect(withoutTime(rec)).toEqual(withoutTime(cli));
      expect(dataFingerprint(rec.data.outputs)).toBe(rec.data.fingerprint);
      const fixed = await repo.stamp(["labels.csv"], { cwd: dir, env, now: new Date("2030-01-02T03:04:05Z"), remote: false });
      expect(fixed.createdAt).toBe("2030-01-02T03:04:05.000Z");
      expect(fixed.data.outputs.map((o) => o.path)).toEqual(["labels.csv"]);
      expect(formatStamp(fixed, "env")).toContain("DVX_STAMP_CREATED_AT=2030-01-02T03:04:05.000Z\n");

      const clean = await verifyStamp(repo, rec, { env });
      expect(clean.ok).toBe(true);
      expect(clean.current.data.fingerprint).toBe(rec.data.fingerprint);
      fs.chmodSync(path.join(dir, "labels.csv"), 0o644);
      writeTree(dir, { "labels.csv": "id,label\n2,owl\n" });
      const drift = await verifyStamp(dir, JSON.stringify(rec), { env });
      expect(drift.ok).toBe(false);
      expect(drift.differences.map((d) => [d.kind, d.path])).toEqual([["data.workspace", "labels.csv"]]);
    } finally {
      repo.close();
    }
    const viaDir = await stamp(dir, { targets: ["data"], cwd: dir, env, remote: false });
    expect(viaDir.data.targets).toEqual(["data"]);
    await expect(verifyStamp(dir, "{}", {})).rejects.toMatchObject({ code: "MALFORMED_FILE" });
    await expect(verifyStamp(dir, cli, { ignore: ["nope"] })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("python: true with DVX_PYTHON in the given env", async () => {
    const { dir } = fixture();
    const py = fakePython("3.10.14", ["a==1"]);
    const rec = await stamp(dir, { python: true, remote: false, env: baseEnv({ DVX_PYTHON: py.bin }) });
    expect(rec.environment.python).toMatchObject({ version: "3.10.14", packages: ["a==1"] });
  });
});

export type { Json };
