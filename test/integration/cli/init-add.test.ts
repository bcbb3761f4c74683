import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, read, sh, tmpDir, tmpRepo, writeTree } from "../../helpers/cli.js";

describe("dvx init", () => {
  it("creates the files dvc init creates and stages them", () => {
    const dir = tmpRepo({ init: false });
    const r = dvx(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("");
    expect(read(dir, ".dvc/.gitignore")).toBe("/config.local\n/tmp\n/cache\n");
    expect(read(dir, ".dvcignore")).toBe(
      "# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n",
    );
    const staged = sh("git", ["diff", "--cached", "--name-only"], dir).stdout.split("\n").filter(Boolean).sort();
    expect(staged).toEqual([".dvc/.gitignore", ".dvc/config", ".dvcignore"]);
  });

  it("refuses to re-init without -f and re-inits with it", () => {
    const dir = tmpRepo();
    const again = dvx(["init"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\.dvc: already exists/);
    expect(dvx(["init", "-f"], { cwd: dir }).code).toBe(0);
  });

  it("--no-scm writes no_scm and needs no git", () => {
    const dir = tmpDir();
    expect(dvx(["init", "--no-scm"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("[core]\n    no_scm = True\n");
  });

  it("outside git without --no-scm is a clear error", () => {
    const dir = tmpDir();
    const r = dvx(["init"], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not tracked by git; use --no-scm/);
    expect(fs.existsSync(path.join(dir, ".dvc"))).toBe(false);
  });
});

describe("dvx add", () => {
  it("writes the .dvc file, .gitignore and read-only cache object exactly as DVC 3 does", () => {
    const dir = tmpRepo();
    writeTree(dir, { foo: "foo" });
    const r = dvx(["add", "foo"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, "foo.dvc")).toBe("outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n");
    expect(read(dir, ".gitignore")).toBe("/foo\n");
    const obj = path.join(dir, ".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8");
    expect(fs.readFileSync(obj, "utf8")).toBe("foo");
    expect(fs.statSync(obj).mode & 0o777).toBe(0o444);
    expect(r.stdout).toContain("git add foo.dvc .gitignore");
  });

  it("adds a directory: manifest object, nfiles, size (spec 4.3 example)", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/foo": "foo", "data/bar": "bar" });
    expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "data.dvc")).toBe("outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n");
    expect(read(dir, ".dvc/cache/files/md5/5e/a40360f5b4ec688df672a4db9c17d1.dir")).toBe(
      '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]',
    );
  });

  it("nested target: .dvc beside it, entry in the parent's .gitignore; executable bit recorded", () => {
    const dir = tmpRepo();
    writeTree(dir, { "sub/run.sh": "foo\n" });
    fs.chmodSync(path.join(dir, "sub/run.sh"), 0o755);
    expect(dvx(["add", "sub/run.sh"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "sub/run.sh.dvc")).toBe("outs:\n- md5: d3b07384d113edec49eaa6238ad5ff00\n  size: 4\n  isexec: true\n  hash: md5\n  path: run.sh\n");
    expect(read(dir, "sub/.gitignore")).toBe("/run.sh\n");
  });

  it("escapes gitignore specials like DVC", () => {
    const dir = tmpRepo();
    const name = "file!with*weird#naming_[1].t?t";
    writeTree(dir, { [name]: "x" });
    expect(dvx(["add", name], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".gitignore")).toBe("/file\\!with\\*weird\\#naming_\\[1\\].t\\?t\n");
  });

  it("honours .dvcignore inside a directory output", () => {
    const dir = tmpRepo();
    fs.appendFileSync(path.join(dir, ".dvcignore"), "*.tmp\n");
    writeTree(dir, { "data/foo": "foo", "data/bar": "bar", "data/x.tmp": "junk" });
    expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "data.dvc")).toContain("md5: 5ea40360f5b4ec688df672a4db9c17d1.dir");
  });

  it("--no-commit writes the .dvc file but stores nothing", () => {
    const dir = tmpRepo();
    writeTree(dir, { foo: "foo" });
    expect(dvx(["add", "--no-commit", "foo"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "foo.dvc")).toContain("acbd18db4cc2f85cedef654fccc4a4d8");
    expect(fs.existsSync(path.join(dir, ".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8"))).toBe(false);
    const st = dvx(["status", "--json"], { cwd: dir });
    expect(JSON.parse(st.stdout)).toEqual({ "foo.dvc": [{ "changed outs": { foo: "not in cache" } }] });
  });

  it("adds several targets and re-adding an unchanged target changes nothing", () => {
    const dir = tmpRepo();
    writeTree(dir, { a: "one", b: "two" });
    expect(dvx(["add", "a", "b"], { cwd: dir }).code).toBe(0);
    const before = read(dir, "a.dvc");
    expect(dvx(["add", "a"], { cwd: dir }).code).toBe(0);
    expect(read(dir, "a.dvc")).toBe(before);
    expect(read(dir, ".gitignore")).toBe("/a\n/b\n");
  });
});

describe("dvx add: bad input gets a one-line error and writes nothing", () => {
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ["target outside the repository", () => ["add", "/etc/hostname"], /outside the repository/],
    ["target inside .dvc/", () => ["add", ".dvc/config"], /inside \.dvc\//],
    ["a .dvc file", (dir) => (writeTree(dir, { "x.dvc": "outs: []\n" }), ["add", "x.dvc"]), /is a \.dvc file/],
    ["a missing path", () => ["add", "nope"], /nope: no such file or directory/],
    [
      "a broken symlink",
      (dir) => (fs.symlinkSync(path.join(dir, "missing-target"), path.join(dir, "link")), ["add", "link"]),
      /broken symlink/,
    ],
    [
      "a path tracked by git",
      (dir) => (writeTree(dir, { tracked: "t" }), sh("git", ["add", "tracked"], dir), ["add", "tracked"]),
      /tracked by git/,
    ],
    [
      "a path inside an existing output",
      (dir) => (writeTree(dir, { "d/a": "a" }), dvx(["add", "d"], { cwd: dir }), ["add", "d/a"]),
      /overlaps with output 'd' tracked by d\.dvc/,
    ],
    [
      "a path ignored by .dvcignore",
      (dir) => (fs.appendFileSync(path.join(dir, ".dvcignore"), "ign\n"), writeTree(dir, { ign: "x" }), ["add", "ign"]),
      /ignored by \.dvcignore/,
    ],
  ];
  for (const [name, setup, re] of cases) {
    it(name, () => {
      const dir = tmpRepo();
      const args = setup(dir);
      const before = fs.readdirSync(dir).sort();
      const r = dvx(args, { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("ERROR")).length).toBe(1);
      expect(fs.readdirSync(dir).sort()).toEqual(before);
    });
  }

  it("not a repository", () => {
    const dir = tmpDir();
    writeTree(dir, { foo: "foo" });
    const r = dvx(["add", "foo"], { cwd: dir });
    expect(r.code).toBe(253); // DVC's NotDvcRepoError exit code
    expect(r.stderr).toMatch(/not a dvx\/DVC repository/);
  });

  it("a malformed .dvc file names the file and line", () => {
    const dir = tmpRepo();
    writeTree(dir, { "bad.dvc": "outs:\n- md5: [unclosed\n  path: x\n" });
    const r = dvx(["status"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.dvc:\d+/);
  });
});
