/** `dvx stamp verify`: quiet when nothing changed, and each kind of drift detected on its own. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { read, sh, tmpDir, writeTree } from "../../helpers/cli.js";
import { commitAll, fakeNvidiaSmi, fakePython, fixture, git, kinds, md5, ok, run, verifyJson, withPath, type Json } from "./helpers.js";

/** A fixture with a stamp written to runs/stamp.json (inside the repo, not committed). */
function stamped(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const f = fixture();
  ok(run(f.dir, ["stamp", "-q", "-o", "runs/stamp.json", ...args], env));
  return { ...f, file: "runs/stamp.json" };
}

function editStamp(dir: string, file: string, fn: (s: Json) => void): void {
  const s = JSON.parse(read(dir, file));
  fn(s);
  fs.writeFileSync(path.join(dir, file), JSON.stringify(s, null, 2) + "\n");
}

describe("dvx stamp verify: nothing changed", () => {
  it("exits 0 and lists no difference, in text and in JSON", () => {
    const { dir, file } = stamped(["--seed", "42"]);
    const text = run(dir, ["stamp", "verify", file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^No drift: the repository matches stamp runs\/stamp\.json \(created .*Z, commit [0-9a-f]{12}\)\.\n/);
    expect(text.stdout).toContain("note: seeds of the run: seed=42");
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(0);
    expect(result).toMatchObject({ file, ok: true, differences: [], ignored: 0 });
    expect(result.current).toBeUndefined();
  });

  it("stays quiet after the stamp is committed (HEAD differs from the stamp's commit only by the stamp file)", () => {
    const { dir, file, commit } = stamped();
    const head = commitAll(dir, "add the stamp");
    expect(head).not.toBe(commit);
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(0);
    expect(result.notes.map((n: Json) => n.message).join("\n")).toMatch(/descends from the stamp's commit .* only in the stamp file/);
  });

  it("stays quiet when the stamp is verified from outside the repository", () => {
    const { dir, file } = stamped();
    const outside = path.join(tmpDir(), "stamp.json");
    fs.renameSync(path.join(dir, file), outside);
    expect(verifyJson(dir, outside).code).toBe(0);
  });

  it("round trip: a fresh clone lacks the data until dvx pull; then no drift", () => {
    const { dir, file } = stamped(["--seed", "7"]);
    commitAll(dir, "stamp");
    const clone = tmpDir("dvx-stamp-clone-");
    expect(sh("git", ["clone", "-q", dir, clone], dir).code).toBe(0);
    fs.copyFileSync(path.join(dir, ".dvc/config.local"), path.join(clone, ".dvc/config.local"));
    const before = verifyJson(clone, file);
    expect(before.code).toBe(1);
    expect(new Set(kinds(before.result))).toEqual(new Set(["data.cache"]));
    ok(run(clone, ["pull", "-q"]));
    const after = verifyJson(clone, file);
    expect(after.code).toBe(0);
    expect(after.result.differences).toEqual([]);
  });
});

describe("dvx stamp verify: data drift", () => {
  it("data.changed: a pointer records another hash", () => {
    const { dir, file } = stamped();
    writeTree(dir, { "labels.csv": "id,label\n1,dog\n" });
    ok(run(dir, ["add", "-q", "labels.csv"]));
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(1);
    const d = result.differences.find((x: Json) => x.kind === "data.changed");
    expect(d).toMatchObject({ path: "labels.csv", expected: `md5:${md5("id,label\n1,cat\n")}`, actual: `md5:${md5("id,label\n1,dog\n")}` });
    // the .dvc change also makes the tree dirty: both are listed
    expect(kinds(result).sort()).toEqual(["code.dirty", "data.changed"]);
  });

  it("data.removed and data.added", () => {
    const { dir, file } = stamped();
    ok(run(dir, ["remove", "-q", "labels.csv.dvc"]));
    writeTree(dir, { "extra.csv": "x\n" });
    ok(run(dir, ["add", "-q", "extra.csv"]));
    const { result } = verifyJson(dir, file, ["--ignore", "code"]);
    expect(result.differences.map((d: Json) => [d.kind, d.path])).toEqual([
      ["data.removed", "labels.csv"],
      ["data.added", "extra.csv"],
    ]);
  });

  it("data.removed for a target of the stamp that is no longer tracked", () => {
    const f = fixture();
    ok(run(f.dir, ["stamp", "-q", "-o", "s.json", "labels.csv"]));
    ok(run(f.dir, ["remove", "-q", "labels.csv.dvc"]));
    const { code, result } = verifyJson(f.dir, "s.json", ["--ignore", "code"]);
    expect(code).toBe(1);
    expect(result.differences.map((d: Json) => [d.kind, d.path])).toEqual([["data.removed", "labels.csv"]]);
  });

  it("data.workspace: tracked data modified or deleted in the workspace", () => {
    const { dir, file } = stamped();
    fs.chmodSync(path.join(dir, "data/a.txt"), 0o644);
    writeTree(dir, { "data/a.txt": "changed\n" });
    fs.rmSync(path.join(dir, "out/model.bin"));
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(1);
    expect(result.differences.map((d: Json) => [d.kind, d.path, d.actual])).toEqual([
      ["data.workspace", "data", "modified"],
      ["data.workspace", "out/model.bin", "deleted"],
    ]);
  });

  it("data.cache: objects gone from the local cache", () => {
    const { dir, file } = stamped();
    fs.rmSync(path.join(dir, ".dvc/cache"), { recursive: true, force: true });
    const { result } = verifyJson(dir, file, ["--ignore", "data.workspace"]);
    expect(result.differences.map((d: Json) => [d.kind, d.path])).toEqual([
      ["data.cache", "data"],
      ["data.cache", "labels.csv"],
      ["data.cache", "out/model.bin"],
    ]);
  });

  it("data.remote: objects gone from the remote, and a remote that cannot be asked", () => {
    const { dir, file, remote } = stamped();
    fs.rmSync(path.join(remote, "files/md5", md5("id,label\n1,cat\n").slice(0, 2)), { recursive: true, force: true });
    const gone = verifyJson(dir, file);
    expect(gone.code).toBe(1);
    expect(gone.result.differences.map((d: Json) => [d.kind, d.path, d.actual])).toEqual([["data.remote", "labels.csv", "no"]]);
    fs.writeFileSync(path.join(dir, ".dvc/config.local"), read(dir, ".dvc/config.local").replace(/url = .*/, "url = webdav://unreachable.invalid/x"));
    const unknown = verifyJson(dir, file);
    expect(unknown.result.differences.every((d: Json) => d.kind === "data.remote" && d.actual === "unknown")).toBe(true);
    expect(unknown.result.differences).toHaveLength(3);
    expect(unknown.result.notes.map((n: Json) => n.message).join("\n")).toMatch(/remote URL was .*, is now webdav:\/\/unreachable\.invalid\/x/);
    // --ignore data.remote does not ask the remote at all
    const skipped = verifyJson(dir, file, ["--ignore", "data.remote"]);
    expect(skipped.code).toBe(0);
    expect(skipped.result.ignored).toBe(0);
  });
});

describe("dvx stamp verify: code drift", () => {
  it("code.commit: HEAD moved on", () => {
    const { dir, file, commit } = stamped();
    writeTree(dir, { "train.py": "print('v2')\n" });
    const head = commitAll(dir, "v2");
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(1);
    expect(result.differences).toEqual([{ kind: "code.commit", expected: commit, actual: head, message: `HEAD is ${head}, the stamp was made at ${commit}` }]);
  });

  it("code.commit: the stamp's commit is not in this clone", () => {
    const { dir, file } = stamped();
    editStamp(dir, file, (s) => (s.code.commit = "f".repeat(40)));
    const { result } = verifyJson(dir, file);
    expect(result.differences[0].message).toMatch(/not in this clone/);
  });

  it("code.dirty: uncommitted changes now", () => {
    const { dir, file } = stamped();
    writeTree(dir, { "train.py": "print('hack')\n", "scratch.py": "x\n" });
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(1);
    expect(result.differences).toEqual([
      { kind: "code.dirty", expected: [], actual: ["scratch.py", "train.py"], message: "uncommitted changes: scratch.py (??), train.py (M)" },
    ]);
  });

  it("a stamp taken on a dirty tree: the same changes verify clean, other or no changes are drift", () => {
    const f = fixture();
    const file = path.join(tmpDir(), "s.json");
    writeTree(f.dir, { "train.py": "print('experiment')\n" });
    ok(run(f.dir, ["stamp", "-q", "-o", file]));
    const same = verifyJson(f.dir, file);
    expect(same.code).toBe(0);
    expect(same.result.notes.map((n: Json) => n.message).join("\n")).toMatch(/taken with uncommitted changes \(train\.py\); the same changes are present now/);
    writeTree(f.dir, { "train.py": "print('experiment 2')\n" });
    const other = verifyJson(f.dir, file);
    expect(other.code).toBe(1);
    expect(other.result.differences[0]).toMatchObject({ kind: "code.dirty", message: expect.stringMatching(/uncommitted changes now differ \(train\.py\)/) });
    git(f.dir, "checkout", "--", "train.py");
    const none = verifyJson(f.dir, file);
    expect(none.result.differences[0]).toMatchObject({ kind: "code.dirty", message: expect.stringMatching(/they are not present now/) });
  });
});

describe("dvx stamp verify: environment drift", () => {
  it("env.lockfile: changed, removed and new lock files", () => {
    const { dir, file } = stamped();
    writeTree(dir, { "requirements.txt": "numpy==2.0.0\n", "uv.lock": "version = 1\n" });
    fs.rmSync(path.join(dir, "package-lock.json"));
    commitAll(dir, "deps");
    const { code, result } = verifyJson(dir, file, ["--ignore", "code"]);
    expect(code).toBe(1);
    expect(result.differences.map((d: Json) => [d.kind, d.path, d.message.replace(/[0-9a-f]{12}/g, "H")])).toEqual([
      ["env.lockfile", "package-lock.json", "package-lock.json: lock file removed"],
      ["env.lockfile", "requirements.txt", "requirements.txt: changed (sha256 H -> H)"],
      ["env.lockfile", "uv.lock", "uv.lock: new lock file, not in the stamp"],
    ]);
    expect(result.ignored).toBe(1);
  });

  it("env.node and env.platform: another Node version, OS or architecture", () => {
    const { dir, file } = stamped();
    editStamp(dir, file, (s) => {
      s.environment.node = "v18.0.0";
      s.environment.arch = "riscv64";
    });
    const { result } = verifyJson(dir, file);
    expect(result.differences.map((d: Json) => [d.kind, d.expected, d.actual])).toEqual([
      ["env.node", "v18.0.0", process.version],
      ["env.platform", `${process.platform}-riscv64`, `${process.platform}-${process.arch}`],
    ]);
  });

  it("env.python and env.pip: interpreter version and installed packages", () => {
    const py = fakePython("3.11.7", ["numpy==1.26.4", "pandas==2.2.0", "torch==2.3.0"]);
    const { dir, file } = stamped(["--python"], { DVX_PYTHON: py.bin });
    expect(verifyJson(dir, file, [], { DVX_PYTHON: py.bin }).code).toBe(0);
    py.set("3.12.1", ["numpy==2.0.0", "torch==2.3.0", "Scikit_Learn==1.5.0"]);
    const { code, result } = verifyJson(dir, file, [], { DVX_PYTHON: py.bin });
    expect(code).toBe(1);
    expect(result.differences.map((d: Json) => [d.kind, d.message])).toEqual([
      ["env.python", "Python 3.12.1, the stamp has 3.11.7"],
      ["env.pip", "pip freeze differs: numpy==1.26.4 -> numpy==2.0.0, +Scikit_Learn==1.5.0, -pandas==2.2.0"],
    ]);
    const gone = verifyJson(dir, file, [], { DVX_PYTHON: "/nonexistent/python" });
    expect(gone.result.differences[0]).toMatchObject({ kind: "env.python", actual: null });
  });

  it("env.gpu: driver or CUDA version changed, or the GPU is gone", () => {
    const smi = fakeNvidiaSmi("535.104.05", "12.2", ["NVIDIA A100-SXM4-40GB"]);
    const { dir, file } = stamped([], withPath(smi.dir));
    expect(verifyJson(dir, file, [], withPath(smi.dir)).code).toBe(0);
    smi.set("550.54.15", "12.4", ["NVIDIA A100-SXM4-40GB"]);
    const changed = verifyJson(dir, file, [], withPath(smi.dir));
    expect(changed.result.differences.map((d: Json) => d.message)).toEqual([
      "GPU: driver 550.54.15, CUDA 12.4, NVIDIA A100-SXM4-40GB; the stamp has driver 535.104.05, CUDA 12.2, NVIDIA A100-SXM4-40GB",
    ]);
    const none = verifyJson(dir, file);
    expect(none.result.differences[0]).toMatchObject({ kind: "env.gpu", actual: null });
  });

  it("env.image: another container image digest; unknown now is a note", () => {
    const d1 = `sha256:${"1".repeat(64)}`;
    const d2 = `sha256:${"2".repeat(64)}`;
    const { dir, file } = stamped([], { DVX_IMAGE_DIGEST: d1 });
    expect(verifyJson(dir, file, [], { DVX_IMAGE_DIGEST: d1 }).code).toBe(0);
    const other = verifyJson(dir, file, ["--image-digest", d2]);
    expect(other.result.differences).toEqual([{ kind: "env.image", expected: d1, actual: d2, message: `image ${d2}, the stamp has ${d1}` }]);
    const unknown = verifyJson(dir, file);
    expect(unknown.code).toBe(0);
    expect(unknown.result.notes.map((n: Json) => n.message).join("\n")).toMatch(/the current one is unknown/);
  });

  it("seed environment variables that differ are notes, never drift", () => {
    const { dir, file } = stamped(["--seed", "3"], { PYTHONHASHSEED: "0" });
    const { code, result } = verifyJson(dir, file, [], { PYTHONHASHSEED: "1" });
    expect(code).toBe(0);
    expect(result.notes.map((n: Json) => n.message)).toEqual(["PYTHONHASHSEED is '1' now, was '0' in the stamp", "seeds of the run: seed=3"]);
  });
});

describe("dvx stamp verify: options and errors", () => {
  it("--ignore leaves out kinds or groups and counts them; unknown kinds are refused", () => {
    const { dir, file } = stamped();
    writeTree(dir, { "train.py": "x\n", "requirements.txt": "numpy==2.0.0\n" });
    expect(kinds(verifyJson(dir, file).result)).toEqual(["code.dirty", "env.lockfile"]);
    const some = verifyJson(dir, file, ["--ignore", "env.lockfile"]);
    expect(kinds(some.result)).toEqual(["code.dirty"]);
    const all = verifyJson(dir, file, ["--ignore", "code", "--ignore", "env"]);
    expect(all.code).toBe(0);
    expect(all.result.ignored).toBe(2);
    const text = run(dir, ["stamp", "verify", file, "--ignore", "code"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Drift: 1 difference from stamp runs\/stamp\.json .*:\n  env\.lockfile  requirements\.txt: changed .*\n\(1 difference ignored by --ignore\)\n/);
    const bad = run(dir, ["stamp", "verify", file, "--ignore", "data.bogus"]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/unknown drift kind 'data\.bogus'/);
  });

  it("refuses stamps that are not stamps, newer versions, missing files and misplaced flags", () => {
    const { dir } = stamped();
    writeTree(dir, { "env.txt": "DVX_STAMP_VERSION=1\n", "other.json": '{"format": "something"}\n', "v9.json": JSON.stringify({ format: "dvx-stamp", version: 9 }) });
    const cases: Array<[string[], number, RegExp]> = [
      [["stamp", "verify", "env.txt"], 1, /env\.txt: not a valid dvx stamp: .*write one with --format json/],
      [["stamp", "verify", "other.json"], 1, /other\.json: not a valid dvx stamp: "format" is "something"/],
      [["stamp", "verify", "v9.json"], 1, /version 9 is newer than this dvx understands \(1\)/],
      [["stamp", "verify", "missing.json"], 1, /missing\.json: cannot read the stamp \(ENOENT\)/],
      [["stamp", "verify"], 254, /verify needs the stamp file/],
      [["stamp", "verify", "a", "b"], 254, /verify takes one stamp file, got 2/],
      [["stamp", "verify", "runs/stamp.json", "--seed", "1"], 254, /--seed does not apply to 'dvx stamp verify'/],
      [["stamp", "--ignore", "env"], 254, /--ignore does not apply to 'dvx stamp'/],
    ];
    for (const [args, code, msg] of cases) {
      const r = run(dir, args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(msg);
    }
    const j = run(dir, ["stamp", "verify", "other.json", "--json"]);
    expect(JSON.parse(j.stdout).error.code).toBe("MALFORMED_FILE");
  });

  it("a stamp edited by hand (fingerprint does not match its outputs) gets a note", () => {
    const { dir, file } = stamped();
    editStamp(dir, file, (s) => (s.data.fingerprint = `sha256:${"0".repeat(64)}`));
    const { code, result } = verifyJson(dir, file);
    expect(code).toBe(0);
    expect(result.notes.map((n: Json) => n.message).join("\n")).toMatch(/does not match its own list of outputs/);
  });
});
