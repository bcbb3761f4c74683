/**
 * `dvx gc` in a git history with branches and tags: each scope keeps exactly the objects its
 * revisions (read from git by an independent oracle) and the workspace use, object by object,
 * per layout; non-object files are never touched; the safety rails hold.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatBytes } from "../../../cli/progress/format.js";
import { Repo } from "../../../src/index.js";
import { CLI } from "../../helpers/cli.js";
import type { ProgressEvent } from "../../../src/progress.js";
import { copyRepo, commitAll, dvx, git, makeHistory, md5, nonObjectFiles, objectKeys, objKey, ok, sorted, union, usedKeys, writeTree, type History } from "./helpers.js";

let h: History;
let cacheOf: (dir: string) => string;
let initial: string[];
let initialJunk: string[];
const used: Record<string, Set<string>> = {};

beforeAll(() => {
  h = makeHistory();
  cacheOf = (dir) => path.join(dir, ".dvc/cache");
  initial = objectKeys(cacheOf(h.dir));
  initialJunk = nonObjectFiles(cacheOf(h.dir));
  for (const [name, rev] of [["c1", h.c1], ["c2", h.c2], ["c3", h.c3], ["cf", h.cf]] as const) used[name] = usedKeys(h.dir, rev);
  used.ws = usedKeys(h.dir, undefined);
}, 120_000);

function expectRemaining(dir: string, keep: Set<string>) {
  const want = sorted(initial.filter((k) => keep.has(k)));
  expect(objectKeys(cacheOf(dir))).toEqual(want);
  expect(nonObjectFiles(cacheOf(dir))).toEqual(initialJunk);
}

describe("dvx gc scopes (local cache)", { timeout: 240_000 }, () => {
  it("the fixture has what the scopes must tell apart", () => {
    // every revision uses something no other scope member uses, and garbage exists in both layouts
    expect(initial).toContain(objKey(h.legacyOid, true));
    expect(initial).toContain(objKey(h.legacyOid));
    expect(initial).toContain(objKey(md5("f1"), true));
    expect([...used.cf!].some((k) => !used.c3!.has(k) && !used.ws!.has(k))).toBe(true);
    expect([...used.c1!].some((k) => !union(used.c3!, used.ws!, used.cf!, used.c2!).has(k))).toBe(true);
    expect([...used.ws!].some((k) => !union(used.c1!, used.c2!, used.c3!, used.cf!).has(k))).toBe(true);
  });

  it("-w keeps exactly the workspace's objects", () => {
    const dir = copyRepo(h.dir);
    const r = ok(dvx(["gc", "-w", "-f"], { cwd: dir }));
    expect(r.stdout).toMatch(/^Removed \d+ objects \(.*\) from local cache\.\n$/);
    expectRemaining(dir, used.ws!);
    // what stays is still usable: status is clean, checkout works
    expect(JSON.parse(ok(dvx(["status", "--json"], { cwd: dir })).stdout)).toEqual({});
  });

  it("-a keeps the tips of all branches and the workspace", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "-a", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c3!, used.cf!));
  });

  it("-T keeps all tags (lightweight and annotated) and the workspace", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "-T", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c1!, used.c2!));
  });

  it("-a -T together", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "-a", "-T", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c1!, used.c2!, used.c3!, used.cf!));
  });

  it("-A keeps every commit", () => {
    const dir = copyRepo(h.dir);
    git(dir, "tag", "-d", "v1"); // c1 is still reachable from main: -A must keep it without the tag
    ok(dvx(["gc", "-A", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c1!, used.c2!, used.c3!, used.cf!));
  });

  it("--rev REV -n N keeps REV and its first-parent ancestors", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "--rev", "main", "-n", "2", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c3!, used.c2!));
    const dir2 = copyRepo(h.dir);
    ok(dvx(["gc", "--rev", "v1", "--rev", "feature", "-f"], { cwd: dir2 }));
    expectRemaining(dir2, union(used.ws!, used.c1!, used.cf!));
  });

  it("--date keeps commits made on or after the date", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "--date", "2000-01-01", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c1!, used.c2!, used.c3!, used.cf!));
    const dir2 = copyRepo(h.dir);
    ok(dvx(["gc", "--date", "2999-01-01", "-f"], { cwd: dir2 }));
    expectRemaining(dir2, used.ws!);
  });

  it("dvc.lock outputs count at every revision", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "-w", "-f"], { cwd: dir }));
    expect(objectKeys(cacheOf(dir))).toContain(objKey(md5("pipe-v2")));
    expect(objectKeys(cacheOf(dir))).not.toContain(objKey(md5("pipe-v1")));
    const dir2 = copyRepo(h.dir);
    ok(dvx(["gc", "-T", "-f"], { cwd: dir2 }));
    expect(objectKeys(cacheOf(dir2))).toContain(objKey(md5("pipe-v1"))); // v2's dvc.lock
  });

  it("layouts are separate: a used oid protects only its own layout", () => {
    const dir = copyRepo(h.dir);
    ok(dvx(["gc", "-A", "-f"], { cwd: dir }));
    const left = objectKeys(cacheOf(dir));
    expect(left).toContain(objKey(h.legacyOid, true)); // used by a 2.x entry
    expect(left).not.toContain(objKey(h.legacyOid)); // same oid, 3.x layout: nobody uses it
    expect(left).toContain(objKey(md5("f1"))); // f at c1 (3.x)
    expect(left).not.toContain(objKey(md5("f1"), true)); // same oid, legacy layout
    for (const o of h.orphans) {
      expect(left).not.toContain(objKey(o));
      expect(left).not.toContain(objKey(o, true));
    }
    expect(left).not.toContain(objKey(h.orphans[0]! + ".dir"));
  });

  it("--dry lists exactly what would go with the bytes, and deletes nothing", () => {
    const dir = copyRepo(h.dir);
    const r = ok(dvx(["gc", "-a", "--dry"], { cwd: dir }));
    const keep = union(used.ws!, used.c3!, used.cf!);
    const gone = initial.filter((k) => !keep.has(k));
    const listed = r.stdout.split("\n").filter((l) => l.startsWith("    ")).map((l) => l.trim());
    expect(sorted(listed)).toEqual(sorted(gone));
    // .dir objects are listed (and deleted) before the files of their layout
    const firstFile = listed.findIndex((k) => k.startsWith("files/md5/") && !k.endsWith(".dir"));
    const lastDir = listed.map((k) => k.startsWith("files/md5/") && k.endsWith(".dir")).lastIndexOf(true);
    expect(lastDir).toBeLessThan(firstFile);
    const bytes = gone.reduce((n, k) => n + fs.statSync(path.join(cacheOf(dir), k)).size, 0);
    expect(r.stdout).toContain(`Would remove ${gone.length} objects (${formatBytes(bytes)}) from local cache.`);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
    const j = JSON.parse(ok(dvx(["gc", "-a", "--dry", "--json"], { cwd: dir })).stdout);
    expect(j.local.objects).toBe(gone.length);
    expect(j.local.bytes).toBe(bytes);
    expect(j.executed).toBe(false);
  });

  it("refuses without -f when not interactive, and needs a scope", () => {
    const dir = copyRepo(h.dir);
    const r = dvx(["gc", "-w"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to delete \d+ objects .* without confirmation \(stdin is not a terminal\)/);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
    const u = dvx(["gc", "-f"], { cwd: dir });
    expect(u.code).not.toBe(0);
    expect(u.stderr).toMatch(/one of -w\/--workspace, -a\/--all-branches/);
    expect(dvx(["gc", "-w", "-r", "x"], { cwd: dir }).stderr).toMatch(/`--remote` requires `--cloud`/);
    expect(dvx(["gc", "-w", "-n", "2"], { cwd: dir }).stderr).toMatch(/`--num` can only be used alongside `--rev`/);
    expect(dvx(["gc", "--rev", "nosuchrev", "-f"], { cwd: dir }).stderr).toMatch(/unknown Git revision 'nosuchrev'/);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)("asks on a terminal: 'n' keeps everything, 'y' deletes", () => {
    const dir = copyRepo(h.dir);
    const onTty = (answer: string) =>
      spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} gc -w`, "/dev/null"], { cwd: dir, input: answer, encoding: "utf8" });
    const no = onTty("n\n");
    expect(no.status).toBe(1);
    expect(no.stdout).toMatch(/This would delete \d+ objects .* from the local cache\.[\s\S]*Are you sure you want to proceed\? \[y\/n\]/);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
    const yes = onTty("perhaps\ny\n");
    expect(yes.status).toBe(0);
    expect(yes.stdout).toMatch(/Removed \d+ objects/);
    expectRemaining(dir, used.ws!);
  });

  it("deletes .dir objects before any file object (library progress order)", async () => {
    const dir = copyRepo(h.dir);
    const events: ProgressEvent[] = [];
    const repo = Repo.open(dir, { onProgress: (e) => events.push(e) });
    try {
      const r = await repo.gc({ workspace: true, force: true, jobs: 4 });
      expect(r.executed).toBe(true);
      const items = events.filter((e): e is Extract<ProgressEvent, { type: "item" }> => e.type === "item" && e.phase === "gc").map((e) => e.oid!);
      expect(items.length).toBe(r.removedLocal);
      const dirIdx = items.map((o) => o.endsWith(".dir")).lastIndexOf(true);
      const fileIdx = items.findIndex((o) => !o.endsWith(".dir"));
      expect(dirIdx).toBeGreaterThanOrEqual(0);
      expect(dirIdx).toBeLessThan(fileIdx);
      // without force or confirm the library refuses
      await expect(repo.gc({ workspace: true })).rejects.toThrow(/refusing to delete without confirmation/);
      let seen = 0;
      const declined = await repo.gc({ allCommits: true, confirm: () => (seen++, false) });
      expect(declined.executed).toBe(false);
      expect(seen).toBe(1);
    } finally {
      repo.close();
    }
  });
});

describe("dvx gc safety", { timeout: 240_000 }, () => {
  it("a used .dir that cannot be read anywhere keeps every file object of its layout", () => {
    const dir = copyRepo(h.dir);
    const v1Dir = /md5: (\w+\.dir)/.exec(git(dir, "show", "v1:data.dvc"))![1]!;
    fs.rmSync(path.join(cacheOf(dir), objKey(v1Dir)));
    const before = objectKeys(cacheOf(dir));
    const r = ok(dvx(["gc", "-T", "-f"], { cwd: dir }));
    expect(r.stderr).toMatch(new RegExp(`missing cache for directory 'data' \\(${v1Dir}, used by v1\\): no files/md5 file object will be deleted`));
    const left = objectKeys(cacheOf(dir));
    // every 3.x file object stays; unused .dir objects and the other layout are still collected
    for (const k of before.filter((k) => k.startsWith("files/md5/") && !k.endsWith(".dir"))) expect(left).toContain(k);
    expect(left).not.toContain(objKey(h.orphans[0]! + ".dir"));
    expect(left).not.toContain(objKey(h.orphans[2]!, true));
    // opting into DVC's behaviour lets them go
    ok(dvx(["gc", "-T", "-f", "--drop-unreadable-dirs"], { cwd: dir }));
    // v1 now protects only what its pointer files name directly (f and the legacy file)
    const keep = union(used.ws!, used.c2!, [objKey(md5("f1")), objKey(h.legacyOid, true)]);
    expect(objectKeys(cacheOf(dir))).toEqual(sorted(before.filter((k) => keep.has(k))));
    expect(objectKeys(cacheOf(dir))).not.toContain(objKey(md5("a1")));
  });

  it("a .dir missing locally is read from the remote (and cached again) to learn its files", () => {
    const dir = copyRepo(h.dir);
    const store = path.join(path.dirname(dir), "store");
    ok(dvx(["remote", "add", "-d", "store", store], { cwd: dir }));
    ok(dvx(["push", "-q", "-T"], { cwd: dir }));
    const v1Dir = /md5: (\w+\.dir)/.exec(git(dir, "show", "v1:data.dvc"))![1]!;
    fs.rmSync(path.join(cacheOf(dir), objKey(v1Dir)));
    ok(dvx(["gc", "-T", "-f"], { cwd: dir }));
    expectRemaining(dir, union(used.ws!, used.c1!, used.c2!));
  });

  it("a revision whose pointer files cannot be read stops gc (unless --skip-failed, never for --cloud)", () => {
    const dir = copyRepo(h.dir);
    const store = path.join(path.dirname(dir), "store");
    ok(dvx(["remote", "add", "-d", "store", store], { cwd: dir }));
    ok(dvx(["push", "-q", "-A"], { cwd: dir }));
    git(dir, "checkout", "-q", "-b", "broken");
    writeTree(dir, { "bad.dvc": "outs:\n- md5: [not, a, hash]\n  path: bad\n" });
    git(dir, "add", "bad.dvc");
    git(dir, "commit", "-q", "-m", "broken pointer"); // only bad.dvc: the workspace's own changes stay uncommitted
    git(dir, "checkout", "-q", "main");
    const remoteBefore = objectKeys(store);
    const r = dvx(["gc", "-a", "-f"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/revision\(s\) could not be read: broken: bad\.dvc/);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
    const c = dvx(["gc", "-a", "-c", "-f", "--skip-failed"], { cwd: dir });
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/nothing will be deleted on the remote/);
    expect(objectKeys(store)).toEqual(remoteBefore);
    expect(objectKeys(cacheOf(dir))).toEqual(initial);
    const s = ok(dvx(["gc", "-a", "-f", "--skip-failed"], { cwd: dir }));
    expect(s.stderr).toMatch(/Failed to collect 'broken', skipping/);
    expectRemaining(dir, union(used.ws!, used.c3!, used.cf!));
  });

  it("pointer files are read from git, never checked out: the workspace is untouched", () => {
    const dir = copyRepo(h.dir);
    const status = git(dir, "status", "--porcelain");
    const head = git(dir, "rev-parse", "HEAD");
    ok(dvx(["gc", "-A", "-f"], { cwd: dir }));
    expect(git(dir, "status", "--porcelain")).toBe(status);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(fs.readFileSync(path.join(dir, "g"), "utf8")).toBe("g-workspace");
  });

  it("honours .dvcignore and skips sub-repositories at other revisions", () => {
    const dir = copyRepo(h.dir);
    git(dir, "checkout", "-q", "-b", "ignored");
    // a pointer file under an ignored directory and one inside a sub-repository: neither counts
    writeTree(dir, {
      ".dvcignore": "vendor/\n",
      "vendor/x.dvc": `outs:\n- md5: ${h.orphans[0]}\n  size: 1\n  hash: md5\n  path: x\n`,
      "sub/.dvc/config": "",
      "sub/y.dvc": `outs:\n- md5: ${h.orphans[1]}\n  size: 1\n  hash: md5\n  path: y\n`,
    });
    commitAll(dir, "ignored pointers");
    git(dir, "checkout", "-q", "main");
    ok(dvx(["gc", "--rev", "ignored", "-f"], { cwd: dir }));
    const left = objectKeys(cacheOf(dir));
    expect(left).not.toContain(objKey(h.orphans[0]!));
    expect(left).not.toContain(objKey(h.orphans[1]!));
    expect(left).toContain(objKey(md5("f3")));
  });
});
