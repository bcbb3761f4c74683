/**
 * Hostile input (issue #7): pointer files, `dvc.lock` and `.dir` manifests whose paths are
 * absolute, contain `..`, NUL, backslashes or drive letters, or that would write through a
 * workspace symlink leading outside the workspace, are refused with an error naming the file, and
 * nothing is written (or deleted) outside the workspace, by checkout, pull, add or remove. Malformed
 * or oversized YAML, JSON and config files, duplicate keys, wrong types and hashes that are not 32
 * hex digits give one clear error naming the file.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpDir, tmpRepo, writeTree } from "../helpers/cli.js";
import { git, repoWithRemote } from "./crash.js";
import { report, tmpFilesUnder } from "./helpers.js";

const UNSAFE_PATHS = ["../escape.txt", "../../escape.txt", "sub/../../escape.txt", "/ABSOLUTE/escape.txt", "a\\..\\..\\escape.txt", "C:/escape.txt", "c:escape.txt", "nul\u0000escape.txt", "a//b", ".."];
/** Not normalised: fine in a .dvc file (DVC strips `./`), refused in a manifest (DVC never writes it). */
const MANIFEST_ONLY_UNSAFE = ["./x", "a/./b", "a/"];
const figures = { unsafePathCases: 0, symlinkCases: 0, malformedCases: 0, outsideWrites: 0 };

/** A directory outside every repository, watched for anything appearing in it. */
function outsideDir(): { dir: string; untouched(): void } {
  const dir = tmpDir("dvx-rel-outside-");
  fs.writeFileSync(path.join(dir, "keep.txt"), "keep\n");
  return {
    dir,
    untouched() {
      const names = fs.readdirSync(dir, { recursive: true }).map(String).sort();
      expect(names, `something was written to ${dir}`).toEqual(["keep.txt"]);
      expect(fs.readFileSync(path.join(dir, "keep.txt"), "utf8")).toBe("keep\n");
    },
  };
}

/** Every file directly beside or above the repo that an escape could have created. */
function noEscapeFiles(repo: string): void {
  for (const p of [path.join(repo, "..", "escape.txt"), path.join(repo, "..", "..", "escape.txt"), "/ABSOLUTE", path.join(repo, "C:"), path.join(repo, "c:escape.txt")]) {
    expect(fs.existsSync(p), `${p} was created`).toBe(false);
  }
}

function expectOneError(r: { code: number; stderr: string }, file: RegExp | string, problem: RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("ERROR: "));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toContain(typeof file === "string" ? file : "");
  if (file instanceof RegExp) expect(errors[0]).toMatch(file);
  expect(errors[0]).toMatch(problem);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A repo with one cached file object; returns its oid. */
function repoWithObject(): { repo: string; oid: string } {
  const repo = tmpRepo();
  writeTree(repo, { "seed.txt": "payload\n" });
  expect(dvx(["add", "-q", "seed.txt"], { cwd: repo }).code).toBe(0);
  return { repo, oid: createHash("md5").update("payload\n").digest("hex") };
}

/** Writes a `.dir` object named by its bytes into an object store root (cache or local remote). */
function putManifest(storeRoot: string, entries: { md5: string; relpath: string }[]): string {
  const bytes = Buffer.from(JSON.stringify(entries.map((e) => ({ md5: e.md5, relpath: e.relpath }))));
  const oid = createHash("md5").update(bytes).digest("hex") + ".dir";
  const p = path.join(storeRoot, "files", "md5", oid.slice(0, 2), oid.slice(2));
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes, { mode: 0o444 });
  return oid;
}

function dvcFileFor(oid: string, outPath: string): string {
  return `outs:\n- md5: ${oid}\n  size: 8\n  nfiles: 1\n  hash: md5\n  path: ${JSON.stringify(outPath)}\n`;
}

describe("hostile paths in pointer files, dvc.lock and manifests", () => {
  it(".dir manifests with unsafe relpaths are refused by checkout; nothing is written outside", () => {
    const { repo, oid } = repoWithObject();
    for (const bad of [...UNSAFE_PATHS, ...MANIFEST_ONLY_UNSAFE]) {
      const dirOid = putManifest(path.join(repo, ".dvc", "cache"), [{ md5: oid, relpath: bad.replace("/ABSOLUTE", path.join(repo, "..", "abs")) }]);
      fs.writeFileSync(path.join(repo, "data.dvc"), dvcFileFor(dirOid, "data"));
      const r = dvx(["checkout", "data.dvc"], { cwd: repo });
      expect(r.code, `${JSON.stringify(bad)}: ${r.stderr}`).toBe(1);
      expect(r.stderr, JSON.stringify(bad)).toMatch(new RegExp(`${dirOid.slice(2, 12)}.*(unsafe path|not in cache)`, "s"));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      noEscapeFiles(repo);
      expect(fs.existsSync(path.join(repo, "..", "abs"))).toBe(false);
      expect(fs.existsSync(path.join(repo, "data")), "nothing checked out").toBe(false);
      figures.unsafePathCases++;
    }
  });

  it(".dir manifests with a path that is both a file and a directory, or duplicates, are refused", () => {
    const { repo, oid } = repoWithObject();
    for (const entries of [
      [{ md5: oid, relpath: "a" }, { md5: oid, relpath: "a/b" }],
      [{ md5: oid, relpath: "a" }, { md5: oid, relpath: "a" }],
      [{ md5: "not-a-hash", relpath: "a" }],
      [{ md5: oid + ".dir", relpath: "a" }],
    ]) {
      const dirOid = putManifest(path.join(repo, ".dvc", "cache"), entries);
      fs.writeFileSync(path.join(repo, "data.dvc"), dvcFileFor(dirOid, "data"));
      const r = dvx(["checkout", "data.dvc"], { cwd: repo });
      expect(r.code, r.stderr).toBe(1);
      expect(fs.existsSync(path.join(repo, "data"))).toBe(false);
      figures.unsafePathCases++;
    }
  });

  it("pull refuses a hostile .dir from a remote: not cached, nothing written", () => {
    const remote = path.join(tmpDir("dvx-rel-remote-"), "store");
    const producer = repoWithRemote(remote);
    writeTree(producer, { "seed.txt": "payload\n" });
    expect(dvx(["add", "-q", "seed.txt"], { cwd: producer }).code).toBe(0);
    expect(dvx(["push", "-q"], { cwd: producer }).code).toBe(0);
    const oid = createHash("md5").update("payload\n").digest("hex");
    const dirOid = putManifest(remote, [{ md5: oid, relpath: "../../escape.txt" }]);
    fs.writeFileSync(path.join(producer, "data.dvc"), dvcFileFor(dirOid, "data"));
    git(producer, "add", ".");
    git(producer, "commit", "-q", "-m", "hostile");
    const clone = tmpDir("dvx-rel-clone-");
    git(clone, "clone", "-q", producer, ".");
    const r = dvx(["pull"], { cwd: clone });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unsafe path '\.\.\/\.\.\/escape\.txt'/);
    expect(fs.existsSync(path.join(clone, ".dvc", "cache", "files", "md5", dirOid.slice(0, 2), dirOid.slice(2))), "the hostile .dir is not cached").toBe(false);
    noEscapeFiles(clone);
    expect(fs.existsSync(path.join(clone, "data"))).toBe(false);
    figures.unsafePathCases++;
  });

  it(".dvc files with unsafe output paths are refused, naming the file", () => {
    const { repo, oid } = repoWithObject();
    for (const bad of UNSAFE_PATHS) {
      const p = bad.replace("/ABSOLUTE", path.join(repo, "..", "abs"));
      fs.writeFileSync(path.join(repo, "evil.dvc"), `outs:\n- md5: ${oid}\n  size: 8\n  hash: md5\n  path: ${JSON.stringify(p)}\n`);
      for (const cmd of [["checkout"], ["status"]]) {
        const r = dvx(cmd, { cwd: repo });
        expectOneError(r, "evil.dvc", /unsafe path|escapes the repository/);
      }
      noEscapeFiles(repo);
      expect(fs.existsSync(path.join(repo, "..", "abs"))).toBe(false);
      figures.unsafePathCases++;
    }
    fs.rmSync(path.join(repo, "evil.dvc"));
  });

  it("dvc.yaml / dvc.lock with unsafe paths are refused, naming the file", () => {
    const { repo, oid } = repoWithObject();
    for (const bad of ["../escape.txt", "../../escape.txt", "a\\b", "C:/x", "sub/../../escape.txt"]) {
      fs.writeFileSync(path.join(repo, "dvc.yaml"), `stages:\n  s:\n    cmd: echo\n    outs:\n    - ${JSON.stringify(bad)}\n`);
      fs.writeFileSync(path.join(repo, "dvc.lock"), `schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    outs:\n    - path: ${JSON.stringify(bad)}\n      hash: md5\n      md5: ${oid}\n      size: 8\n`);
      const r = dvx(["checkout"], { cwd: repo });
      expectOneError(r, /dvc\.(yaml|lock)/, /unsafe path|escapes the repository|external/);
      noEscapeFiles(repo);
      figures.unsafePathCases++;
    }
  });
});

describe("symlinks in the workspace never lead a write outside it", () => {
  function trackedRepo(): { repo: string; outside: ReturnType<typeof outsideDir> } {
    const repo = repoWithRemote(path.join(tmpDir("dvx-rel-remote-"), "store"));
    writeTree(repo, { "data/a.txt": "a\n", "data/sub/b.txt": "b\n" });
    expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
    expect(dvx(["push", "-q"], { cwd: repo }).code).toBe(0);
    return { repo, outside: outsideDir() };
  }

  it("checkout and pull refuse a tracked directory that is a symlink to elsewhere", () => {
    const { repo, outside } = trackedRepo();
    fs.rmSync(path.join(repo, "data"), { recursive: true });
    fs.symlinkSync(outside.dir, path.join(repo, "data"));
    for (const cmd of [["checkout"], ["checkout", "-f"], ["pull", "-f"]]) {
      const r = dvx(cmd, { cwd: repo });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^ERROR: data: refusing to write through the symlink 'data' -> '.*', which leads outside the workspace \(data\.dvc\)/m);
      outside.untouched();
      figures.symlinkCases++;
    }
  });

  it("checkout refuses a manifest entry under a workspace symlink (data/sub -> elsewhere)", () => {
    const { repo, outside } = trackedRepo();
    fs.rmSync(path.join(repo, "data/sub"), { recursive: true });
    fs.symlinkSync(outside.dir, path.join(repo, "data/sub"));
    fs.rmSync(path.join(repo, "data/a.txt"));
    const r = dvx(["checkout", "-f"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/data\/sub\/b\.txt: refusing to write through the symlink 'data\/sub'/);
    outside.untouched();
    expect(fs.existsSync(path.join(repo, "data/a.txt")), "nothing of the output is applied").toBe(false);
    figures.symlinkCases++;
  });

  it("a .dvc file whose output's parent is a symlink to elsewhere: checkout, pull and remove --outs refuse", () => {
    const { repo, outside } = trackedRepo();
    fs.mkdirSync(path.join(outside.dir, "victim"));
    fs.writeFileSync(path.join(outside.dir, "victim", "precious.txt"), "precious\n");
    fs.symlinkSync(outside.dir, path.join(repo, "link"));
    const text = fs.readFileSync(path.join(repo, "data.dvc"), "utf8").replace("path: data", "path: link/victim");
    fs.writeFileSync(path.join(repo, "evil.dvc"), text);
    for (const cmd of [["checkout", "-f", "evil.dvc"], ["pull", "-f", "evil.dvc"], ["remove", "--outs", "evil.dvc"]]) {
      const r = dvx(cmd, { cwd: repo });
      expect(r.code, `${cmd.join(" ")}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/refusing to write through the symlink 'link'/);
      expect(fs.readFileSync(path.join(outside.dir, "victim", "precious.txt"), "utf8")).toBe("precious\n");
      expect(fs.readdirSync(path.join(outside.dir, "victim"))).toEqual(["precious.txt"]);
      figures.symlinkCases++;
    }
  });

  it("add refuses a target under a symlink to elsewhere (its .dvc file and .gitignore would land there)", () => {
    const repo = tmpRepo();
    const outside = outsideDir();
    fs.symlinkSync(outside.dir, path.join(repo, "link"));
    const r = dvx(["add", "link/keep.txt"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/link\/keep\.txt: refusing to write through the symlink 'link'/);
    outside.untouched();
    figures.symlinkCases++;
  });

  it("a symlink that stays inside the workspace is fine", () => {
    const { repo } = trackedRepo();
    fs.rmSync(path.join(repo, "data"), { recursive: true });
    fs.mkdirSync(path.join(repo, "store"));
    fs.symlinkSync("store", path.join(repo, "data"));
    const r = dvx(["checkout"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, "store/sub/b.txt"), "utf8")).toBe("b\n");
    expect(tmpFilesUnder(repo).filter((p) => !p.startsWith(".dvc/"))).toEqual([]);
  });
});

describe("malformed and oversized files: one clear error naming the file", () => {
  const OID = "d41d8cd98f00b204e9800998ecf8427e";
  const CASES: { file: string; content: string | Buffer; problem: RegExp }[] = [
    { file: "a.dvc", content: "outs: [", problem: /a\.dvc:1: / },
    { file: "a.dvc", content: `outs:\n- md5: ${OID}\n  md5: ${OID}\n  path: x\n`, problem: /a\.dvc:3: duplicate key 'md5'/ },
    { file: "a.dvc", content: "outs: 5\n", problem: /a\.dvc: 'outs' must be a list/ },
    { file: "a.dvc", content: `outs:\n- md5: ${OID}\n  size: big\n  path: x\n`, problem: /a\.dvc: outs\[0\] \('x'\): 'size' must be a non-negative integer/ },
    { file: "a.dvc", content: `outs:\n- md5: ${OID}\n  isexec: maybe\n  path: x\n`, problem: /a\.dvc: .*'isexec' must be true or false/ },
    { file: "a.dvc", content: "outs:\n- md5: xyz\n  path: x\n", problem: /a\.dvc: .*invalid hash 'xyz' \(expected 32 hex digits\)/ },
    { file: "a.dvc", content: `outs:\n- md5: ${OID.slice(1)}\n  path: x\n`, problem: /invalid hash .*expected 32 hex digits/ },
    { file: "a.dvc", content: `outs:\n- md5: ${OID}g\n  path: x\n`, problem: /invalid hash .*expected 32 hex digits/ },
    { file: "a.dvc", content: `outs:\n- md5: ${OID}\n  hash: sha256\n  path: x\n`, problem: /unsupported 'hash: sha256'/ },
    { file: "a.dvc", content: "foo: 1\n", problem: /a\.dvc: unexpected key 'foo'/ },
    { file: "a.dvc", content: "", problem: /a\.dvc: empty \.dvc file/ },
    { file: "a.dvc", content: Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]), problem: /a\.dvc/ },
    { file: "a.dvc", content: "outs: " + "[".repeat(5000) + "]".repeat(5000) + "\n", problem: /a\.dvc: nesting too deep/ },
    { file: "a.dvc", content: "outs:\n" + Array.from({ length: 3000 }, (_, i) => "  ".repeat(i) + "- ").join("\n") + "\n", problem: /a\.dvc: nesting too deep/ },
    {
      file: "a.dvc",
      content: "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(",")}]`).join("\n") + "\n",
      problem: /a\.dvc:\d+: too many alias expansions/,
    },
    { file: "a.dvc", content: "outs: !!python/object:os.system [rm -rf /]\n", problem: /a\.dvc:1: (unsupported|Unresolved) tag/ },
    { file: "dvc.yaml", content: "stages:\n  s:\n    cmd: x\n    outs: [\n", problem: /dvc\.yaml:\d+: / },
    { file: "dvc.yaml", content: "stages:\n  s:\n    cmd: x\n  s:\n    cmd: y\n", problem: /dvc\.yaml:4: duplicate key 's'/ },
    { file: "dvc.lock", content: "schema: 2.0\nstages: {}\n", problem: /dvc\.lock: invalid schema version 2 \(expected the string '2\.0'\)/ },
    { file: "dvc.lock", content: "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: out\n      md5: 123\n", problem: /dvc\.lock: .*invalid hash '123'/ },
    { file: ".dvc/config", content: "[core\nremote = x\n", problem: /\.dvc\/config/ },
    { file: ".dvc/config", content: "[core]\nremote = a\nremote = b\n", problem: /\.dvc\/config.*[Dd]uplicate/ },
    { file: ".dvc/config", content: "[cache]\ntype = teleport\n", problem: /\.dvc\/config: cache\.type 'teleport' is not one of/ },
  ];

  it("every case fails with one ERROR line naming the file, and no stack trace", () => {
    const repo = tmpRepo();
    const config = fs.readFileSync(path.join(repo, ".dvc", "config"));
    const seen: string[] = [];
    for (const c of CASES) {
      fs.writeFileSync(path.join(repo, c.file), c.content);
      if (c.file === "dvc.lock") fs.writeFileSync(path.join(repo, "dvc.yaml"), "stages:\n  s:\n    cmd: x\n    outs:\n    - out\n");
      const r = dvx(["status"], { cwd: repo });
      const what = `${c.file} ${JSON.stringify(c.content.slice(0, 60).toString())}:\n${r.stderr}`;
      expect(r.code, what).not.toBe(0);
      expect(r.code, what).not.toBe(255);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("ERROR: "));
      expect(errors, what).toHaveLength(1);
      expect(errors[0], what).toMatch(c.problem);
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
      seen.push(errors[0]!);
      if (c.file === ".dvc/config") fs.writeFileSync(path.join(repo, ".dvc", "config"), config);
      else fs.rmSync(path.join(repo, c.file));
      if (c.file === "dvc.lock") fs.rmSync(path.join(repo, "dvc.yaml"));
      figures.malformedCases++;
    }
  });

  it("an oversized pointer file or config is refused unread, naming the file", () => {
    const repo = tmpRepo();
    for (const [file, size] of [["huge.dvc", 700 * 1024 * 1024], ["dvc.yaml", 65 * 1024 * 1024], [".dvc/config", 700 * 1024 * 1024]] as const) {
      const keep = file === ".dvc/config" ? fs.readFileSync(path.join(repo, file)) : undefined;
      fs.writeFileSync(path.join(repo, file), "");
      fs.truncateSync(path.join(repo, file), size); // sparse: costs no disk
      const r = dvx(["status"], { cwd: repo });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^ERROR: .*${file.replace(".", "\\.")}: file is larger than the 67108864-byte limit`, "m"));
      if (keep) fs.writeFileSync(path.join(repo, file), keep);
      else fs.rmSync(path.join(repo, file));
      figures.malformedCases++;
    }
    report({ suite: "hostile", ...figures });
  });
});
