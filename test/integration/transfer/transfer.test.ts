/**
 * push / fetch / remoteStatus against a real LocalCache and every available remote backend.
 */
import { readFileSync, chmodSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { isDvxError } from "../../../src/errors.js";
import { oidKey } from "../../../src/odb/oid.js";
import type { ProgressEvent } from "../../../src/progress.js";
import { readAll } from "../../../src/storage/storage.js";
import { fetch, push, remoteStatus, lookupRemoteStatus, type ObjRef, type TransferRequest } from "../../../src/transfer/index.js";
import { skipReason } from "../../helpers/peers.js";
import {
  cleanupTemps,
  listAll,
  newCache,
  putDir,
  putObject,
  randomFiles,
  RecordingStorage,
  remoteTargets,
  type LocalCache,
} from "./helpers.js";

afterAll(cleanupTemps);

/** A cache wrapper that records the order of putVerified calls. */
function recordPuts(cache: LocalCache): { cache: LocalCache; puts: string[] } {
  const puts: string[] = [];
  const wrapped = Object.create(cache) as LocalCache;
  wrapped.putVerified = async (oid, h, src, opts) => {
    const r = await cache.putVerified(oid, h, src, opts);
    puts.push(oid);
    return r;
  };
  return { cache: wrapped, puts };
}

for (const target of remoteTargets()) {
  const why = target.available ? undefined : skipReason(target.label.startsWith("s3") ? "s3" : "gcs");
  describe.skipIf(why !== undefined)(`transfer with a ${target.label} remote`, () => {
    it("push then fetch into an empty cache: byte-identical objects in the right layouts (md5 and md5-dos2unix)", async () => {
      const src = newCache();
      const remote = await target.open({ jobs: 8 });
      try {
        const crlf = Buffer.from("a\r\nb\r\n"); // md5 != md5-dos2unix
        const fileMd5 = await putObject(src, crlf, "md5");
        const fileLegacy = await putObject(src, crlf, "md5-dos2unix");
        expect(fileMd5).not.toBe(fileLegacy);
        const dir3 = await putDir(src, { "a.txt": Buffer.from("a\r\nb\r\n"), "sub/bin": Buffer.from([0, 1, 2]), "sub/x": Buffer.from("x") }, "md5");
        const dir2 = await putDir(src, { "a.txt": Buffer.from("a\r\nb\r\n"), bin: Buffer.from([0, 1]) }, "md5-dos2unix");
        const req: TransferRequest = {
          files: [
            { oid: fileMd5, hashName: "md5" },
            { oid: fileLegacy, hashName: "md5-dos2unix" },
          ],
          dirs: [
            { oid: dir3.oid, hashName: "md5" },
            { oid: dir2.oid, hashName: "md5-dos2unix" },
          ],
        };
        const events: ProgressEvent[] = [];
        const pushed = await push(req, { cache: src, remote, jobs: 4, onProgress: (e) => events.push(e) });
        // 2 files + 3 + 2 dir files (one shared with the md5 file... distinct oids per layout) + 2 .dir
        const expectedKeys = new Set<string>([
          oidKey(fileMd5, "md5"),
          oidKey(fileLegacy, "md5-dos2unix"),
          oidKey(dir3.oid, "md5"),
          oidKey(dir2.oid, "md5-dos2unix"),
          ...dir3.entries.map((e) => oidKey(e.md5, "md5")),
          ...dir2.entries.map((e) => oidKey(e.md5, "md5-dos2unix")),
        ]);
        expect(pushed.failed).toEqual([]);
        expect(pushed.missing).toEqual([]);
        expect(pushed.transferred).toBe(expectedKeys.size);
        expect(await listAll(remote)).toEqual([...expectedKeys].sort());
        expect(oidKey(fileMd5, "md5")).toMatch(/^files\/md5\/[0-9a-f]{2}\/[0-9a-f]{30}$/);
        expect(oidKey(fileLegacy, "md5-dos2unix")).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{30}$/);
        expect((await readAll(await remote.read(oidKey(dir3.oid, "md5")))).equals(dir3.manifest)).toBe(true);

        // progress: start, start with totals, one item per object, end
        expect(events[0]).toEqual({ type: "start", phase: "push" });
        const withTotal = events.find((e) => e.type === "start" && e.total);
        expect(withTotal && withTotal.type === "start" && withTotal.total?.files).toBe(expectedKeys.size);
        expect(events.filter((e) => e.type === "item")).toHaveLength(expectedKeys.size);
        expect(events.at(-1)).toMatchObject({ type: "end", phase: "push", failed: 0, done: { files: expectedKeys.size } });

        // A second push has nothing to do.
        const again = await push(req, { cache: src, remote, jobs: 4 });
        expect(again.transferred).toBe(0);
        expect(again.failed).toEqual([]);

        const dst = newCache();
        const fetched = await fetch(req, { cache: dst, remote, jobs: 4 });
        expect(fetched.failed).toEqual([]);
        expect(fetched.missing).toEqual([]);
        expect(fetched.transferred).toBe(expectedKeys.size);
        for (const [oid, h] of [
          [fileMd5, "md5"],
          [fileLegacy, "md5-dos2unix"],
          [dir3.oid, "md5"],
          [dir2.oid, "md5-dos2unix"],
          ...dir3.entries.map((e) => [e.md5, "md5"] as const),
          ...dir2.entries.map((e) => [e.md5, "md5-dos2unix"] as const),
        ] as const) {
          expect(readFileSync(dst.objectPath(oid, h)).equals(readFileSync(src.objectPath(oid, h)))).toBe(true);
        }
        const refetch = await fetch(req, { cache: dst, remote, jobs: 4 });
        expect(refetch.transferred).toBe(0);
        expect(refetch.skipped).toBe(expectedKeys.size);
      } finally {
        await remote.close();
      }
    });

    it("uploads a .dir after all its files, and fetch caches it last", async () => {
      const src = newCache();
      const remote = new RecordingStorage(await target.open({ jobs: 8 }));
      try {
        const dir = await putDir(src, randomFiles(40));
        const res = await push({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote, jobs: 8 });
        expect(res.transferred).toBe(41);
        expect(remote.writes).toHaveLength(41);
        expect(remote.writes.at(-1)).toBe(oidKey(dir.oid, "md5"));

        const { cache: dst, puts } = recordPuts(newCache());
        const f = await fetch({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: dst, remote, jobs: 8 });
        expect(f.transferred).toBe(41);
        expect(puts).toHaveLength(41);
        expect(puts.at(-1)).toBe(dir.oid);
        // The manifest was read from the remote first, to learn the files.
        expect(remote.reads[0]).toBe(oidKey(dir.oid, "md5"));
      } finally {
        await remote.close();
      }
    });

    it("does not push a .dir when one of its files is missing locally", async () => {
      const src = newCache();
      const remote = new RecordingStorage(await target.open({ jobs: 8 }));
      try {
        const dir = await putDir(src, randomFiles(5));
        const gone = dir.entries[2]!.md5;
        await src.remove(gone, "md5");
        const res = await push({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote, jobs: 8 });
        expect(res.transferred).toBe(4);
        expect(res.missing).toEqual([{ oid: gone, hashName: "md5" }]);
        expect(res.failed).toEqual([]);
        expect(await remote.exists(oidKey(dir.oid, "md5"))).toBe(false);
        expect(remote.writes).not.toContain(oidKey(dir.oid, "md5"));
      } finally {
        await remote.close();
      }
    });

    it("granular fetch of one file of a 1,000-file dir transfers exactly that object and the .dir", async () => {
      const src = newCache();
      const remote = new RecordingStorage(await target.open({ jobs: 16 }));
      try {
        const dir = await putDir(src, randomFiles(1000, 32));
        const pushed = await push({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote, jobs: 16 });
        expect(pushed.transferred).toBe(1001);
        remote.reads.length = 0;

        const dst = newCache();
        const want = dir.entries.find((e) => e.relpath === "f00500")!;
        const res = await fetch(
          { files: [], dirs: [{ oid: dir.oid, hashName: "md5", only: new Set(["f00500"]) }] },
          { cache: dst, remote, jobs: 16 },
        );
        expect(res.failed).toEqual([]);
        expect(res.transferred).toBe(2);
        expect(remote.reads.sort()).toEqual([oidKey(dir.oid, "md5"), oidKey(want.md5, "md5")].sort());
        expect(await dst.exists(want.md5, "md5")).toBe(true);
        expect(await dst.exists(dir.oid, "md5")).toBe(true);
        expect(await dst.exists(dir.entries[0]!.md5, "md5")).toBe(false);
      } finally {
        await remote.close();
      }
    });

    it("refuses a corrupted remote object: reported failed, never cached, its .dir not cached", async () => {
      const src = newCache();
      const remote = await target.open({ jobs: 8 });
      try {
        const dir = await putDir(src, { good: Buffer.from("good"), bad: Buffer.from("bad content") });
        const single = await putObject(src, Buffer.from("single object"));
        await push({ files: [{ oid: single, hashName: "md5" }], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote });
        const badOid = dir.entries.find((e) => e.relpath === "bad")!.md5;
        for (const oid of [badOid, single]) {
          await remote.delete([oidKey(oid, "md5")]);
          await remote.write(oidKey(oid, "md5"), Buffer.from("tampered!"));
        }
        const dst = newCache();
        const res = await fetch({ files: [{ oid: single, hashName: "md5" }], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: dst, remote });
        const failedOids = res.failed.map((f) => f.oid).sort();
        expect(failedOids).toEqual([badOid, single, dir.oid].sort());
        expect(res.failed.find((f) => f.oid === single)!.error).toMatch(/corrupt/);
        expect(await dst.exists(badOid, "md5")).toBe(false);
        expect(await dst.exists(single, "md5")).toBe(false);
        expect(await dst.exists(dir.oid, "md5")).toBe(false);
        expect(await dst.exists(dir.entries.find((e) => e.relpath === "good")!.md5, "md5")).toBe(true);
      } finally {
        await remote.close();
      }
    });

    it("refuses a remote .dir that does not match its oid", async () => {
      const src = newCache();
      const remote = await target.open({ jobs: 8 });
      try {
        const dir = await putDir(src, { a: Buffer.from("a") });
        await push({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote });
        await remote.delete([oidKey(dir.oid, "md5")]);
        await remote.write(oidKey(dir.oid, "md5"), Buffer.from('[{"md5": "00000000000000000000000000000000", "relpath": "../../etc/x"}]'));
        const dst = newCache();
        const res = await fetch({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: dst, remote });
        expect(res.failed.map((f) => f.oid)).toEqual([dir.oid]);
        expect(res.transferred).toBe(0);
        expect(await dst.exists(dir.oid, "md5")).toBe(false);
      } finally {
        await remote.close();
      }
    });

    it("a re-run after a partial push transfers only the rest", async () => {
      const src = newCache();
      const remote = new RecordingStorage(await target.open({ jobs: 8 }));
      try {
        const dir = await putDir(src, randomFiles(30));
        const req: TransferRequest = { files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] };
        const failing = new Set(dir.entries.slice(0, 10).map((e) => oidKey(e.md5, "md5")));
        remote.failWrite = (k) => failing.has(k);
        const first = await push(req, { cache: src, remote, jobs: 8 });
        expect(first.transferred).toBe(20);
        expect(first.failed.map((f) => f.oid).sort()).toEqual([...dir.entries.slice(0, 10).map((e) => e.md5), dir.oid].sort());
        expect(await remote.exists(oidKey(dir.oid, "md5"))).toBe(false);

        remote.failWrite = undefined;
        remote.writes.length = 0;
        const second = await push(req, { cache: src, remote, jobs: 8 });
        expect(second.failed).toEqual([]);
        expect(second.transferred).toBe(11);
        expect(second.skipped).toBe(20);
        expect(remote.writes.slice(0, 10).sort()).toEqual([...failing].sort());
        expect(remote.writes.at(-1)).toBe(oidKey(dir.oid, "md5"));
      } finally {
        await remote.close();
      }
    });

    it("honours an AbortSignal, and a re-run finishes the job", async () => {
      const src = newCache();
      const remote = await target.open({ jobs: 2 });
      try {
        const dir = await putDir(src, randomFiles(200, 16));
        const req: TransferRequest = { files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] };
        const ac = new AbortController();
        let items = 0;
        await expect(
          push(req, {
            cache: src,
            remote,
            jobs: 2,
            signal: ac.signal,
            onProgress: (e) => {
              if (e.type === "item" && ++items === 20) ac.abort();
            },
          }),
        ).rejects.toSatisfy((e) => isDvxError(e, "ABORTED"));
        expect(await remote.exists(oidKey(dir.oid, "md5"))).toBe(false);
        const done = (await listAll(remote)).length;
        expect(done).toBeGreaterThanOrEqual(20);
        expect(done).toBeLessThan(200);
        const rest = await push(req, { cache: src, remote, jobs: 8 });
        expect(rest.transferred).toBe(201 - done);
        expect(rest.skipped).toBe(done);
      } finally {
        await remote.close();
      }
    });

    it("remoteStatus: new, deleted, missing, ok (files and dirs, both layouts)", async () => {
      const cache = newCache();
      const remote = await target.open({ jobs: 8 });
      try {
        const ok = await putObject(cache, Buffer.from("pushed and local"));
        const isNew = await putObject(cache, Buffer.from("only local"));
        const deleted = await putObject(cache, Buffer.from("only remote"));
        const missing = "0123456789abcdef0123456789abcdef";
        const legacyOk = await putObject(cache, Buffer.from("legacy\r\n"), "md5-dos2unix");
        const dir = await putDir(cache, { one: Buffer.from("one"), two: Buffer.from("two") });
        await push(
          {
            files: [ok, deleted].map((oid): ObjRef => ({ oid, hashName: "md5" })).concat([{ oid: legacyOk, hashName: "md5-dos2unix" }]),
            dirs: [{ oid: dir.oid, hashName: "md5" }],
          },
          { cache, remote },
        );
        await cache.remove(deleted, "md5");
        const st = await remoteStatus(
          {
            files: [ok, isNew, deleted, missing].map((oid): ObjRef => ({ oid, hashName: "md5" })).concat([{ oid: legacyOk, hashName: "md5-dos2unix" }]),
            dirs: [{ oid: dir.oid, hashName: "md5" }],
          },
          { cache, remote, jobs: 8 },
        );
        expect(lookupRemoteStatus(st, ok, "md5")).toBe("ok");
        expect(lookupRemoteStatus(st, isNew, "md5")).toBe("new");
        expect(lookupRemoteStatus(st, deleted, "md5")).toBe("deleted");
        expect(lookupRemoteStatus(st, missing, "md5")).toBe("missing");
        expect(lookupRemoteStatus(st, legacyOk, "md5-dos2unix")).toBe("ok");
        expect(lookupRemoteStatus(st, dir.oid, "md5")).toBe("ok");
        for (const e of dir.entries) expect(lookupRemoteStatus(st, e.md5, "md5")).toBe("ok");
        expect(st.size).toBe(8);

        // A dir only on the remote: its manifest is read from there, its files are "deleted".
        const empty = newCache();
        const st2 = await remoteStatus({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: empty, remote });
        expect([...st2.values()].map((v) => v.status)).toEqual(["deleted", "deleted", "deleted"]);
      } finally {
        await remote.close();
      }
    });
  });
}

describe("transfer edge cases (local remote)", () => {
  it("a .dir missing locally and on the remote is reported missing by push and fetch", async () => {
    const [local] = remoteTargets();
    const remote = await local!.open();
    const cache = newCache();
    const ghost = "0123456789abcdef0123456789abcdef.dir";
    const p = await push({ files: [], dirs: [{ oid: ghost, hashName: "md5" }] }, { cache, remote });
    expect(p.missing).toEqual([{ oid: ghost, hashName: "md5" }]);
    const f = await fetch({ files: [], dirs: [{ oid: ghost, hashName: "md5" }] }, { cache, remote });
    expect(f.missing).toEqual([{ oid: ghost, hashName: "md5" }]);
    expect(f.failed).toEqual([]);
  });

  it("a file missing on the remote is reported missing by fetch, the rest of its dir still arrives", async () => {
    const [local] = remoteTargets();
    const remote = await local!.open();
    const src = newCache();
    const dir = await putDir(src, randomFiles(3));
    await push({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: src, remote });
    const lost = dir.entries[1]!.md5;
    const p = `${remote.url}/${oidKey(lost, "md5")}`;
    chmodSync(p, 0o644);
    rmSync(p);
    const dst = newCache();
    const f = await fetch({ files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] }, { cache: dst, remote });
    expect(f.missing).toEqual([{ oid: lost, hashName: "md5" }]);
    expect(f.failed).toEqual([]);
    expect(f.transferred).toBe(3); // 2 files + the .dir (a local cache may hold partial dirs)
  });
});
