import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRacy, NoopState, openHashState, statFile, statFileSync, type FileStat } from "../../../src/hash/state.js";

const dir = mkdtempSync(join(tmpdir(), "dvx-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MD5_A = "acbd18db4cc2f85cedef654fccc4a4d8";
const MD5_B = "37b51d194a7513e45b56f6524f2d51f2";

describe("SqliteState", () => {
  const dbPath = join(dir, "tmp", "dvx", "state.db");

  it("hit only while ino, size and mtime_ns all match", async () => {
    const s = openHashState(dbPath);
    const p = join(dir, "f1");
    writeFileSync(p, "foo");
    const st = await statFile(p);
    expect(s.get(p, st, "md5")).toBeUndefined();
    s.set(p, st, "md5", MD5_A);
    expect(s.get(p, st, "md5")).toBe(MD5_A);
    expect(s.get(p, st, "md5-dos2unix")).toBeUndefined(); // per hash name
    expect(s.get(p + "x", st, "md5")).toBeUndefined();

    // touch: only mtime changes
    const t = new Date(Date.now() + 5000);
    utimesSync(p, t, t);
    const touched = statFileSync(p);
    expect(touched.mtimeNs).not.toBe(st.mtimeNs);
    expect(s.get(p, touched, "md5")).toBeUndefined();

    // same size, different content, mtime changed
    s.set(p, touched, "md5", MD5_A);
    writeFileSync(p, "bar");
    utimesSync(p, new Date(Date.now() + 9000), new Date(Date.now() + 9000));
    const changed = statFileSync(p);
    expect(changed.size).toBe(touched.size);
    expect(s.get(p, changed, "md5")).toBeUndefined();

    // inode change (file replaced by rename), same size and mtime
    s.set(p, changed, "md5", MD5_B);
    const q = join(dir, "f1.new");
    writeFileSync(q, "baz");
    utimesSync(q, new Date(Number(changed.mtimeNs / 1_000_000n)), new Date(Number(changed.mtimeNs / 1_000_000n)));
    renameSync(q, p);
    const replaced = statFileSync(p);
    expect(replaced.ino).not.toBe(changed.ino);
    expect(s.get(p, replaced, "md5")).toBeUndefined();
    expect(s.get(p, { ...replaced, ino: changed.ino, mtimeNs: changed.mtimeNs }, "md5")).toBe(MD5_B);
    // size differs
    expect(s.get(p, { ...changed, size: changed.size + 1 }, "md5")).toBeUndefined();
    s.close();
  });

  it("persists across reopen; getMany/setMany keep order; 64-bit values round-trip", () => {
    const s = openHashState(dbPath);
    const big: FileStat = { ino: 2n ** 64n - 5n, size: 2 ** 40, mtimeNs: 2n ** 62n + 123n };
    const items = Array.from({ length: 2000 }, (_, i) => ({
      absPath: `/data/d${i % 7}/f${i}`,
      stat: i === 5 ? big : { ino: BigInt(i + 10), size: i, mtimeNs: 1_700_000_000_000_000_000n + BigInt(i) },
    }));
    s.setMany(items.filter((_, i) => i % 3 !== 0).map((it, i) => ({ ...it, hashName: "md5" as const, md5: i % 2 ? MD5_A : MD5_B })));
    s.close();
    const s2 = openHashState(dbPath);
    const got = s2.getMany(items, "md5");
    expect(got).toHaveLength(items.length);
    let j = 0;
    for (let i = 0; i < items.length; i++) {
      if (i % 3 === 0) expect(got[i]).toBeUndefined();
      else expect(got[i]).toBe(j++ % 2 ? MD5_A : MD5_B);
    }
    expect(s2.get("/data/d5/f5", big, "md5")).toBe(got[5]);
    expect(s2.get("/data/d5/f5", { ...big, ino: big.ino - 1n }, "md5")).toBeUndefined();
    expect(s2.count()).toBeGreaterThanOrEqual(1333);
    s2.close();
  });

  it("a corrupt file is moved aside and a fresh state started", () => {
    const p = join(dir, "corrupt", "state.db");
    openHashState(p).close();
    writeFileSync(p, Buffer.alloc(8192, 7));
    const s = openHashState(p);
    expect(s.count()).toBe(0);
    s.set("/x", { ino: 1n, size: 1, mtimeNs: 1n }, "md5", MD5_A);
    expect(s.get("/x", { ino: 1n, size: 1, mtimeNs: 1n }, "md5")).toBe(MD5_A);
    s.close();
  });

  it("NoopState remembers nothing", () => {
    const s = new NoopState();
    const st = { ino: 1n, size: 1, mtimeNs: 1n };
    s.set("/x", st, "md5", MD5_A);
    expect(s.get("/x", st, "md5")).toBeUndefined();
    expect(s.getMany([{ absPath: "/x", stat: st }], "md5")).toEqual([undefined]);
  });

  it("isRacy: mtimes close to the read time are not recorded", () => {
    const now = 1_800_000_000_000;
    const ns = (ms: number) => BigInt(ms) * 1_000_000n + 123n;
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: ns(now - 50) }, now)).toBe(true);
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: ns(now + 50) }, now)).toBe(true);
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: ns(now - 150) }, now)).toBe(false);
    // whole-second mtimes (coarse filesystems): 2 s window
    const sec = 1_799_999_998_000n * 1_000_000n; // whole second, 2 s before `now`...
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: sec }, now)).toBe(false); // ...boundary: not racy
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: sec + 1_000_000_000n }, now)).toBe(true);
    expect(isRacy({ ino: 1n, size: 1, mtimeNs: sec - 3_000_000_000n }, now)).toBe(false);
  });
});
