import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFiles, type IngestFile } from "../../../src/cache/ingest.js";
import { LocalCache } from "../../../src/cache/localCache.js";
import { HashPool } from "../../../src/hash/pool.js";
import { NoopState, openHashState, statFileSync, type HashState } from "../../../src/hash/state.js";
import type { ProgressEvent } from "../../../src/progress.js";

const base = mkdtempSync(join(tmpdir(), "dvx-ingest-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const md5 = (b: Uint8Array | string) => createHash("md5").update(b).digest("hex");
const PAST = new Date(Date.now() - 3600_000);

/** Write files and stat them; `backdate` sets their mtime an hour back so they are not "racy". */
function makeTree(dir: string, n: number, content: (i: number) => Buffer | string, backdate = true): IngestFile[] {
  const out: IngestFile[] = [];
  for (let i = 0; i < n; i++) {
    const d = join(dir, `d${i % 50}`);
    if (i < 50) mkdirSync(d, { recursive: true });
    const p = join(d, `f${i}`);
    writeFileSync(p, content(i));
    if (backdate) utimesSync(p, PAST, PAST);
    out.push({ absPath: p, stat: statFileSync(p) });
  }
  return out;
}
/** Past the racy window (state.ts isRacy: 100 ms for sub-second mtimes), every file is older. */
const pastRacyWindow = () => new Promise((r) => setTimeout(r, 250));
const restat = (fs: IngestFile[]) => fs.map((f) => ({ absPath: f.absPath, stat: statFileSync(f.absPath) }));
const temps = (dir: string) =>
  existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((p) => p.endsWith(".tmp")) : [];

describe("hashFiles: 10,000 small files twice", () => {
  let files: IngestFile[];
  beforeAll(async () => {
    files = makeTree(join(base, "tree10k"), 10_000, (i) => `content of file ${i % 9000}\n`, false);
    await pastRacyWindow();
  });

  for (const mode of ["never", "always"] as const) {
    it(`second run hashes 0 files (pool: ${mode}, with cache)`, async () => {
      const state = openHashState(join(base, `state-${mode}`, "state.db"));
      const cache = new LocalCache(join(base, `cache-${mode}`));
      const pool = mode === "always" ? new HashPool({ size: 2 }) : undefined;
      try {
        let hashed = 0;
        const opts = { state, hashName: "md5" as const, cache, usePool: mode, onHashed: () => hashed++, ...(pool ? { pool } : {}) };
        const first = await hashFiles(files, opts);
        expect(hashed).toBe(10_000);
        expect(first.every((r) => !r.fromState)).toBe(true);
        expect(first.map((r) => r.md5)).toEqual(files.map((_, i) => md5(`content of file ${i % 9000}\n`)));
        const objs = new Set(first.map((r) => r.md5));
        for (const oid of [...objs].slice(0, 50)) expect(await cache.check(oid, "md5")).toBe("ok");
        expect((await cache.oidSet("md5")).size).toBe(9000);

        hashed = 0;
        const second = await hashFiles(restat(files), opts);
        expect(hashed).toBe(0);
        expect(second.every((r) => r.fromState)).toBe(true);
        expect(second.map((r) => r.md5)).toEqual(first.map((r) => r.md5));
        expect(second.map((r) => r.size)).toEqual(first.map((r) => r.size));
        expect(temps(cache.root)).toEqual([]);
      } finally {
        state.close();
        await pool?.close();
      }
    });
  }
});

describe("hashFiles: rules", () => {
  let state: HashState;
  let dir: string;
  let n = 0;
  beforeAll(() => {
    state = openHashState(join(base, "rules-state", "state.db"));
  });
  afterAll(() => state.close());
  const fresh = () => {
    dir = join(base, `rules-${++n}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it("only changed files are re-read; results in input order with mixed sizes", async () => {
    fresh();
    const big = randomBytes((6 << 20) + 3);
    const files = makeTree(dir, 40, (i) => (i === 7 ? big : `f${i}`));
    const read: string[] = [];
    const opts = { state, hashName: "md5" as const, onHashed: (p: string) => read.push(p) };
    const r1 = await hashFiles(files, opts);
    expect(r1[7]).toEqual({ md5: md5(big), size: big.length, fromState: false, inState: true });
    expect(read).toHaveLength(40);
    // change one small file (same size, new mtime), touch another (content same)
    writeFileSync(files[3]!.absPath, "F3");
    utimesSync(files[3]!.absPath, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    utimesSync(files[5]!.absPath, new Date(Date.now() - 50_000), new Date(Date.now() - 50_000));
    read.length = 0;
    const r2 = await hashFiles(restat(files), opts);
    expect(read.sort()).toEqual([files[3]!.absPath, files[5]!.absPath].sort());
    expect(r2[3]).toEqual({ md5: md5("F3"), size: 2, fromState: false, inState: true });
    expect(r2[5]!.md5).toBe(md5("f5"));
    expect(r2.map((r, i) => (i === 3 ? r1[i]!.md5 : r.md5))).toEqual(r1.map((r) => r.md5));
  });

  it("racy files (mtime close to the read) are not recorded", async () => {
    fresh();
    const p = join(dir, "racy");
    writeFileSync(p, "just written");
    const files = [{ absPath: p, stat: statFileSync(p) }];
    let read = 0;
    const opts = { state, hashName: "md5" as const, onHashed: () => read++ };
    const [first] = await hashFiles(files, opts);
    expect(first!.inState).toBe(false); // what the directory record relies on (buildOutput.ts)
    await hashFiles(files, opts);
    expect(read).toBe(2);
    // a stat that does not match what was read (file grew after the walk) is not recorded either
    const q = join(dir, "grew");
    writeFileSync(q, "abc");
    utimesSync(q, PAST, PAST);
    const stale = { absPath: q, stat: { ...statFileSync(q), size: 2 } };
    await hashFiles([stale], opts);
    await hashFiles([stale], opts);
    expect(read).toBe(4);
  });

  it("a state hit whose object is missing from the cache is stored again", async () => {
    fresh();
    const cache = new LocalCache(join(dir, "cache"));
    const files = makeTree(join(dir, "ws"), 3, (i) => `obj${i}`);
    const opts = { state, hashName: "md5" as const, cache };
    await hashFiles(files, opts);
    await cache.remove(md5("obj1"), "md5");
    const r = await hashFiles(files, opts);
    expect(r.map((x) => x.fromState)).toEqual([true, false, true]);
    expect(readFileSync(cache.objectPath(md5("obj1"), "md5"), "utf8")).toBe("obj1");
    // without a cache, state alone answers
    const r2 = await hashFiles(files, { state, hashName: "md5" });
    expect(r2.every((x) => x.fromState)).toBe(true);
  });

  it("md5-dos2unix: names by dos2unix hash, stores raw content, separate state entries", async () => {
    fresh();
    const cache = new LocalCache(join(dir, "cache"));
    const files = makeTree(join(dir, "ws"), 2, (i) => (i ? "hello\r\n" : "foo\r\n"));
    const r = await hashFiles(files, { state, hashName: "md5-dos2unix", cache });
    expect(r.map((x) => x.md5)).toEqual(["d3b07384d113edec49eaa6238ad5ff00", "b1946ac92492d2347c6235b4d2611184"]);
    expect(readFileSync(cache.objectPath(r[0]!.md5, "md5-dos2unix"), "utf8")).toBe("foo\r\n");
    const m = await hashFiles(files, { state, hashName: "md5" });
    expect(m.map((x) => x.fromState)).toEqual([false, false]);
    expect(m[0]!.md5).toBe(md5("foo\r\n"));
  });

  it("progress: start, one item per file, bytes add up, end", async () => {
    fresh();
    const big = randomBytes((5 << 20) + 1);
    const files = makeTree(dir, 30, (i) => (i === 0 ? big : `p${i}`));
    const total = files.reduce((a, f) => a + f.stat.size, 0);
    for (const usePool of ["never", "always"] as const) {
      const events: ProgressEvent[] = [];
      await hashFiles(files, { state: new NoopState(), hashName: "md5", usePool, jobs: 2, onProgress: (e) => events.push(e) });
      expect(events[0]).toMatchObject({ type: "start", phase: "hash", total: { files: 30, bytes: total } });
      const end = events.at(-1)!;
      expect(end).toMatchObject({ type: "end", phase: "hash", done: { files: 30, bytes: total }, failed: 0 });
      expect(events.filter((e) => e.type === "item")).toHaveLength(30);
      expect(events.some((e) => e.type === "bytes")).toBe(true);
    }
  });

  it("abort: ABORTED, no temp files, completed work kept in state", async () => {
    fresh();
    const cache = new LocalCache(join(dir, "cache"));
    const files = makeTree(join(dir, "ws"), 6, (i) => randomBytes((5 << 20) + i));
    const ac = new AbortController();
    let items = 0;
    await expect(
      hashFiles(files, {
        state,
        hashName: "md5",
        cache,
        usePool: "never",
        signal: ac.signal,
        onProgress: (e) => {
          if (e.type === "item" && ++items === 2) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(temps(cache.root)).toEqual([]);
    let read = 0;
    const r = await hashFiles(files, { state, hashName: "md5", cache, onHashed: () => read++ });
    expect(read).toBe(4);
    expect(r.filter((x) => x.fromState)).toHaveLength(2);
    for (const [i, f] of files.entries()) expect(r[i]!.md5).toBe(md5(readFileSync(f.absPath)));
  });

  it("a vanished file is NOT_FOUND", async () => {
    fresh();
    const files = makeTree(dir, 3, (i) => `v${i}`);
    unlinkSync(files[1]!.absPath);
    await expect(hashFiles(files, { state, hashName: "md5" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(hashFiles(files, { state: new NoopState(), hashName: "md5", usePool: "always", jobs: 2 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("empty input", async () => {
    expect(await hashFiles([], { state, hashName: "md5" })).toEqual([]);
    expect(statSync(base).isDirectory()).toBe(true);
  });
});
