/** `dvx stamp`: each part of the record, in real git repositories, checked against docs/stamp.md. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, read, REPO_ROOT, sh, tmpDir, writeTree } from "../../helpers/cli.js";
import { commitAll, expectValid, fakeNvidiaSmi, fakePython, fixture, git, md5, ok, run, sha256, stampJson, withoutTime, withPath, type Json } from "./helpers.js";

const DIR_HASH = (files: Record<string, string>) =>
  md5("[" + Object.keys(files).sort().map((k) => `{"md5": "${md5(files[k]!)}", "relpath": "${k}"}`).join(", ") + "]") + ".dir";

describe("dvx stamp: data", () => {
  it("records every output of .dvc files and dvc.lock with hash, type, size, file count, remote, presence", () => {
    const { dir, remote } = fixture();
    const s = stampJson(dir);
    expect(s.format).toBe("dvx-stamp");
    expect(s.version).toBe(1);
    expect(s.data.targets).toBeNull();
    expect(s.data.defaultRemote).toEqual({ name: "storage", url: remote });
    const storage = { name: "storage", url: remote };
    expect(s.data.outputs).toEqual([
      {
        path: "data", declaredIn: "data.dvc", stage: null, hash: DIR_HASH({ "a.txt": "alpha\n", "b.txt": "bravo\n" }), hashName: "md5",
        size: 12, nfiles: 2, isDir: true, cache: true, push: true, remote: storage, inCache: true, inRemote: "yes",
      },
      {
        path: "labels.csv", declaredIn: "labels.csv.dvc", stage: null, hash: md5("id,label\n1,cat\n"), hashName: "md5",
        size: 15, nfiles: null, isDir: false, cache: true, push: true, remote: storage, inCache: true, inRemote: "yes",
      },
      {
        path: "out/model.bin", declaredIn: "dvc.yaml", stage: "train", hash: md5("weights v1\n"), hashName: "md5",
        size: 11, nfiles: null, isDir: false, cache: true, push: true, remote: storage, inCache: true, inRemote: "yes",
      },
    ]);
  });

  it("the fingerprint is sha256 over sorted 'path NUL hashName NUL hash LF' lines, as docs/stamp.md defines it", () => {
    const { dir } = fixture();
    const s = stampJson(dir);
    const lines = s.data.outputs.map((o: Json) => `${o.path}\0${o.hashName}\0${o.hash ?? ""}\n`).sort();
    expect(s.data.fingerprint).toBe(`sha256:${sha256(lines.join(""))}`);
    // independent of where the outputs are declared: moving nothing but data changes it
    writeTree(dir, { "labels.csv": "id,label\n1,dog\n" });
    ok(run(dir, ["add", "-q", "labels.csv"]));
    const s2 = stampJson(dir);
    expect(s2.data.fingerprint).not.toBe(s.data.fingerprint);
  });

  it("is deterministic: two stamps differ only in createdAt", () => {
    const { dir } = fixture();
    const a = run(dir, ["stamp", "--seed", "1"]).stdout;
    const b = run(dir, ["stamp", "--seed", "1"]).stdout;
    const strip = (t: string) => t.replace(/"createdAt": "[^"]+"/, "");
    expect(strip(a)).toBe(strip(b));
    expect(JSON.parse(a).createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("targets limit the outputs (a path inside a directory selects the directory); the fingerprint covers them only", () => {
    const { dir } = fixture();
    const s = stampJson(dir, ["labels.csv", "data/a.txt"]);
    expect(s.data.targets).toEqual(["data/a.txt", "labels.csv"]);
    expect(s.data.outputs.map((o: Json) => o.path)).toEqual(["data", "labels.csv"]);
    const lines = s.data.outputs.map((o: Json) => `${o.path}\0${o.hashName}\0${o.hash}\n`).sort();
    expect(s.data.fingerprint).toBe(`sha256:${sha256(lines.join(""))}`);
    const bad = run(dir, ["stamp", "nope.txt"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/nope\.txt: not tracked/);
  });

  it("reports data not pushed and data missing from the cache, and warns about both", () => {
    const { dir } = fixture({ push: false });
    fs.rmSync(path.join(dir, ".dvc/cache/files/md5", md5("id,label\n1,cat\n").slice(0, 2)), { recursive: true, force: true });
    const r = ok(run(dir, ["stamp"]));
    const s = JSON.parse(r.stdout);
    const by = Object.fromEntries(s.data.outputs.map((o: Json) => [o.path, o]));
    expect(by["data"]).toMatchObject({ inCache: true, inRemote: "no" });
    expect(by["labels.csv"]).toMatchObject({ inCache: false, inRemote: "no" });
    expect(r.stderr).toContain("WARNING: not in the local cache: labels.csv");
    expect(r.stderr).toMatch(/WARNING: not on the remote yet: data, labels\.csv, out\/model\.bin/);
  });

  it("a directory whose .dir is only on the remote (fresh clone) is on the remote and not in the cache", () => {
    const { dir } = fixture();
    const clone = tmpDir("dvx-stamp-clone-");
    expect(sh("git", ["clone", "-q", dir, clone], dir).code).toBe(0);
    fs.copyFileSync(path.join(dir, ".dvc/config.local"), path.join(clone, ".dvc/config.local"));
    const s = stampJson(clone);
    for (const o of s.data.outputs) expect(o).toMatchObject({ inCache: false, inRemote: "yes" });
  });

  it("an unreachable remote does not fail the stamp: presence 'unknown' with the error", () => {
    const { dir } = fixture();
    ok(run(dir, ["remote", "add", "--local", "-f", "-d", "broken", "webdav://unreachable.invalid/store"]));
    const r = ok(run(dir, ["stamp"]));
    const s = JSON.parse(r.stdout);
    expectValid(s);
    for (const o of s.data.outputs) {
      expect(o.remote).toEqual({ name: "broken", url: "webdav://unreachable.invalid/store" });
      expect(o.inRemote).toBe("unknown");
      expect(o.remoteError).toMatch(/unsupported remote type 'webdav:\/\/'/);
      expect(o.inCache).toBe(true);
    }
    expect(r.stderr).toMatch(/WARNING: remote presence unknown for data, labels\.csv, out\/model\.bin: /);
  });

  it("--no-remote asks no remote; without any remote the remote fields are null", () => {
    const { dir } = fixture();
    const s = stampJson(dir, ["--no-remote"]);
    for (const o of s.data.outputs) expect(o).toMatchObject({ inRemote: "unchecked", inCache: true });
    const bare = fixture({ remote: false });
    const r = ok(run(bare.dir, ["stamp"]));
    const b = JSON.parse(r.stdout);
    expect(b.data.defaultRemote).toBeNull();
    for (const o of b.data.outputs) expect(o).toMatchObject({ remote: null, inRemote: null, inCache: true });
    expect(r.stderr).toMatch(/no remote for data, labels\.csv, out\/model\.bin/);
  });

  it("an output's own remote: wins over the default; remote URLs lose their credentials", () => {
    const { dir } = fixture();
    const other = tmpDir("dvx-stamp-other-");
    ok(run(dir, ["remote", "add", "--local", "other", other]));
    fs.writeFileSync(path.join(dir, "labels.csv.dvc"), read(dir, "labels.csv.dvc").replace("  path: labels.csv\n", "  path: labels.csv\n  remote: other\n"));
    ok(run(dir, ["remote", "add", "--local", "web", "https://user:secret@example.invalid/store"]));
    const s = stampJson(dir, ["--no-remote"]);
    const labels = s.data.outputs.find((o: Json) => o.path === "labels.csv");
    expect(labels.remote).toEqual({ name: "other", url: other });
    ok(run(dir, ["remote", "default", "--local", "web"]));
    const s2 = stampJson(dir, ["--no-remote"]);
    expect(s2.data.defaultRemote).toEqual({ name: "web", url: "https://example.invalid/store" });
    expect(JSON.stringify(s2)).not.toContain("secret");
  });

  it("cache: false outputs are recorded without presence", () => {
    const { dir } = fixture();
    writeTree(dir, { "metrics.json": '{"acc": 1}\n' });
    ok(run(dir, ["add", "-q", "metrics.json"]));
    fs.writeFileSync(path.join(dir, "metrics.json.dvc"), read(dir, "metrics.json.dvc").replace("  path: metrics.json\n", "  path: metrics.json\n  cache: false\n"));
    const s = stampJson(dir);
    expect(s.data.outputs.find((o: Json) => o.path === "metrics.json")).toMatchObject({ cache: false, remote: null, inCache: null, inRemote: null, hash: md5('{"acc": 1}\n') });
  });
});

describe("dvx stamp: code", () => {
  it("records commit and branch of a clean tree", () => {
    const { dir, commit } = fixture();
    const s = stampJson(dir);
    expect(s.code).toEqual({ vcs: "git", commit, branch: "main", dirty: false, changes: [], dirtyDigest: null, origin: null, ignoredPaths: [] });
  });

  it("records uncommitted and untracked paths with git's status and a digest of their contents; warns", () => {
    const { dir, commit } = fixture();
    writeTree(dir, { "train.py": "print('changed')\n", "notes/new.md": "new\n" });
    fs.rmSync(path.join(dir, "requirements.txt"));
    const r = ok(run(dir, ["stamp"]));
    const s = JSON.parse(r.stdout);
    expect(s.code.commit).toBe(commit);
    expect(s.code.dirty).toBe(true);
    expect(s.code.changes).toEqual([
      { path: "notes/new.md", status: "??" },
      { path: "requirements.txt", status: " D" },
      { path: "train.py", status: " M" },
    ]);
    const lines = [`notes/new.md\0${sha256("new\n")}\n`, `requirements.txt\0-\n`, `train.py\0${sha256("print('changed')\n")}\n`];
    expect(s.code.dirtyDigest).toBe(`sha256:${sha256(lines.join(""))}`);
    expect(r.stderr).toMatch(/WARNING: uncommitted changes \(notes\/new\.md, requirements\.txt, train\.py\)/);
  });

  it("ignored files (the data itself) do not make the tree dirty; the -o file is left out and listed", () => {
    const { dir } = fixture();
    const r = ok(run(dir, ["stamp", "-o", "runs/1/stamp.json"]));
    expect(r.stdout).toMatch(/^Stamp written to runs\/1\/stamp\.json: 3 outputs \(data sha256:[0-9a-f]{12}\), commit [0-9a-f]{12} \(main\), clean, 2 lock files\n$/);
    const s = JSON.parse(read(dir, "runs/1/stamp.json"));
    expectValid(s);
    expect(s.code.dirty).toBe(false);
    expect(s.code.ignoredPaths).toEqual(["runs/1/stamp.json"]);
    // written again over itself: still not dirty
    ok(run(dir, ["stamp", "-o", "runs/1/stamp.json"]));
    expect(JSON.parse(read(dir, "runs/1/stamp.json")).code.dirty).toBe(false);
  });

  it("detached HEAD: branch null; origin recorded without credentials", () => {
    const { dir, commit } = fixture();
    git(dir, "remote", "add", "origin", "https://bot:ghp_token@example.invalid/team/project.git");
    git(dir, "checkout", "-q", "--detach", "HEAD");
    const s = stampJson(dir);
    expect(s.code).toMatchObject({ commit, branch: null, origin: "https://example.invalid/team/project.git" });
  });

  it("a repository without commits: commit null, a warning", () => {
    const dir = tmpDir();
    sh("git", ["init", "-q", "-b", "main"], dir);
    ok(dvx(["init", "-q"], { cwd: dir }));
    const r = ok(run(dir, ["stamp"]));
    const s = JSON.parse(r.stdout);
    expect(s.code).toMatchObject({ vcs: "git", commit: null, branch: "main", dirty: true });
    expect(r.stderr).toContain("the repository has no commit yet");
  });

  it("outside git (--no-scm): vcs null, lock files still found", () => {
    const dir = tmpDir();
    ok(dvx(["init", "--no-scm", "-q"], { cwd: dir }));
    writeTree(dir, { "poetry.lock": "# lock\n", "node_modules/x/package-lock.json": "{}", "data/x": "x" });
    ok(run(dir, ["add", "-q", "data"]));
    const s = stampJson(dir);
    expect(s.code).toEqual({ vcs: null, commit: null, branch: null, dirty: null, changes: [], dirtyDigest: null, origin: null, ignoredPaths: [] });
    expect(s.environment.lockFiles.map((l: Json) => l.path)).toEqual(["poetry.lock"]);
  });

  it("a DVC repository in a subdirectory of the git repository: paths relative to it", () => {
    const top = tmpDir();
    sh("git", ["init", "-q", "-b", "main"], top);
    sh("git", ["config", "user.email", "t@dvx.invalid"], top);
    sh("git", ["config", "user.name", "t"], top);
    const dir = path.join(top, "ml");
    fs.mkdirSync(dir);
    ok(dvx(["init", "-q"], { cwd: dir }));
    writeTree(dir, { "requirements.txt": "torch==2.3.0\n", "train.py": "x\n" });
    writeTree(top, { "README.md": "top\n" });
    commitAll(top);
    writeTree(dir, { "train.py": "y\n" });
    writeTree(top, { "README.md": "top changed\n" });
    const s = stampJson(dir);
    expect(s.code.changes).toEqual([{ path: "train.py", status: " M" }]);
    expect(s.environment.lockFiles.map((l: Json) => l.path)).toEqual(["requirements.txt"]);
  });
});

describe("dvx stamp: environment", () => {
  it("records OS, architecture, CPU and Node", () => {
    const { dir } = fixture();
    const s = stampJson(dir);
    expect(s.environment.os.platform).toBe(process.platform);
    expect(s.environment.arch).toBe(process.arch);
    expect(s.environment.node).toBe(process.version);
    expect(s.environment.cpu.count).toBeGreaterThan(0);
    expect(s.environment.python).toBeNull();
    expect(s.environment.image).toBeNull();
  });

  it("hashes every lock or pin file git tracks or would track, and no ignored one", () => {
    const { dir } = fixture();
    const files: Record<string, string> = {
      "package-lock.json": '{"name":"x","lockfileVersion":3}\n',
      "requirements.txt": "numpy==1.26.4\n",
      "requirements-dev.txt": "pytest==8.0.0\n",
      "web/pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
      "web/yarn.lock": "# yarn lockfile v1\n",
      "py/poetry.lock": "# poetry\n",
      "py/uv.lock": "version = 1\n",
      "py/Pipfile.lock": "{}\n",
      "env/environment.yml": "name: train\n",
      "env/conda-lock.yml": "version: 1\n",
      "env/conda-linux-64.lock": "@EXPLICIT\n",
      "npm-shrinkwrap.json": "{}\n",
    };
    writeTree(dir, { ...files, "node_modules/dep/package-lock.json": "{}", ".gitignore": "node_modules/\n", "notes/requirements.md": "not a pin file\n" });
    const s = stampJson(dir);
    const kinds: Record<string, string> = {
      "package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "requirements.txt": "pip-requirements", "requirements-dev.txt": "pip-requirements",
      "web/pnpm-lock.yaml": "pnpm", "web/yarn.lock": "yarn", "py/poetry.lock": "poetry", "py/uv.lock": "uv", "py/Pipfile.lock": "pipenv",
      "env/environment.yml": "conda-environment", "env/conda-lock.yml": "conda-lock", "env/conda-linux-64.lock": "conda-lock",
    };
    const expected = Object.keys(files)
      .sort()
      .map((p) => ({ path: p, kind: kinds[p], sha256: sha256(files[p]!), size: Buffer.byteLength(files[p]!) }));
    expect(s.environment.lockFiles).toEqual(expected);
  });

  it("--python records the interpreter version and pip freeze (list and digest)", () => {
    const { dir } = fixture();
    const py = fakePython("3.11.7", ["numpy==1.26.4", "torch==2.3.0"]);
    const s = stampJson(dir, ["--python"], { DVX_PYTHON: py.bin });
    expect(s.environment.python).toEqual({
      command: py.bin,
      version: "3.11.7",
      packages: ["numpy==1.26.4", "torch==2.3.0"],
      freezeSha256: `sha256:${sha256("numpy==1.26.4\ntorch==2.3.0\n")}`,
    });
  });

  it("--python with an interpreter that cannot run: recorded with the error, not fatal", () => {
    const { dir } = fixture();
    const r = ok(run(dir, ["stamp", "--python"], { DVX_PYTHON: "/nonexistent/python" }));
    const s = JSON.parse(r.stdout);
    expectValid(s);
    expect(s.environment.python).toMatchObject({ command: "/nonexistent/python", version: null, packages: null, freezeSha256: null });
    expect(s.environment.python.error).toMatch(/not found/);
    expect(r.stderr).toMatch(/WARNING: python: /);
  });

  it("--python with the real interpreter, when there is one", () => {
    const probe = sh("python3", ["-m", "pip", "--version"], process.cwd());
    if (probe.code !== 0) return; // no python3 with pip on this machine: the fake-interpreter tests cover the logic
    const { dir } = fixture();
    const s = stampJson(dir, ["--python"]);
    expect(s.environment.python.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Array.isArray(s.environment.python.packages)).toBe(true);
  });

  it("container image digest from --image-digest or DVX_IMAGE_DIGEST; anything else is refused", () => {
    const { dir } = fixture();
    const d = `sha256:${"ab".repeat(32)}`;
    expect(stampJson(dir, ["--image-digest", `ghcr.io/team/train@${d}`]).environment.image).toEqual({ digest: d, reference: "ghcr.io/team/train", source: "flag" });
    expect(stampJson(dir, [], { DVX_IMAGE_DIGEST: d }).environment.image).toEqual({ digest: d, reference: null, source: "env:DVX_IMAGE_DIGEST" });
    const bad = run(dir, ["stamp", "--image-digest", "latest"]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/image digest 'latest'/);
  });

  it("GPU driver, CUDA version and devices from nvidia-smi when present; null otherwise", () => {
    const { dir } = fixture();
    expect(stampJson(dir).environment.gpu).toBeNull();
    const smi = fakeNvidiaSmi("535.104.05", "12.2", ["NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"]);
    const s = stampJson(dir, [], withPath(smi.dir));
    expect(s.environment.gpu).toEqual({ driver: "535.104.05", cuda: "12.2", devices: ["NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"] });
  });
});

describe("dvx stamp: seeds", () => {
  it("records the seeds given and the seed environment variables that are set", () => {
    const { dir } = fixture();
    const s = stampJson(dir, ["--seed", "42", "--seed", "torch=18446744073709551615", "--seed", "np.random=-3"], {
      PYTHONHASHSEED: "0",
      RANDOM_SEED: "7",
      CUBLAS_WORKSPACE_CONFIG: ":4096:8",
      SEEDLING: "not a seed",
      DVX_STAMP_SEED_X: "ignored",
    });
    expect(s.seeds.given).toEqual([
      { name: "seed", value: "42" },
      { name: "torch", value: "18446744073709551615" },
      { name: "np.random", value: "-3" },
    ]);
    expect(s.seeds.env).toEqual({ CUBLAS_WORKSPACE_CONFIG: ":4096:8", PYTHONHASHSEED: "0", RANDOM_SEED: "7" });
  });

  it("refuses seeds that are not integers, duplicates and names that collide", () => {
    const { dir } = fixture();
    for (const [args, msg] of [
      [["--seed", "abc"], /seed 'abc' is not an integer/],
      [["--seed", "1", "--seed", "2"], /seed 'seed' given twice/],
      [["--seed", "a.b=1", "--seed", "a-b=2"], /too alike/],
      [["--seed", "=1"], /seed name ''/],
    ] as Array<[string[], RegExp]>) {
      const r = run(dir, ["stamp", ...args]);
      expect(r.code).toBe(254);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe("dvx stamp: the record", () => {
  it("every part together validates against docs/stamp.schema.json", () => {
    const { dir } = fixture();
    const py = fakePython("3.12.1", ["requests==2.32.0"]);
    const smi = fakeNvidiaSmi("550.54.15", "12.4", ["NVIDIA H100 80GB HBM3"]);
    writeTree(dir, { "train.py": "changed\n" });
    const s = stampJson(dir, ["--python", "--seed", "1", "--image-digest", `sha256:${"0".repeat(64)}`], withPath(smi.dir, { DVX_PYTHON: py.bin, PYTHONHASHSEED: "0" }));
    expect(Object.keys(s)).toEqual(["format", "version", "createdAt", "tool", "data", "code", "environment", "seeds"]);
    expect(s.tool).toEqual({ name: "dvx", version: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version });
    expect(withoutTime(s).environment.gpu.driver).toBe("550.54.15");
  });

  it("dvx stamp --help lists its flags and the verify form", () => {
    const r = dvx(["stamp", "--help"], { cwd: tmpDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("dvx stamp verify FILE");
    for (const f of ["--seed", "--out", "--format", "--python", "--image-digest", "--no-remote", "--ignore"]) expect(r.stdout).toContain(f);
  });
});
