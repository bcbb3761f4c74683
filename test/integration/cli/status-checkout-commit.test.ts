import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { age, dvx, read, tmpRepo, writeTree } from "../../helpers/cli.js";

function json(r: { stdout: string }) {
  return JSON.parse(r.stdout);
}

describe("dvx status", () => {
  it("is {} when clean and reports modified, deleted, not in cache in DVC's shape", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/foo": "foo", "data/bar": "bar", file: "x" });
    expect(dvx(["add", "data", "file"], { cwd: dir }).code).toBe(0);
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
    expect(dvx(["status"], { cwd: dir }).stdout).toBe("Data and pipelines are up to date.\n");

    writeTree(dir, { "data/foo": "changed" });
    fs.rmSync(path.join(dir, "file"));
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({
      "data.dvc": [{ "changed outs": { data: "modified" } }],
      "file.dvc": [{ "changed outs": { file: "deleted" } }],
    });
    const text = dvx(["status"], { cwd: dir }).stdout;
    expect(text).toBe("data.dvc:\n\tchanged outs:\n\t\tmodified:           data\nfile.dvc:\n\tchanged outs:\n\t\tdeleted:            file\n");

    fs.rmSync(path.join(dir, ".dvc/cache"), { recursive: true, force: true });
    expect(json(dvx(["status", "--json", "file.dvc"], { cwd: dir }))).toEqual({ "file.dvc": [{ "changed outs": { file: "not in cache" } }] });
  });

  it("paths are relative to the current directory", () => {
    const dir = tmpRepo();
    writeTree(dir, { "sub/f": "f" });
    dvx(["add", "sub/f"], { cwd: dir });
    writeTree(dir, { "sub/f": "g" });
    expect(json(dvx(["status", "--json"], { cwd: path.join(dir, "sub") }))).toEqual({ "f.dvc": [{ "changed outs": { f: "modified" } }] });
  });
});

describe("dvx status: the remembered proof that the cache holds a directory", () => {
  const HOUR_AGO = new Date(Date.now() - 3600_000);
  /**
   * Every object directory's mtime set to `when`: an hour ago is out of the racy window, so status
   * may record its proof; a time not yet passed is always inside it.
   */
  function setCacheTimes(dir: string, when: Date): void {
    const odb = path.join(dir, ".dvc/cache/files/md5");
    for (const name of fs.readdirSync(odb)) fs.utimesSync(path.join(odb, name), when, when);
    fs.utimesSync(odb, when, when);
  }
  function dirObject(dir: string): string {
    const md5 = /md5: ([0-9a-f]{32})\.dir/.exec(read(dir, "data.dvc"))![1]!;
    return path.join(dir, ".dvc/cache/files/md5", md5.slice(0, 2), `${md5.slice(2)}.dir`);
  }

  it("is reused while the cache's membership is unchanged, and dropped when an object goes", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/a": "a", "data/b": "b", "data/sub/c": "c" });
    expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
    setCacheTimes(dir, HOUR_AGO);
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({}); // proves and records
    // Rewriting the manifest in place changes no directory: only a remembered proof can still
    // call the output cached (a corrupt manifest otherwise counts as missing).
    const manifest = dirObject(dir);
    const bytes = fs.readFileSync(manifest);
    fs.chmodSync(manifest, 0o644);
    fs.writeFileSync(manifest, "garbage");
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
    fs.writeFileSync(manifest, bytes);

    // Deleting one file's object (as `dvc gc` or a user would) moves its prefix directory's mtime.
    const objA = path.join(dir, ".dvc/cache/files/md5/0c/c175b9c0f1b6a831c399e269772661");
    expect(fs.existsSync(objA)).toBe(true);
    fs.rmSync(objA);
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({ "data.dvc": [{ "changed outs": { data: "not in cache" } }] });
  });

  it("is recorded by an add of 1,000 files or more (after waiting out the racy window), not of fewer", () => {
    for (const [n, recorded] of [[1200, true], [50, false]] as const) {
      const dir = tmpRepo();
      const files: Record<string, string> = {};
      for (let i = 0; i < n; i++) files[`data/d${i % 10}/f${i}`] = `${i}\n`;
      writeTree(dir, files);
      expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
      // a manifest rewritten in place is only passed over when a recorded proof is used
      const manifest = dirObject(dir);
      fs.chmodSync(manifest, 0o644);
      fs.writeFileSync(manifest, "garbage");
      expect(json(dvx(["status", "--json"], { cwd: dir })), `${n} files`).toEqual(recorded ? {} : { "data.dvc": [{ "changed outs": { data: "not in cache" } }] });
    }
  });

  it("is not recorded while the cache was just modified (racy), so a later change is always seen", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/a": "a", "data/b": "b" });
    expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
    setCacheTimes(dir, new Date(Date.now() + 3600_000));
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({}); // racy: nothing recorded
    const manifest = dirObject(dir);
    fs.chmodSync(manifest, 0o644);
    fs.writeFileSync(manifest, "garbage");
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({ "data.dvc": [{ "changed outs": { data: "not in cache" } }] });
  });
});

describe("dvx checkout", () => {
  it("restores deleted files and directories from the cache, keeps the exec bit", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/a": "a", "data/sub/b": "b", "run.sh": "#!/bin/sh\n" });
    fs.chmodSync(path.join(dir, "run.sh"), 0o755);
    expect(dvx(["add", "data", "run.sh"], { cwd: dir }).code).toBe(0);
    fs.rmSync(path.join(dir, "data"), { recursive: true });
    fs.rmSync(path.join(dir, "run.sh"));
    const r = dvx(["checkout"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    // DVC's lines: directories with a trailing "/", paths relative to the working directory
    expect(r.stdout).toBe("A       data/\nA       run.sh\n2 outputs added (3 files written)\n");
    expect(read(dir, "data/sub/b")).toBe("b");
    fs.rmSync(path.join(dir, "run.sh"));
    fs.mkdirSync(path.join(dir, "elsewhere"));
    expect(dvx(["checkout"], { cwd: path.join(dir, "elsewhere") }).stdout).toBe("A       ../run.sh\n1 output added (1 file written)\n");
    // one file restored into a directory that kept the others: DVC reports the output modified
    fs.rmSync(path.join(dir, "data/a"));
    expect(dvx(["checkout"], { cwd: dir }).stdout).toBe("M       data/\n1 output modified (1 file written)\n");
    expect(read(dir, "run.sh")).toBe("#!/bin/sh\n");
    expect(fs.statSync(path.join(dir, "run.sh")).mode & 0o100).toBe(0o100);
    // copies are writable workspace files, not the read-only cache objects
    expect(fs.statSync(path.join(dir, "data/a")).mode & 0o200).toBe(0o200);
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
  });

  it("refuses to overwrite local changes that are not in the cache unless --force", () => {
    const dir = tmpRepo();
    writeTree(dir, { f: "v1" });
    dvx(["add", "f"], { cwd: dir });
    writeTree(dir, { f: "local edit" });
    const r = dvx(["checkout", "f"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/f: has local changes .* use --force/);
    expect(read(dir, "f")).toBe("local edit");
    expect(dvx(["checkout", "--force", "f"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "f")).toBe("v1");
  });

  it("removes files added inside a tracked directory only when their content is cached, and never touches untracked files elsewhere", () => {
    const dir = tmpRepo();
    writeTree(dir, { "d/a": "a", untracked: "keep me" });
    dvx(["add", "d"], { cwd: dir });
    writeTree(dir, { "d/extra": "new stuff" });
    expect(dvx(["checkout", "d"], { cwd: dir }).code).toBe(1);
    expect(fs.existsSync(path.join(dir, "d/extra"))).toBe(true);
    expect(dvx(["checkout", "-f", "d"], { cwd: dir }).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "d/extra"))).toBe(false);
    expect(read(dir, "untracked")).toBe("keep me");
  });

  it("a path inside a tracked directory checks out only that file", () => {
    const dir = tmpRepo();
    writeTree(dir, { "d/a": "a", "d/b": "b" });
    dvx(["add", "d"], { cwd: dir });
    fs.rmSync(path.join(dir, "d"), { recursive: true });
    expect(dvx(["checkout", "d/b"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "d/b")).toBe("b");
    expect(fs.existsSync(path.join(dir, "d/a"))).toBe(false);
  });

  it("fails with a non-zero exit when objects are missing from the cache", () => {
    const dir = tmpRepo();
    writeTree(dir, { f: "x" });
    dvx(["add", "f"], { cwd: dir });
    fs.rmSync(path.join(dir, "f"));
    fs.rmSync(path.join(dir, ".dvc/cache"), { recursive: true, force: true });
    const r = dvx(["checkout"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Checkout failed/);
  });

  for (const type of ["hardlink", "symlink", "copy"]) {
    it(`cache.type=${type}`, () => {
      const dir = tmpRepo();
      expect(dvx(["config", "cache.type", type], { cwd: dir }).code).toBe(0);
      writeTree(dir, { "d/a": "a" });
      dvx(["add", "d"], { cwd: dir });
      fs.rmSync(path.join(dir, "d"), { recursive: true, force: true });
      expect(dvx(["checkout"], { cwd: dir }).code).toBe(0);
      const p = path.join(dir, "d/a");
      expect(fs.readFileSync(p, "utf8")).toBe("a");
      const obj = path.join(dir, ".dvc/cache/files/md5/0c/c175b9c0f1b6a831c399e269772661");
      if (type === "symlink") expect(fs.readlinkSync(p)).toBe(obj);
      if (type === "hardlink") expect(fs.statSync(p).ino).toBe(fs.statSync(obj).ino);
      if (type === "copy") expect(fs.statSync(p).ino).not.toBe(fs.statSync(obj).ino);
      expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
    });
  }
});

describe("dvx status: pipeline stages", () => {
  it("reports changed deps as DVC does, hashing 2.x deps (no hash: key) with md5-dos2unix", () => {
    const dir = tmpRepo();
    writeTree(dir, {
      "in.txt": "in",
      "legacy.txt": "a\r\n",
      "out.txt": "out",
      "dvc.yaml": "stages:\n  s:\n    cmd: make\n    deps:\n    - in.txt\n    - legacy.txt\n    outs:\n    - out.txt\n",
      "dvc.lock":
        "schema: '2.0'\nstages:\n  s:\n    cmd: make\n    deps:\n    - path: in.txt\n      hash: md5\n      md5: 13b5bfe96f3e2fe411c9f66f4a582adf\n      size: 2\n" +
        "    - path: legacy.txt\n      md5: 60b725f10c9c85c70d97880dfe8191b3\n      size: 3\n" +
        "    outs:\n    - path: out.txt\n      hash: md5\n      md5: c68271a63ddbc431c307beb7d2918275\n      size: 3\n",
    });
    expect(dvx(["commit"], { cwd: dir }).code).toBe(0); // stores out.txt; nothing to rewrite
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
    writeTree(dir, { "in.txt": "changed" });
    fs.rmSync(path.join(dir, "legacy.txt"));
    writeTree(dir, { "out.txt": "changed" });
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({
      s: [{ "changed deps": { "in.txt": "modified", "legacy.txt": "deleted" } }, { "changed outs": { "out.txt": "modified" } }],
    });
    expect(dvx(["status"], { cwd: dir }).stdout).toBe(
      "s:\n\tchanged deps:\n\t\tmodified:           in.txt\n\t\tdeleted:            legacy.txt\n\tchanged outs:\n\t\tmodified:           out.txt\n",
    );
  });
});

describe("dvx commit: pipeline stages", () => {
  it("records the stage's deps with its outputs, as dvc commit saves whole stages (an unchanged 2.x dep stays legacy)", () => {
    const dir = tmpRepo();
    const lock = (inMd5: string, outMd5: string, hashKey = "") =>
      "schema: '2.0'\nstages:\n  s:\n    cmd: make\n    deps:\n    - path: in.txt\n" + hashKey + `      md5: ${inMd5}\n      size: ${inMd5 === "13b5bfe96f3e2fe411c9f66f4a582adf" ? 2 : 7}\n` +
      "    - path: legacy.txt\n      md5: 60b725f10c9c85c70d97880dfe8191b3\n      size: 3\n" +
      `    outs:\n    - path: out.txt\n      hash: md5\n      md5: ${outMd5}\n      size: ${outMd5 === "c68271a63ddbc431c307beb7d2918275" ? 3 : 7}\n`;
    writeTree(dir, {
      "in.txt": "in",
      "legacy.txt": "a\r\n",
      "out.txt": "out",
      "dvc.yaml": "stages:\n  s:\n    cmd: make\n    deps:\n    - in.txt\n    - legacy.txt\n    outs:\n    - out.txt\n",
      "dvc.lock": lock("13b5bfe96f3e2fe411c9f66f4a582adf", "c68271a63ddbc431c307beb7d2918275"),
    });
    expect(dvx(["commit"], { cwd: dir }).code).toBe(0);
    writeTree(dir, { "in.txt": "changed", "out.txt": "changed" });
    expect(dvx(["commit"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "dvc.lock")).toBe(lock("8977dfac2f8e04cb96e66882235f5aba", "8977dfac2f8e04cb96e66882235f5aba", "      hash: md5\n"));
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
  });
});

describe("dvx commit and remove", () => {
  it("commit records an edit; unchanged outputs are left byte-identical", () => {
    const dir = tmpRepo();
    writeTree(dir, { f: "v1", g: "g" });
    dvx(["add", "f", "g"], { cwd: dir });
    const g = read(dir, "g.dvc");
    writeTree(dir, { f: "hello\n" });
    expect(dvx(["commit"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "f.dvc")).toBe("outs:\n- md5: b1946ac92492d2347c6235b4d2611184\n  size: 6\n  hash: md5\n  path: f\n");
    expect(read(dir, "g.dvc")).toBe(g);
    expect(json(dvx(["status", "--json"], { cwd: dir }))).toEqual({});
  });

  it("commit keeps extra fields and their order", () => {
    const dir = tmpRepo();
    writeTree(dir, { f: "v1" });
    dvx(["add", "f"], { cwd: dir });
    fs.writeFileSync(path.join(dir, "f.dvc"), "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: f\n  desc: my data\n  remote: other\n");
    writeTree(dir, { f: "hello\n" });
    expect(dvx(["commit", "f.dvc"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "f.dvc")).toBe("outs:\n- md5: b1946ac92492d2347c6235b4d2611184\n  size: 6\n  hash: md5\n  path: f\n  desc: my data\n  remote: other\n");
  });

  it("commit writes back an executable bit dropped with the content unchanged (as dvc commit -f)", () => {
    const dir = tmpRepo();
    writeTree(dir, { "run.sh": "foo\n" });
    fs.chmodSync(path.join(dir, "run.sh"), 0o755);
    dvx(["add", "run.sh"], { cwd: dir });
    expect(read(dir, "run.sh.dvc")).toContain("isexec: true");
    fs.chmodSync(path.join(dir, "run.sh"), 0o644);
    expect(dvx(["commit"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "run.sh.dvc")).toBe("outs:\n- md5: d3b07384d113edec49eaa6238ad5ff00\n  size: 4\n  hash: md5\n  path: run.sh\n");
  });

  it("remove deletes the .dvc file and its .gitignore entry, keeping the data", () => {
    const dir = tmpRepo();
    writeTree(dir, { f: "x", g: "y" });
    dvx(["add", "f", "g"], { cwd: dir });
    expect(dvx(["remove", "f.dvc"], { cwd: dir }).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "f.dvc"))).toBe(false);
    expect(read(dir, ".gitignore")).toBe("/g\n");
    expect(read(dir, "f")).toBe("x");
    expect(dvx(["remove", "g.dvc"], { cwd: dir }).code).toBe(0);
    expect(fs.existsSync(path.join(dir, ".gitignore"))).toBe(false);
  });
});

describe("state: unchanged files are never hashed twice", () => {
  it("status and re-add of an unchanged directory hash zero files", () => {
    const dir = tmpRepo();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`d/${i % 10}/f${i}`] = `content ${i}`;
    writeTree(dir, files);
    age(dir, Object.keys(files));
    expect(dvx(["add", "d"], { cwd: dir }).code).toBe(0);
    const env = { DVX_DEBUG_HASH_COUNT: "1" };
    const st = dvx(["status", "--json"], { cwd: dir, env });
    expect(JSON.parse(st.stdout)).toEqual({});
    expect(st.stderr).toMatch(/hashed 0 files/);
    const again = dvx(["add", "d"], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/hashed 0 files/);
  });
});
