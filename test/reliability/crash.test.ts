/**
 * kill -9 at random moments (issue #7): DVX_KILL_ROUNDS kills (default 30) that land while the
 * command works, for each of add, checkout, push and pull. The moment is drawn uniformly over the
 * command's work (from the moment it holds the repository lock, for push from its first write to
 * the remote, to its measured end): kills during Node start-up could have written nothing. Rounds
 * whose moment fell after the end of the run are counted apart and do not count as kills. The four loops run
 * concurrently (each in its own repository), so the suite keeps two CPU cores busy: every loop
 * spends most of its time waiting for a child process.
 *
 * After every kill:
 * - add: every cache object hashes to its name and is 0444; `data.dvc` is the previous one or the
 *   new complete one, whose objects are all cached; `.gitignore` is whole;
 * - checkout: each workspace file holds the old or the new version, never a file of neither;
 * - push (local-directory remote, emptied every round): every remote object hashes to its name,
 *   and every `.dir` on the remote has all its files there (spec 8.4's `.dir`-last promise);
 * - pull (a clone, its cache pruned to the old version every round): the clone's cache is intact
 *   and each workspace file is old or new.
 * Then the same command is re-run and must complete (exit 0, no --force, no manual cleanup of the
 * lock), leaving exactly the new state and no temp files in the workspace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpDir, tmpRepo } from "../helpers/cli.js";
import { CRASH_DATASET, git, killLoop, repoWithRemote } from "./crash.js";
import { checkOdb, dvcFileOid, hashTree, manifestOf, mutateDataset, tmpFilesUnder, writeDataset } from "./helpers.js";

/** Every `.dir` present on a remote must have all its files there. */
function checkDirPromise(remoteRoot: string, oids: Set<string>): string[] {
  const broken: string[] = [];
  for (const oid of oids) {
    if (!oid.endsWith(".dir")) continue;
    for (const [rel, md5] of manifestOf(remoteRoot, oid)) if (!oids.has(md5)) broken.push(`${oid}: ${rel} (${md5}) absent`);
  }
  return broken;
}

describe.concurrent("crash: kill -9 at random moments, then re-run", () => {
  it("add: loses nothing, leaves no partial object or pointer file, and a re-run completes", { timeout: 1_800_000 }, async () => {
    const repo = tmpRepo();
    const data = path.join(repo, "data");
    const cache = path.join(repo, ".dvc", "cache");
    let current = writeDataset(data, CRASH_DATASET, 1);
    expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
    let previousDvc: string | undefined;
    let seed = 100;

    const fig = await killLoop({
      op: "add",
      args: ["add", "-q", "data"],
      cwd: repo,
      before() {
        previousDvc = fs.readFileSync(path.join(repo, "data.dvc"), "utf8");
        current = mutateDataset(data, current, seed++);
      },
      afterKill() {
        const objs = checkOdb(cache, { requireReadOnly: true });
        expect(objs.bad).toEqual([]);
        expect(objs.notReadOnly).toEqual([]);
        const dvcPath = path.join(repo, "data.dvc");
        if (fs.existsSync(dvcPath)) {
          const text = fs.readFileSync(dvcPath, "utf8");
          if (text !== previousDvc) {
            // a new pointer file is complete and everything it names is already cached
            const oid = dvcFileOid(dvcPath);
            expect(oid, `half-written data.dvc:\n${text}`).toMatch(/\.dir$/);
            expect(text.endsWith("path: data\n"), `half-written data.dvc:\n${text}`).toBe(true);
            const m = manifestOf(cache, oid!);
            expect(m).toEqual(current);
            for (const md5 of m.values()) expect(objs.oids.has(md5)).toBe(true);
          }
        }
        const gi = path.join(repo, ".gitignore");
        if (fs.existsSync(gi)) expect(fs.readFileSync(gi, "utf8")).toBe("/data\n");
      },
      afterRerun() {
        const oid = dvcFileOid(path.join(repo, "data.dvc"));
        expect(manifestOf(cache, oid!)).toEqual(current);
        const objs = checkOdb(cache, { requireReadOnly: true });
        expect(objs.bad).toEqual([]);
        for (const md5 of current.values()) expect(objs.oids.has(md5)).toBe(true);
        expect(hashTree(data).files).toEqual(current);
        const st = dvx(["status", "--json"], { cwd: repo });
        expect(st.code).toBe(0);
        expect(JSON.parse(st.stdout)).toEqual({});
      },
    });
    expect(fig.rerunsCompleted).toBe(fig.rounds);
    expect(fig.killedMidRun).toBe(fig.killsWanted);
  });

  it("checkout: leaves each file old or new, and a re-run completes", { timeout: 1_800_000 }, async () => {
    const repo = tmpRepo();
    const data = path.join(repo, "data");
    const cache = path.join(repo, ".dvc", "cache");
    const versions: { dvc: string; files: Map<string, string> }[] = [];
    let files = writeDataset(data, CRASH_DATASET, 2);
    for (let v = 0; v < 2; v++) {
      if (v > 0) files = mutateDataset(data, files, 200 + v, 0.6);
      expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
      git(repo, "add", "data.dvc", ".gitignore");
      git(repo, "commit", "-q", "-m", `v${v}`);
      versions.push({ dvc: fs.readFileSync(path.join(repo, "data.dvc"), "utf8"), files });
    }
    let target = 1; // the workspace holds v1 now
    let old = versions[1]!;

    const fig = await killLoop({
      op: "checkout",
      args: ["checkout", "-q"],
      cwd: repo,
      before() {
        old = versions[target]!;
        target = 1 - target;
        fs.writeFileSync(path.join(repo, "data.dvc"), versions[target]!.dvc);
      },
      afterKill() {
        const want = versions[target]!.files;
        const ws = hashTree(data);
        for (const [rel, md5] of ws.files) {
          const ok = md5 === want.get(rel) || md5 === old.files.get(rel);
          expect(ok, `${rel} holds neither the old nor the new version`).toBe(true);
        }
        expect(checkOdb(cache, { requireReadOnly: true }).bad).toEqual([]);
      },
      afterRerun() {
        const ws = hashTree(data);
        expect(ws.files).toEqual(versions[target]!.files);
        expect(tmpFilesUnder(repo).filter((p) => !p.startsWith(".dvc/cache/"))).toEqual([]);
      },
    });
    expect(fig.rerunsCompleted).toBe(fig.rounds);
    expect(fig.killedMidRun).toBe(fig.killsWanted);
  });

  it("push: never leaves a partial or wrong object on the remote, nor a .dir without its files; a re-run completes", { timeout: 1_800_000 }, async () => {
    const remote = path.join(tmpDir("dvx-rel-remote-"), "store");
    const repo = repoWithRemote(remote);
    const data = path.join(repo, "data");
    const versions: { dvc: string; objects: Set<string> }[] = [];
    let files = writeDataset(data, CRASH_DATASET, 3);
    for (let v = 0; v < 2; v++) {
      if (v > 0) files = mutateDataset(data, files, 300 + v, 0.5);
      expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
      const dvc = fs.readFileSync(path.join(repo, "data.dvc"), "utf8");
      const oid = dvcFileOid(path.join(repo, "data.dvc"))!;
      versions.push({ dvc, objects: new Set([oid, ...files.values()]) });
    }
    let target = 0;

    const fig = await killLoop({
      op: "push",
      args: ["push", "-q"],
      cwd: repo,
      // push takes no repository lock; its first write creates the (emptied) remote directory
      started: () => fs.existsSync(remote),
      before(ctx) {
        // an empty remote every round: the whole version is uploaded
        fs.rmSync(remote, { recursive: true, force: true });
        target = ctx.round < 0 ? 0 : ctx.round % 2;
        fs.writeFileSync(path.join(repo, "data.dvc"), versions[target]!.dvc);
      },
      afterKill() {
        const objs = checkOdb(remote, { requireReadOnly: true });
        expect(objs.bad).toEqual([]);
        expect(objs.notReadOnly).toEqual([]);
        expect(checkDirPromise(remote, objs.oids)).toEqual([]);
      },
      afterRerun() {
        const objs = checkOdb(remote, { requireReadOnly: true });
        expect(objs.bad).toEqual([]);
        for (const o of versions[target]!.objects) expect(objs.oids.has(o), `${o} missing on the remote`).toBe(true);
      },
    });
    const st = dvx(["status", "-c", "--json"], { cwd: repo });
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toEqual({});
    expect(fig.rerunsCompleted).toBe(fig.rounds);
    expect(fig.killedMidRun).toBe(fig.killsWanted);
  });

  it("pull: leaves the cache intact and each file old or new; a re-run completes", { timeout: 1_800_000 }, async () => {
    const remote = path.join(tmpDir("dvx-rel-remote-"), "store");
    const producer = repoWithRemote(remote);
    const versions: { dvc: string; files: Map<string, string>; objects: Set<string> }[] = [];
    let files = writeDataset(path.join(producer, "data"), CRASH_DATASET, 4);
    for (let v = 0; v < 2; v++) {
      if (v > 0) files = mutateDataset(path.join(producer, "data"), files, 400 + v, 0.7);
      expect(dvx(["add", "-q", "data"], { cwd: producer }).code).toBe(0);
      expect(dvx(["push", "-q"], { cwd: producer }).code).toBe(0);
      const oid = dvcFileOid(path.join(producer, "data.dvc"))!;
      versions.push({ dvc: fs.readFileSync(path.join(producer, "data.dvc"), "utf8"), files, objects: new Set([oid, ...files.values()]) });
    }
    git(producer, "add", ".");
    git(producer, "commit", "-q", "-m", "data");
    const clone = tmpDir("dvx-rel-clone-");
    git(clone, "clone", "-q", producer, ".");
    const cache = path.join(clone, ".dvc", "cache");
    const data = path.join(clone, "data");
    let target = -1;
    let old: (typeof versions)[number] | undefined;

    const fig = await killLoop({
      op: "pull",
      args: ["pull", "-q"],
      cwd: clone,
      before() {
        old = target < 0 ? undefined : versions[target];
        target = target < 0 ? 0 : 1 - target;
        fs.writeFileSync(path.join(clone, "data.dvc"), versions[target]!.dvc);
        // keep only what the workspace's version uses: the pull downloads the whole new version
        for (const oid of checkOdb(cache).oids) {
          if (!old?.objects.has(oid)) fs.rmSync(path.join(cache, "files", "md5", oid.slice(0, 2), oid.slice(2)));
        }
      },
      afterKill() {
        expect(checkOdb(cache, { requireReadOnly: true }).bad).toEqual([]);
        const want = versions[target]!.files;
        for (const [rel, md5] of hashTree(data).files) {
          const ok = md5 === want.get(rel) || md5 === old?.files.get(rel);
          expect(ok, `${rel} holds neither the old nor the new version`).toBe(true);
        }
      },
      afterRerun() {
        expect(hashTree(data).files).toEqual(versions[target]!.files);
        const objs = checkOdb(cache, { requireReadOnly: true });
        expect(objs.bad).toEqual([]);
        for (const o of versions[target]!.objects) expect(objs.oids.has(o)).toBe(true);
        expect(tmpFilesUnder(clone).filter((p) => !p.startsWith(".dvc/"))).toEqual([]);
      },
    });
    expect(fig.rerunsCompleted).toBe(fig.rounds);
    expect(fig.killedMidRun).toBe(fig.killsWanted);
  });
});
