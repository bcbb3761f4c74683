/**
 * `dvx diff` on the shared history (no Python needed; test/interop/diff.test.ts compares with real
 * `dvc diff` byte for byte): revision pairs, the workspace, files inside directories, renames,
 * "not in cache", targets, and the text layout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Repo } from "../../../src/index.js";
import { tmpRepo } from "../../helpers/cli.js";
import { commitAll, copyRepo, dvx, git, makeHistory, md5, objKey, ok, writeTree, type History } from "./helpers.js";

let h: History;
const dirOid = (dir: string, rev: string) => /md5: (\w+\.dir)/.exec(git(dir, "show", `${rev}:data.dvc`))![1]!;

beforeAll(() => {
  h = makeHistory();
}, 120_000);

describe("dvx diff", { timeout: 240_000 }, () => {
  it("between two revisions: files inside directories, with hashes", () => {
    const r = ok(dvx(["diff", "v1", "feature", "--json", "--show-hash"], { cwd: h.dir }));
    expect(r.stdout).toBe(
      JSON.stringify({
        added: [
          { path: "data/new", hash: md5("new") },
          { path: "g", hash: md5("g1") },
          { path: "out", hash: md5("pipe-v1") },
        ],
        deleted: [],
        modified: [
          { path: "data/", hash: { old: dirOid(h.dir, "v1"), new: dirOid(h.dir, "feature") } },
          { path: "data/a", hash: { old: md5("a1"), new: md5("a2") } },
          { path: "data/sub/b", hash: { old: md5("b1"), new: md5("b2") } },
        ],
        renamed: [],
      }).replace(/":/g, '": ').replace(/,"/g, ', "').replace(/},{/g, "}, {") + "\n",
    );
    // without --show-hash DVC drops the hashes
    expect(JSON.parse(ok(dvx(["diff", "v1", "feature", "--json"], { cwd: h.dir })).stdout).added).toEqual([{ path: "data/new" }, { path: "g" }, { path: "out" }]);
    // the same commit twice, by two names
    expect(ok(dvx(["diff", "main", h.c3, "--json"], { cwd: h.dir })).stdout).toBe("{}\n");
  });

  it("against the workspace (default HEAD), with 'not in cache' for old objects the cache lost", () => {
    const dir = copyRepo(h.dir);
    fs.rmSync(path.join(dir, ".dvc/cache", objKey(md5("b1"))));
    const j = JSON.parse(ok(dvx(["diff", "--json", "--show-hash"], { cwd: dir })).stdout);
    expect(j).toEqual({
      added: [],
      deleted: [],
      modified: [{ path: "g", hash: { old: md5("g1"), new: md5("g-workspace") } }],
      renamed: [],
      "not in cache": [{ path: "data/sub/b", hash: md5("b1") }],
    });
    // --hide-missing, and a B revision, drop the key
    expect(Object.keys(JSON.parse(ok(dvx(["diff", "--json", "--hide-missing"], { cwd: dir })).stdout))).not.toContain("not in cache");
    // deleting a tracked file in the workspace
    fs.rmSync(path.join(dir, "f"));
    const j2 = JSON.parse(ok(dvx(["diff", "HEAD", "--json"], { cwd: dir })).stdout);
    expect(j2.deleted).toEqual([{ path: "f" }]);
  });

  it("detects renames of files and of whole directories", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["remove", "-q", "data.dvc"], { cwd: dir }));
    fs.renameSync(path.join(dir, "data"), path.join(dir, "moved"));
    ok(dvx(["add", "-q", "moved"], { cwd: dir }));
    ok(dvx(["commit", "-q", "-f"], { cwd: dir }));
    commitAll(dir, "move data");
    const j = JSON.parse(ok(dvx(["diff", "HEAD~1", "HEAD", "--json"], { cwd: dir })).stdout);
    expect(j.renamed).toEqual([
      { path: { old: "data/", new: "moved/" } },
      { path: { old: "data/a", new: "moved/a" } },
      { path: { old: "data/sub/b", new: "moved/sub/b" } },
    ]);
    expect(j.added).toEqual([]);
    expect(j.deleted).toEqual([]);
  });

  it("prints DVC's text layout with a files summary (directories not counted)", () => {
    const r = ok(dvx(["diff", "v1", "feature"], { cwd: h.dir }));
    expect(r.stdout).toBe("Added:\n    data/new\n    g\n    out\n\nModified:\n    data/\n    data/a\n    data/sub/b\n\nfiles summary: 3 added, 2 modified\n");
    const s = ok(dvx(["diff", "v1", "feature", "--show-hash"], { cwd: h.dir }));
    expect(s.stdout).toContain(`    ${md5("a1").slice(0, 8)}..${md5("a2").slice(0, 8)}  data/a\n`);
    expect(ok(dvx(["diff", "main", "main"], { cwd: h.dir })).stdout).toBe("");
  });

  it("--targets limits the comparison (outputs, paths inside them, .dvc files)", () => {
    const t = (args: string[]) => JSON.parse(ok(dvx(["diff", "v1", "feature", "--json", ...args], { cwd: h.dir })).stdout);
    expect(t(["--targets", "data/sub"])).toEqual({ added: [], deleted: [], modified: [{ path: "data/sub/b" }], renamed: [] });
    expect(t(["--targets", "g.dvc"])).toEqual({ added: [{ path: "g" }], deleted: [], modified: [], renamed: [] });
    expect(t(["--targets", "f", "legacy.bin"])).toEqual({});
    const miss = dvx(["diff", "v1", "feature", "--targets", "nope"], { cwd: h.dir });
    expect(miss.code).not.toBe(0);
    expect(miss.stderr).toMatch(/nope: no such tracked file or directory/);
  });

  it("errors and edge cases: unknown revision, no commits yet, library API", async () => {
    const bad = dvx(["diff", "no-such-rev"], { cwd: h.dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown Git revision 'no-such-rev'/);
    const fresh = tmpRepo();
    writeTree(fresh, { x: "x" });
    ok(dvx(["add", "-q", "x"], { cwd: fresh }));
    expect(ok(dvx(["diff", "--json"], { cwd: fresh })).stdout).toBe("{}\n");
    const repo = Repo.open(h.dir);
    try {
      const d = await repo.diff("v1", "v2");
      expect(d).toMatchObject({ added: [{ path: "g", hash: md5("g1") }, { path: "out", hash: md5("pipe-v1") }], modified: [{ path: "data/" }, { path: "data/a", hash: { old: md5("a1"), new: md5("a2") } }] });
      // a pipeline output changed between v2 and main (read from dvc.lock at both revisions)
      expect(await repo.diff("v2", "main")).toMatchObject({ modified: [{ path: "f", hash: { old: md5("f1"), new: md5("f3") } }, { path: "out", hash: { old: md5("pipe-v1"), new: md5("pipe-v2") } }] });
    } finally {
      repo.close();
    }
  });
});
