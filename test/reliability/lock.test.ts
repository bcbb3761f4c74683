/**
 * One writer per repository (issue #7): the lock under `.dvc/tmp/` is released on exit, a second
 * process gets one clear line naming the holder, a lock left by a crash is stale without manual
 * cleanup (also when its pid has been reused by another process), several processes racing to
 * take over a stale lock never both hold it, and concurrent pushes from two clones to one remote
 * never corrupt it.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, REPO_ROOT, tmpDir, tmpRepo, writeTree } from "../helpers/cli.js";
import { makeBucket, s3Peer, skipReason } from "../helpers/peers.js";
import { git, repoWithRemote } from "./crash.js";
import { checkOdb, dvcFileOid, manifestOf, report, runDvx, sleep, spawnDvx, writeDataset } from "./helpers.js";

const LOCK = (repo: string) => path.join(repo, ".dvc", "tmp", "dvx.lock");

/** A pid that is not running (a child that already exited). */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => c.on("exit", r));
  return c.pid!;
}

describe("repository lock", () => {
  it("is released on exit, and a second writer gets one line naming the holder", { timeout: 120_000 }, async () => {
    const repo = tmpRepo();
    writeDataset(path.join(repo, "data"), { files: 400, size: 64 * 1024, big: { count: 2, size: 16 * 1024 * 1024 } }, 7);
    const holder = spawnDvx(["add", "-q", "data"], { cwd: repo });
    const t0 = Date.now();
    while (!fs.existsSync(LOCK(repo)) && !holder.exited() && Date.now() - t0 < 30_000) await sleep(5);
    expect(fs.existsSync(LOCK(repo)), "add took the lock").toBe(true);
    const second = await runDvx(["checkout"], { cwd: repo });
    const stillRunning = !holder.exited();
    const first = await holder.done;
    expect(first.code, first.stderr).toBe(0);
    expect(fs.existsSync(LOCK(repo)), "released on exit").toBe(false);
    if (stillRunning) {
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split("\n");
      expect(lines[0]).toMatch(new RegExp(`^ERROR: .*dvx\\.lock: repository is locked by pid ${holder.pid} on ${os.hostname()} \\('add', since `));
      expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(lines.length).toBeLessThanOrEqual(2);
    }
  });

  it("while a live process holds the lock, every writer is refused with one line naming it; nothing is written", { timeout: 120_000 }, async () => {
    const repo = tmpRepo();
    writeTree(repo, { "data/a.txt": "a\n", "b.txt": "b\n" });
    expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
    fs.rmSync(path.join(repo, "data"), { recursive: true });
    const cached = checkOdb(path.join(repo, ".dvc", "cache")).oids;
    const dir = tmpDir("dvx-rel-lock-");
    const script = path.join(dir, "hold.mjs");
    // the real lock code, in a process that keeps it until its stdin closes
    fs.writeFileSync(
      script,
      `import { RepoLock } from ${JSON.stringify(path.join(REPO_ROOT, "dist/src/repo/repoLock.js"))};
      const lock = RepoLock.acquire(process.argv[2], "holder");
      process.stdout.write("held\\n");
      process.stdin.on("data", () => {});
      process.stdin.on("end", () => { lock.release(); process.exit(0); });`,
    );
    const holder = spawn(process.execPath, [script, path.join(repo, ".dvc", "tmp")], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (b: Buffer) => b.toString().includes("held") && resolve());
        holder.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
      });
      for (const args of [["add", "b.txt"], ["checkout"], ["commit", "-f"], ["remove", "data.dvc"], ["fetch"], ["pull"], ["gc", "-w", "-f"]]) {
        const r = await runDvx(args, { cwd: repo });
        const what = `dvx ${args.join(" ")}:\n${r.stderr}`;
        expect(r.code, what).toBe(1);
        const lines = r.stderr.trim().split("\n");
        expect(lines[0], what).toMatch(new RegExp(`^ERROR: .*dvx\\.lock: repository is locked by pid ${holder.pid} on ${os.hostname()} \\('holder', since `));
        expect(lines.slice(1).every((l) => l.startsWith("hint: ")), what).toBe(true);
        expect(r.stderr, what).not.toMatch(/\n\s+at /);
      }
      // refused before doing anything
      expect(fs.existsSync(path.join(repo, "b.txt.dvc"))).toBe(false);
      expect(fs.existsSync(path.join(repo, "data"))).toBe(false);
      expect(fs.existsSync(path.join(repo, "data.dvc"))).toBe(true);
      expect(checkOdb(path.join(repo, ".dvc", "cache")).oids).toEqual(cached);
    } finally {
      holder.stdin.end();
      await new Promise((r) => (holder.exitCode !== null ? r(null) : holder.on("exit", r)));
    }
    expect(fs.existsSync(LOCK(repo)), "released by its holder").toBe(false);
    const r = dvx(["checkout", "-q"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, "data/a.txt"), "utf8")).toBe("a\n");
  });

  it("a lock left by a crashed process is stale: the next command just runs", async () => {
    const repo = tmpRepo();
    writeTree(repo, { "a.txt": "a\n" });
    fs.mkdirSync(path.dirname(LOCK(repo)), { recursive: true });
    fs.writeFileSync(LOCK(repo), JSON.stringify({ pid: await deadPid(), host: os.hostname(), command: "add", since: new Date().toISOString() }));
    const r = dvx(["add", "-q", "a.txt"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(LOCK(repo))).toBe(false);
  });

  it("a lock whose pid now belongs to another process (pid reuse after a crash or a container restart) is stale", () => {
    const repo = tmpRepo();
    writeTree(repo, { "a.txt": "a\n" });
    fs.mkdirSync(path.dirname(LOCK(repo)), { recursive: true });
    // pid 1 is alive, but it is not the process that wrote this lock (it started long before)
    fs.writeFileSync(
      LOCK(repo),
      JSON.stringify({ pid: process.pid, host: os.hostname(), command: "add", since: new Date().toISOString(), start: "1" }),
    );
    const r = dvx(["add", "-q", "a.txt"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
  });

  it("processes racing to take over a stale lock never hold it at the same time", { timeout: 120_000 }, async () => {
    const dir = tmpDir("dvx-rel-lock-");
    const log = path.join(dir, "log");
    const script = `
      import { RepoLock } from ${JSON.stringify(path.join(REPO_ROOT, "dist/src/repo/repoLock.js"))};
      import * as fs from "node:fs";
      const [tmpDir, log, id] = process.argv.slice(2);
      const start = Date.now() + 300; while (Date.now() < start) {}
      let lock;
      try { lock = RepoLock.acquire(tmpDir, "race"); } catch (e) { if (e.code !== "LOCKED") throw e; process.exit(0); }
      fs.appendFileSync(log, "in " + id + "\\n");
      const t = Date.now() + 150; while (Date.now() < t) {}
      fs.appendFileSync(log, "out " + id + "\\n");
      lock.release();
    `;
    const scriptFile = path.join(dir, "race.mjs");
    fs.writeFileSync(scriptFile, script);
    let overlaps = 0;
    let holders = 0;
    const ROUNDS = 4;
    for (let round = 0; round < ROUNDS; round++) {
      const tmp = path.join(dir, `tmp${round}`);
      fs.mkdirSync(tmp);
      fs.writeFileSync(path.join(tmp, "dvx.lock"), JSON.stringify({ pid: await deadPid(), host: os.hostname(), command: "add", since: "" }));
      fs.writeFileSync(log, "");
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          new Promise<void>((resolve, reject) => {
            const c = spawn(process.execPath, [scriptFile, tmp, log, String(i)], { stdio: ["ignore", "ignore", "pipe"] });
            let err = "";
            c.stderr.on("data", (b: Buffer) => (err += b));
            c.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(err))));
          }),
        ),
      );
      let inside = 0;
      for (const line of fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean)) {
        if (line.startsWith("in ")) {
          inside++;
          holders++;
          if (inside > 1) overlaps++;
        } else inside--;
      }
    }
    report({ suite: "lock", staleTakeoverRaces: ROUNDS, racers: ROUNDS * 4, holders, overlaps });
    expect(overlaps).toBe(0);
    expect(holders).toBeGreaterThanOrEqual(ROUNDS);
  });

  it("concurrent pushes from two clones to one local remote never corrupt it", { timeout: 300_000 }, async () => {
    const remote = path.join(tmpDir("dvx-rel-remote-"), "store");
    await concurrentPushes(remote, (repo) => expect(dvx(["remote", "add", "-d", "-f", "r", remote], { cwd: repo }).code).toBe(0), (objs) => checkOdb(remote, { requireReadOnly: true }), "local");
  });

  const s3Skip = skipReason("s3");
  it.skipIf(s3Skip)("concurrent pushes from two clones to one MinIO bucket never corrupt it", { timeout: 300_000 }, async () => {
    const peer = s3Peer()!;
    const bucket = await makeBucket("s3");
    const mirror = tmpDir("dvx-rel-mirror-");
    await concurrentPushes(
      `s3://${bucket}/store`,
      (repo) => {
        for (const args of [
          ["remote", "add", "-d", "-f", "r", `s3://${bucket}/store`],
          ["remote", "modify", "--local", "r", "endpointurl", peer.endpoint],
          ["remote", "modify", "--local", "r", "access_key_id", peer.accessKeyId],
          ["remote", "modify", "--local", "r", "secret_access_key", peer.secretAccessKey],
        ]) {
          const r = dvx(args, { cwd: repo });
          expect(r.code, `dvx ${args.join(" ")}: ${r.stderr}`).toBe(0);
        }
      },
      async () => {
        // download the whole bucket into a directory and check it like a local remote
        const { downloadPrefix } = await import("./remotes.js");
        fs.rmSync(mirror, { recursive: true, force: true });
        await downloadPrefix("s3", bucket, "store/", mirror);
        return checkOdb(mirror);
      },
      "s3",
    );
  });
});

async function concurrentPushes(
  remoteUrl: string,
  configure: (repo: string) => void,
  check: (objs?: unknown) => ReturnType<typeof checkOdb> | Promise<ReturnType<typeof checkOdb>>,
  label: string,
): Promise<void> {
  const a = tmpRepo();
  configure(a);
  const shared = writeDataset(path.join(a, "data"), { files: 150, size: 16 * 1024 }, 11);
  expect(dvx(["add", "-q", "data"], { cwd: a }).code).toBe(0);
  git(a, "add", ".");
  git(a, "commit", "-q", "-m", "base");
  const b = tmpDir("dvx-rel-clone-");
  git(b, "clone", "-q", a, ".");
  configure(b);
  // b tracks the same data (same objects) plus its own: pushes overlap on most objects
  fs.cpSync(path.join(a, "data"), path.join(b, "data"), { recursive: true });
  writeDataset(path.join(b, "data", "extra"), { files: 40, size: 16 * 1024 }, 12);
  writeDataset(path.join(a, "data", "extra-a"), { files: 40, size: 16 * 1024 }, 13);
  const ra = dvx(["add", "-q", "data"], { cwd: a });
  const rb = dvx(["add", "-q", "data"], { cwd: b });
  expect(ra.code, ra.stderr).toBe(0);
  expect(rb.code, rb.stderr).toBe(0);
  const [pa, pb] = await Promise.all([runDvx(["push", "-q", "-j", "8"], { cwd: a }), runDvx(["push", "-q", "-j", "8"], { cwd: b })]);
  expect(pa.code, pa.stderr).toBe(0);
  expect(pb.code, pb.stderr).toBe(0);
  const objs = await check();
  expect(objs.bad).toEqual([]);
  for (const repo of [a, b]) {
    const oid = dvcFileOid(path.join(repo, "data.dvc"))!;
    expect(objs.oids.has(oid)).toBe(true);
    for (const md5 of manifestOf(path.join(repo, ".dvc", "cache"), oid).values()) expect(objs.oids.has(md5)).toBe(true);
    const st = dvx(["status", "-c", "--json"], { cwd: repo });
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toEqual({});
  }
  report({ suite: "lock", concurrentPushes: label, objectsOnRemote: objs.checked, bad: objs.bad.length, shared: shared.size });
}
