/**
 * push/fetch/pull with -a, -T, -A and --rev (objects of other revisions, read from git), and
 * `dvx ls-cache` reporting what the cache and the remote hold per output version.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyRepo, dvx, git, makeHistory, md5, objectKeys, objKey, ok, sorted, tmpDir, union, usedKeys, type History } from "./helpers.js";

let h: History;
const used: Record<string, Set<string>> = {};

beforeAll(() => {
  h = makeHistory();
  for (const [name, rev] of [["c1", h.c1], ["c2", h.c2], ["c3", h.c3], ["cf", h.cf]] as const) used[name] = usedKeys(h.dir, rev);
  used.ws = usedKeys(h.dir, undefined);
}, 120_000);

function withRemote(): { dir: string; store: string } {
  const dir = copyRepo(h.dir);
  const store = path.join(tmpDir("dvx-sync-remote-"), "store");
  ok(dvx(["remote", "add", "-d", "store", store], { cwd: dir }));
  git(dir, "add", ".dvc/config");
  git(dir, "commit", "-q", "-m", "remote", "--", ".dvc/config");
  return { dir, store };
}

/** A clone of `dir` (git only: empty cache, main checked out, workspace data absent). */
function cloneOf(dir: string): string {
  const clone = path.join(tmpDir("dvx-sync-clone-"), "clone");
  git(path.dirname(clone), "clone", "-q", dir, clone);
  git(clone, "config", "user.email", "t@dvx.invalid");
  git(clone, "config", "user.name", "t");
  for (const b of ["feature"]) git(clone, "branch", "-q", b, `origin/${b}`);
  return clone;
}

describe("push/fetch/pull across revisions", { timeout: 240_000 }, () => {
  it("push -a uploads the objects of every branch tip and the workspace; push -T adds the tags'", () => {
    const { dir, store } = withRemote();
    ok(dvx(["push", "-a"], { cwd: dir }));
    expect(objectKeys(store)).toEqual(sorted(union(used.ws!, used.c3!, used.cf!)));
    ok(dvx(["push", "-T"], { cwd: dir }));
    expect(objectKeys(store)).toEqual(sorted(union(used.ws!, used.c3!, used.cf!, used.c1!, used.c2!)));
  });

  it("push --rev REV uploads that revision's objects only (plus the workspace)", () => {
    const { dir, store } = withRemote();
    ok(dvx(["push", "--rev", "v1"], { cwd: dir }));
    expect(objectKeys(store)).toEqual(sorted(union(used.ws!, used.c1!)));
  });

  it("a fresh clone fetches other revisions' objects with -T / --rev / -A, and pull -a checks out only the workspace", () => {
    const { dir, store } = withRemote();
    ok(dvx(["push", "-A"], { cwd: dir }));
    expect(objectKeys(store).length).toBeGreaterThan(0);
    const clone = cloneOf(dir);
    const cache = path.join(clone, ".dvc/cache");
    const clonedWs = usedKeys(h.dir, h.c3); // the clone's workspace is main's tip

    ok(dvx(["fetch", "-T"], { cwd: clone }));
    expect(objectKeys(cache)).toEqual(sorted(union(clonedWs, used.c1!, used.c2!)));
    ok(dvx(["fetch", "--rev", "feature"], { cwd: clone }));
    expect(objectKeys(cache)).toEqual(sorted(union(clonedWs, used.c1!, used.c2!, used.cf!)));

    const clone2 = cloneOf(dir);
    const r = ok(dvx(["pull", "-a"], { cwd: clone2 }));
    expect(r.stdout).toMatch(/fetched/);
    expect(objectKeys(path.join(clone2, ".dvc/cache"))).toEqual(sorted(union(clonedWs, used.cf!)));
    // only the workspace was checked out (main's data, not feature's)
    expect(fs.readFileSync(path.join(clone2, "data/sub/b"), "utf8")).toBe("b1");
    expect(fs.existsSync(path.join(clone2, "data/new"))).toBe(false);

    const clone3 = cloneOf(dir);
    ok(dvx(["fetch", "-A"], { cwd: clone3 }));
    expect(objectKeys(path.join(clone3, ".dvc/cache"))).toEqual(sorted(union(clonedWs, used.c1!, used.c2!, used.c3!, used.cf!)));
  });

  it("targets apply at each revision; a target that exists nowhere is an error", () => {
    const { dir, store } = withRemote();
    ok(dvx(["push", "-T", "f.dvc"], { cwd: dir }));
    expect(objectKeys(store)).toEqual(sorted([objKey(md5("f1")), objKey(md5("f3"))]));
    const bad = dvx(["push", "-a", "nothing-here"], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/nothing-here: not tracked by any .dvc file or dvc.lock in the workspace or the selected revisions/);
  });
});

describe("dvx ls-cache", { timeout: 240_000 }, () => {
  it("reports, per output version, what the cache and the remote hold", () => {
    const { dir } = withRemote();
    ok(dvx(["push", "--rev", "v1"], { cwd: dir }));
    fs.rmSync(path.join(dir, ".dvc/cache", objKey(md5("b2"))));
    const r = dvx(["ls-cache", "-a", "-T", "-c", "--json"], { cwd: dir });
    expect(r.code).toBe(1); // something is missing
    const j = JSON.parse(r.stdout) as { entries: { path: string; hash: string; revs: string[]; cache: { status: string; present: number; total?: number }; remote?: { status: string } }[]; remote: { name: string } };
    expect(j.remote.name).toBe("store");
    const row = (p: string, rev: string) => j.entries.find((e) => e.path === p && e.revs.includes(rev))!;
    expect(row("data", "feature").cache).toEqual({ status: "partial", present: 3, total: 4 });
    expect(row("data", "feature").remote).toEqual({ status: "partial", present: 1, total: 4 }); // only a2 (main uses it too)
    expect(row("data", "v1").remote!.status).toBe("ok");
    expect(row("f", "v1").revs).toEqual(expect.arrayContaining(["v1", "v2"]));
    expect(row("legacy.bin", "main").cache.status).toBe("ok");
    const text = dvx(["ls-cache", "--rev", "v1"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^PATH\s+HASH\s+CACHE\s+REVISIONS\n/);
    expect(text.stdout).toMatch(/data\/\s+[0-9a-f]{8}\s+ok \(3\)\s+v1/);
  });
});
