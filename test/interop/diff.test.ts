/**
 * `dvx diff` against real `dvc diff` (DVC 3.x) on the same DVC-made history: every pair of
 * revisions and each revision against the workspace, in JSON (with and without --show-hash), the
 * text layout and the Markdown table, with and without --targets. Outputs must be byte-identical.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dvx, sh, tmpDir, writeTree } from "../helpers/cli.js";
import { runDvc, skipReason } from "../helpers/peers.js";

const why = skipReason("dvc");
// each case runs Python DVC several times (seconds each on a loaded machine)
const SLOW = 600_000;

async function dvc(cwd: string, ...args: string[]): Promise<string> {
  const r = await runDvc(args, { cwd });
  if (r.code !== 0) throw new Error(`dvc ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function git(cwd: string, ...args: string[]): string {
  const r = sh("git", args, cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function commit(cwd: string, msg: string, tag: string): void {
  git(cwd, "add", "-A");
  git(cwd, "commit", "-q", "-m", msg);
  git(cwd, "tag", tag);
}

function rm(cwd: string, ...rels: string[]): void {
  for (const r of rels) fs.rmSync(path.join(cwd, r), { recursive: true, force: true });
}

describe.skipIf(why)("dvx diff matches dvc diff", () => {
  let repo = "";

  beforeAll(async () => {
    repo = path.join(tmpDir("dvx-diff-interop-"), "repo");
    fs.mkdirSync(repo);
    git(repo, "init", "-q", "-b", "main");
    git(repo, "config", "user.email", "t@dvx.invalid");
    git(repo, "config", "user.name", "t");
    await dvc(repo, "init", "-q");
    // r1: a directory with nested files, single files (two with the same content), a dir to become a
    // file, a pipeline output, unicode names
    writeTree(repo, {
      "data/a.txt": "a1",
      "data/b.txt": "b",
      "data/sub/c.txt": "c",
      "data/sub/d.txt": "d",
      "data/zz-ünï.txt": "unicode",
      "file1.txt": "same",
      "file2.txt": "same",
      "thing/x": "x",
      "src.txt": "source",
    });
    await dvc(repo, "add", "-q", "data", "file1.txt", "file2.txt", "thing");
    await dvc(repo, "stage", "add", "-q", "-n", "copy", "-d", "src.txt", "-o", "out", "mkdir -p out && cp src.txt out/copied.txt");
    await dvc(repo, "repro", "-q");
    commit(repo, "r1", "r1");
    // r2: modify, delete and add inside the dir, rename a file inside it, rename a tracked file,
    // turn a directory output into a file, add a new directory output, change the pipeline output
    writeTree(repo, { "data/a.txt": "a2", "data/sub/e.txt": "e", "data/b-renamed.txt": "b", "src.txt": "source 2", "images/1.png": "png1", "images/2.png": "png2" });
    rm(repo, "data/sub/c.txt", "data/b.txt");
    await dvc(repo, "add", "-q", "data", "images");
    await dvc(repo, "remove", "-q", "file1.txt.dvc");
    fs.renameSync(path.join(repo, "file1.txt"), path.join(repo, "file1-moved.txt"));
    await dvc(repo, "add", "-q", "file1-moved.txt");
    await dvc(repo, "remove", "-q", "thing.dvc");
    rm(repo, "thing");
    writeTree(repo, { thing: "now a file" });
    await dvc(repo, "add", "-q", "thing");
    await dvc(repo, "repro", "-q");
    commit(repo, "r2", "r2");
    // r3: drop a .dvc file, rename the whole images directory
    await dvc(repo, "remove", "-q", "file2.txt.dvc");
    rm(repo, "file2.txt");
    await dvc(repo, "remove", "-q", "images.dvc");
    fs.renameSync(path.join(repo, "images"), path.join(repo, "pictures"));
    await dvc(repo, "add", "-q", "pictures");
    commit(repo, "r3", "r3");
    // workspace: uncommitted edits, a deleted output, and objects of old revisions gone from the cache
    writeTree(repo, { "data/sub/d.txt": "d changed", "data/new.txt": "new" });
    rm(repo, "file1-moved.txt");
    const cacheObj = (content: string) => {
      const h = (sh("bash", ["-c", `printf %s '${content}' | md5sum | cut -c1-32`], repo).stdout || "").trim();
      return path.join(repo, ".dvc/cache/files/md5", h.slice(0, 2), h.slice(2));
    };
    for (const c of ["c", "a1"]) {
      const p = cacheObj(c);
      fs.chmodSync(p, 0o644);
      fs.rmSync(p);
    }
  }, 300_000);

  async function same(args: string[]): Promise<void> {
    const theirs = await runDvc(["diff", ...args], { cwd: repo });
    const ours = dvx(["diff", ...args], { cwd: repo });
    expect({ code: ours.code, stdout: ours.stdout }, `dvx diff ${args.join(" ")}\ndvx: ${ours.stderr}\ndvc: ${theirs.stderr}`).toEqual({ code: theirs.code, stdout: theirs.stdout });
  }

  const pairs: [string, string | undefined][] = [
    ["r1", "r2"],
    ["r2", "r3"],
    ["r1", "r3"],
    ["r3", "r1"],
    ["r2", "r2"],
    ["r1", undefined],
    ["r2", undefined],
    ["HEAD", undefined],
  ];

  for (const [a, b] of pairs) {
    const revs = b === undefined ? [a] : [a, b];
    it(`${revs.join(" ")} (json, json --show-hash, text, text --show-hash, md)`, async () => {
      await same([...revs, "--json"]);
      await same([...revs, "--json", "--show-hash"]);
      await same(revs);
      await same([...revs, "--show-hash"]);
      await same([...revs, "--md"]);
      if (b === undefined) await same([...revs, "--json", "--hide-missing"]);
    }, SLOW);
  }

  it("no revisions: HEAD against the workspace", async () => {
    await same(["--json", "--show-hash"]);
    await same([]);
  }, SLOW);

  it("--targets: an output, a directory inside an output, a file inside it, a .dvc file", async () => {
    await same(["r1", "r3", "--json", "--show-hash", "--targets", "data"]);
    await same(["r1", "--json", "--show-hash", "--targets", "data/sub"]);
    await same(["r1", "r2", "--json", "--targets", "data/a.txt"]);
    await same(["r1", "r2", "--json", "--targets", "data.dvc", "thing"]);
  }, SLOW);

  it("the JSON has DVC's shape", () => {
    const j = JSON.parse(dvx(["diff", "r1", "r2", "--json", "--show-hash"], { cwd: repo }).stdout);
    expect(Object.keys(j)).toEqual(["added", "deleted", "modified", "renamed"]);
    expect(j.renamed).toContainEqual({ path: { old: "data/b.txt", new: "data/b-renamed.txt" }, hash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(j.modified).toContainEqual({ path: "thing/", hash: { old: expect.stringMatching(/\.dir$/), new: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(j.added).toContainEqual({ path: "images/", hash: expect.stringMatching(/\.dir$/) });
  });
});
