import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { LocalCache } from "../../../src/cache/localCache.js";
import { HashPool } from "../../../src/hash/pool.js";
import { hashBytesSync } from "../../../src/hash/md5.js";
import { M, VECTORS } from "../hash/vectors.js";

const base = mkdtempSync(join(tmpdir(), "dvx-cache-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const mode = (p: string) => statSync(p).mode & 0o7777;
const UMASK = 0o022;

/** Every file below `dir` (relative paths), following nothing. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}
const temps = (dir: string) => walk(dir).filter((p) => p.endsWith(".tmp"));

let n = 0;
let root: string;
let ws: string;
let cache: LocalCache;
beforeEach(() => {
  n++;
  root = join(base, `c${n}`, "cache");
  ws = join(base, `c${n}`, "ws");
  mkdirSync(ws, { recursive: true });
  cache = new LocalCache(root, { umask: UMASK });
});
const wfile = (name: string, content: Uint8Array | string) => {
  const p = join(ws, name);
  writeFileSync(p, content);
  return p;
};

describe("layout", () => {
  it("3.x objects under files/md5, legacy at the root; bad oids rejected", () => {
    const oid = "acbd18db4cc2f85cedef654fccc4a4d8";
    expect(cache.objectPath(oid, "md5")).toBe(join(root, "files", "md5", "ac", "bd18db4cc2f85cedef654fccc4a4d8"));
    expect(cache.objectPath(oid, "md5-dos2unix")).toBe(join(root, "ac", "bd18db4cc2f85cedef654fccc4a4d8"));
    expect(cache.objectPath(oid + ".dir", "md5")).toBe(join(root, "files", "md5", "ac", "bd18db4cc2f85cedef654fccc4a4d8.dir"));
    expect(() => cache.objectPath("../../etc/passwd", "md5")).toThrow(/invalid hash/);
    expect(() => cache.objectPath("ACBD18DB4CC2F85CEDEF654FCCC4A4D8", "md5")).toThrow();
  });
});

describe("addFile", () => {
  it("stores small and large files in one pass, 0444, no temp left", async () => {
    for (const [name, content] of [
      ["small", Buffer.from("foo")],
      ["empty", Buffer.alloc(0)],
      ["exact4m", randomBytes(4 << 20)],
      ["large", randomBytes((9 << 20) + 77)],
    ] as const) {
      const p = wfile(name, content);
      const bytes: number[] = [];
      const r = await cache.addFile(p, "md5", { onBytes: (b) => bytes.push(b) });
      expect(r).toEqual({ oid: md5(content), size: content.length });
      expect(bytes.reduce((a, b) => a + b, 0)).toBe(content.length);
      const obj = cache.objectPath(r.oid, "md5");
      expect(readFileSync(obj).equals(content)).toBe(true);
      expect(mode(obj)).toBe(0o444);
      expect(await cache.exists(r.oid, "md5")).toBe(true);
      expect(cache.existingSync([r.oid], "md5").has(r.oid)).toBe(true);
      expect((await cache.readBytes(r.oid, "md5")).equals(content)).toBe(true);
    }
    expect(temps(root)).toEqual([]);
    expect(walk(root)).toHaveLength(4);
  });

  it("md5-dos2unix: object NAME is the dos2unix hash, CONTENT the raw file", async () => {
    for (const vec of VECTORS.filter((v) => ["H8", "H9", "H16a", "H17a"].includes(v.id))) {
      const p = wfile(vec.id, vec.content());
      const r = await cache.addFile(p, "md5-dos2unix");
      expect(r.oid).toBe(vec.d2u2);
      expect(readFileSync(cache.objectPath(r.oid, "md5-dos2unix")).equals(vec.content())).toBe(true);
      const r3 = await cache.addFile(p, "md5-dos2unix", { dos2unix: "3.x" });
      expect(r3.oid).toBe(vec.d2u3);
    }
    expect(existsSync(join(root, "files"))).toBe(false);
  });

  it("does not rewrite a trusted object; a known oid with a trusted object skips reading", async () => {
    const p = wfile("a", "foo");
    const r = await cache.addFile(p, "md5");
    const obj = cache.objectPath(r.oid, "md5");
    const before = statSync(obj, { bigint: true });
    await cache.addFile(wfile("b", "foo"), "md5");
    const after = statSync(obj, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
    // known oid: the source is not read (it even differs here), the object is kept
    const q = wfile("c", "something else");
    expect(await cache.addFile(q, "md5", { oid: r.oid })).toEqual({ oid: r.oid, size: 14 });
    expect(readFileSync(obj, "utf8")).toBe("foo");
  });

  it("an untrusted (non-0444) existing object is rewritten", async () => {
    const r = await cache.addFile(wfile("a", "foo"), "md5");
    const obj = cache.objectPath(r.oid, "md5");
    chmodSync(obj, 0o644);
    writeFileSync(obj, "garbage");
    await cache.addFile(wfile("b", "foo"), "md5");
    expect(readFileSync(obj, "utf8")).toBe("foo");
    expect(mode(obj)).toBe(0o444);
  });

  it("abort mid-copy leaves no object and no temp file", async () => {
    const content = randomBytes(64 << 20);
    const p = wfile("big", content);
    const ac = new AbortController();
    let seen = 0;
    await expect(
      cache.addFile(p, "md5", {
        signal: ac.signal,
        onBytes: (b) => {
          seen += b;
          if (seen >= 8 << 20) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(walk(root)).toEqual([]);
    expect(await cache.exists(md5(content), "md5")).toBe(false);
  });

  it("a prefix directory removed underneath (gc) is recreated", async () => {
    const r = await cache.addFile(wfile("a", "foo"), "md5");
    const obj = cache.objectPath(r.oid, "md5");
    rmSync(join(obj, ".."), { recursive: true, force: true });
    expect((await cache.addFile(wfile("b", "foo"), "md5")).oid).toBe(r.oid);
    expect(readFileSync(obj, "utf8")).toBe("foo");
    rmSync(join(obj, ".."), { recursive: true, force: true });
    await cache.putVerified(r.oid, "md5", Readable.from([Buffer.from("foo")]));
    expect(readFileSync(obj, "utf8")).toBe("foo");
    const d = await cache.addBytes(Buffer.from("[]"), "md5", { isDir: true });
    rmSync(join(cache.objectPath(d.oid, "md5"), ".."), { recursive: true, force: true });
    await cache.addBytes(Buffer.from("[]"), "md5", { isDir: true });
    expect(await cache.exists(d.oid, "md5")).toBe(true);
  });

  it("objects are 0444 whatever the umask", async () => {
    const old = process.umask(0o266);
    try {
      const c = new LocalCache(join(base, "umask", "cache"));
      for (const content of [Buffer.from("umask small"), randomBytes((5 << 20) + 1)]) {
        const r = await c.addFile(wfile("u", content), "md5");
        expect(mode(c.objectPath(r.oid, "md5"))).toBe(0o444);
      }
      const b = await c.addBytes(Buffer.from("[]"), "md5", { isDir: true });
      expect(mode(c.objectPath(b.oid, "md5"))).toBe(0o444);
    } finally {
      process.umask(old);
    }
  });

  it("missing source is NOT_FOUND", async () => {
    await expect(cache.addFile(join(ws, "nope"), "md5")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("addBytes", () => {
  it(".dir manifest (spec 3.5): md5(bytes)+'.dir', atomic, 0444", async () => {
    const manifest = Buffer.from(
      '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}, {"md5": "8d777f385d3dfec8815d20f7496026dc", "relpath": "subdir/data"}]',
    );
    expect(manifest.length).toBe(197);
    for (const h of ["md5", "md5-dos2unix"] as const) {
      const r = await cache.addBytes(manifest, h, { isDir: true });
      expect(r).toEqual({ oid: "8761c4e9acad696bee718615e23e22db.dir", size: 197 });
      expect(mode(cache.objectPath(r.oid, h))).toBe(0o444);
    }
    const f = await cache.addBytes(Buffer.from("foo\r\n"), "md5-dos2unix");
    expect(f.oid).toBe("d3b07384d113edec49eaa6238ad5ff00");
    expect(temps(root)).toEqual([]);
  });
});

describe("putVerified", () => {
  it("accepts a matching stream (file, legacy CRLF, .dir)", async () => {
    const data = randomBytes(3 * M + 5);
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 2 * M), data.subarray(2 * M)];
    expect(await cache.putVerified(md5(data), "md5", Readable.from(chunks))).toEqual({ size: data.length });
    expect(readFileSync(cache.objectPath(md5(data), "md5")).equals(data)).toBe(true);
    expect(mode(cache.objectPath(md5(data), "md5"))).toBe(0o444);

    const h17 = VECTORS.find((v) => v.id === "H17a")!;
    await cache.putVerified(h17.d2u2, "md5-dos2unix", (async function* () { yield h17.content(); })());
    // 3.x-variant legacy names (what DVC 3.x computes) are accepted too
    await cache.putVerified(h17.d2u3, "md5-dos2unix", [h17.content()] as unknown as AsyncIterable<Uint8Array>);
    const man = Buffer.from("[]");
    await cache.putVerified(md5(man) + ".dir", "md5", Readable.from([man]));
    expect(temps(root)).toEqual([]);
  });

  it("refuses a wrong stream and leaves nothing", async () => {
    const oid = md5(Buffer.from("expected"));
    const err = await cache.putVerified(oid, "md5", Readable.from([Buffer.from("something else")])).catch((e) => e);
    expect(err).toMatchObject({ code: "CORRUPT_OBJECT" });
    expect(String(err.message)).toContain(oid);
    expect(await cache.exists(oid, "md5")).toBe(false);
    // legacy: raw md5 of CRLF content is NOT its dos2unix name
    const crlf = Buffer.from("foo\r\n");
    await expect(cache.putVerified(md5(crlf), "md5-dos2unix", Readable.from([crlf]))).rejects.toMatchObject({
      code: "CORRUPT_OBJECT",
    });
    // a .dir oid whose bytes differ
    await expect(cache.putVerified("8761c4e9acad696bee718615e23e22db.dir", "md5", Readable.from([Buffer.from("[]")]))).rejects.toMatchObject({
      code: "CORRUPT_OBJECT",
    });
    // a source that fails midway
    const failing = (async function* () {
      yield Buffer.from("part");
      throw new Error("connection reset");
    })();
    await expect(cache.putVerified(oid, "md5", failing)).rejects.toThrow("connection reset");
    expect(walk(root)).toEqual([]);
  });
});

describe("check / remove / listOids", () => {
  it("spec 7.3 trust rule", async () => {
    const r = await cache.addFile(wfile("a", "foo"), "md5");
    const obj = cache.objectPath(r.oid, "md5");
    expect(await cache.check(r.oid, "md5")).toBe("ok");
    expect(await cache.check("37b51d194a7513e45b56f6524f2d51f2", "md5")).toBe("missing");
    // non-0444 but correct: re-hashed, re-protected
    chmodSync(obj, 0o644);
    expect(await cache.check(r.oid, "md5")).toBe("ok");
    expect(mode(obj)).toBe(0o444);
    // non-0444 and corrupt: deleted
    chmodSync(obj, 0o644);
    writeFileSync(obj, "corrupted");
    expect(await cache.check(r.oid, "md5")).toBe("corrupt");
    expect(existsSync(obj)).toBe(false);
    // 0444 is trusted without hashing (DVC semantics), even if the content was altered
    const r2 = await cache.addFile(wfile("b", "bar"), "md5");
    const obj2 = cache.objectPath(r2.oid, "md5");
    chmodSync(obj2, 0o644);
    writeFileSync(obj2, "BAR");
    chmodSync(obj2, 0o444);
    expect(await cache.check(r2.oid, "md5")).toBe("ok");
    // legacy CRLF object is checked with dos2unix
    const l = await cache.addFile(wfile("c", "foo\r\n"), "md5-dos2unix");
    chmodSync(cache.objectPath(l.oid, "md5-dos2unix"), 0o600);
    expect(await cache.check(l.oid, "md5-dos2unix")).toBe("ok");
  });

  it("listOids ignores files/, runs/, fs/, temp files and junk; remove", async () => {
    const a = await cache.addFile(wfile("a", "foo"), "md5");
    const b = await cache.addFile(wfile("b", "bar"), "md5-dos2unix");
    const d = await cache.addBytes(Buffer.from("[]"), "md5-dos2unix", { isDir: true });
    mkdirSync(join(root, "runs", "ab", "abcd"), { recursive: true });
    writeFileSync(join(root, "runs", "ab", "abcd", "x"), "");
    mkdirSync(join(root, "fs", "local"), { recursive: true });
    writeFileSync(join(root, "fs", "local", "x"), "");
    mkdirSync(join(root, "ab"), { recursive: true });
    writeFileSync(join(root, "ab", ".Xyz.tmp"), "");
    writeFileSync(join(root, "ab", "not-an-oid"), "");
    writeFileSync(join(root, "ab", "CD18DB4CC2F85CEDEF654FCCC4A4D8"), "");
    writeFileSync(join(root, "stray"), "");
    const list = async (h: "md5" | "md5-dos2unix") => {
      const out: string[] = [];
      for await (const o of cache.listOids(h)) out.push(o);
      return out.sort();
    };
    expect(await list("md5")).toEqual([a.oid]);
    expect(await list("md5-dos2unix")).toEqual([b.oid, d.oid].sort());
    expect(await cache.oidSet("md5")).toEqual(new Set([a.oid]));
    expect(await cache.remove(a.oid, "md5")).toBe(true);
    expect(await cache.remove(a.oid, "md5")).toBe(false);
    expect(await list("md5")).toEqual([]);
    expect(await list("md5-dos2unix")).toHaveLength(2);
  });
});

describe("verifyAll", () => {
  for (const withPool of [false, true]) {
    it(`rehashes every object, quarantines mismatches (pool: ${withPool})`, async () => {
      const good = await cache.addFile(wfile("a", "foo"), "md5");
      const legacy = await cache.addFile(wfile("b", VECTORS.find((v) => v.id === "H17a")!.content()), "md5-dos2unix");
      const dir = await cache.addBytes(Buffer.from("[]"), "md5", { isDir: true });
      const bad = await cache.addFile(wfile("c", "bar"), "md5");
      const badLegacy = await cache.addFile(wfile("d", "one"), "md5-dos2unix");
      for (const [o, h] of [[bad.oid, "md5"], [badLegacy.oid, "md5-dos2unix"]] as const) {
        const p = cache.objectPath(o, h);
        chmodSync(p, 0o644);
        writeFileSync(p, "tampered");
        chmodSync(p, 0o444); // even "trusted" objects are rehashed by verifyAll
      }
      const events: string[] = [];
      const pool = withPool ? new HashPool({ size: 2 }) : undefined;
      try {
        const rep = await cache.verifyAll({ onProgress: (e) => events.push(e.type), ...(pool ? { pool, usePool: "always" as const } : {}) });
        expect(rep.checked).toBe(5);
        expect(rep.ok).toBe(3);
        expect(rep.unreadable).toEqual([]);
        expect(rep.corrupt.map((c) => c.oid).sort()).toEqual([bad.oid, badLegacy.oid].sort());
        for (const c of rep.corrupt) {
          expect(readFileSync(c.quarantinedTo, "utf8")).toBe("tampered");
          expect(c.quarantinedTo.startsWith(join(root, ".dvx-quarantine", c.hashName))).toBe(true);
          expect(await cache.exists(c.oid, c.hashName)).toBe(false);
        }
        expect(await cache.exists(good.oid, "md5")).toBe(true);
        expect(await cache.exists(legacy.oid, "md5-dos2unix")).toBe(true);
        expect(await cache.exists(dir.oid, "md5")).toBe(true);
        expect(events[0]).toBe("start");
        expect(events.at(-1)).toBe("end");
        expect(events.filter((e) => e === "item")).toHaveLength(5);
      } finally {
        await pool?.close();
      }
    });
  }
});

describe("checkoutFile", () => {
  const fileMode = 0o666 & ~UMASK;

  it("copy: private writable file; exec bit; atomic replacement", async () => {
    const r = await cache.addFile(wfile("src", "foo"), "md5");
    const dest = join(ws, "out", "deep", "copy.txt");
    expect(await cache.checkoutFile(r.oid, "md5", dest, { linkTypes: ["copy"] })).toBe("copy");
    expect(readFileSync(dest, "utf8")).toBe("foo");
    expect(mode(dest)).toBe(fileMode);
    expect(statSync(dest).ino).not.toBe(statSync(cache.objectPath(r.oid, "md5")).ino);

    const exe = join(ws, "out", "exe.sh");
    await cache.checkoutFile(r.oid, "md5", exe, { linkTypes: ["copy"], isexec: true });
    expect(mode(exe)).toBe(fileMode | 0o100);

    // replace an existing (read-only, hardlinked) file atomically
    const r2 = await cache.addFile(wfile("src2", "bar"), "md5");
    linkSync(cache.objectPath(r.oid, "md5"), join(ws, "out", "ro"));
    await cache.checkoutFile(r2.oid, "md5", join(ws, "out", "ro"), { linkTypes: ["copy"] });
    expect(readFileSync(join(ws, "out", "ro"), "utf8")).toBe("bar");
    expect(readFileSync(cache.objectPath(r.oid, "md5"), "utf8")).toBe("foo"); // object untouched
    expect(temps(ws)).toEqual([]);
  });

  it("reflink falls back to copy where the filesystem cannot clone; the winner is remembered", async () => {
    const r = await cache.addFile(wfile("src", randomBytes(10000)), "md5");
    const dest = join(ws, "r1");
    const used = await cache.checkoutFile(r.oid, "md5", dest, { linkTypes: ["reflink", "copy"] });
    expect(["reflink", "copy"]).toContain(used);
    expect(readFileSync(dest).equals(readFileSync(cache.objectPath(r.oid, "md5")))).toBe(true);
    expect(mode(dest)).toBe(fileMode);
    expect(await cache.checkoutFile(r.oid, "md5", join(ws, "r2"), { linkTypes: ["reflink", "copy"] })).toBe(used);
    if (used === "copy") {
      // reflink alone cannot work here
      await expect(cache.checkoutFile(r.oid, "md5", join(ws, "r3"), { linkTypes: ["reflink"] })).rejects.toMatchObject({
        code: "CONFIG_ERROR",
      });
      expect(existsSync(join(ws, "r3"))).toBe(false);
    }
    expect(temps(ws)).toEqual([]);
  });

  it("hardlink: same inode, read-only; zero-byte files created fresh", async () => {
    const r = await cache.addFile(wfile("src", "foo"), "md5");
    const dest = join(ws, "h");
    expect(await cache.checkoutFile(r.oid, "md5", dest, { linkTypes: ["hardlink", "copy"] })).toBe("hardlink");
    expect(statSync(dest).ino).toBe(statSync(cache.objectPath(r.oid, "md5")).ino);
    expect(mode(dest)).toBe(0o444);
    // again onto the same link (rename between links of one inode is a no-op): no temp left
    await cache.checkoutFile(r.oid, "md5", dest, { linkTypes: ["hardlink"] });
    expect(temps(ws)).toEqual([]);
    const e = await cache.addFile(wfile("empty", ""), "md5");
    const d0 = join(ws, "h0");
    await cache.checkoutFile(e.oid, "md5", d0, { linkTypes: ["hardlink"] });
    expect(statSync(d0).size).toBe(0);
    expect(statSync(d0).ino).not.toBe(statSync(cache.objectPath(e.oid, "md5")).ino);
    expect(mode(d0)).toBe(fileMode);
  });

  it("symlink: to the absolute object path", async () => {
    const r = await cache.addFile(wfile("src", "foo"), "md5");
    const dest = join(ws, "s");
    writeFileSync(dest, "old content");
    expect(await cache.checkoutFile(r.oid, "md5", dest, { linkTypes: ["symlink"] })).toBe("symlink");
    expect(lstatSync(dest).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dest)).toBe(cache.objectPath(r.oid, "md5"));
    expect(readFileSync(dest, "utf8")).toBe("foo");
  });

  it("exec bit on hardlinks goes to the object, as with DVC", async () => {
    const r = await cache.addFile(wfile("src", "#!/bin/sh\n"), "md5");
    await cache.checkoutFile(r.oid, "md5", join(ws, "x"), { linkTypes: ["hardlink"], isexec: true });
    expect(mode(join(ws, "x"))).toBe(0o544);
  });

  it("missing object is MISSING_CACHE", async () => {
    await expect(
      cache.checkoutFile("acbd18db4cc2f85cedef654fccc4a4d8", "md5", join(ws, "m"), { linkTypes: ["copy"] }),
    ).rejects.toMatchObject({ code: "MISSING_CACHE" });
  });
});

describe("cache.shared = group", () => {
  it("directories 0o2775, objects 0444", async () => {
    const c = new LocalCache(join(base, "shared", "cache"), { shared: "group", umask: UMASK });
    const r = await c.addFile(wfile("a", "foo"), "md5");
    const big = await c.addFile(wfile("b", randomBytes(5 << 20)), "md5");
    const obj = c.objectPath(r.oid, "md5");
    expect(mode(obj)).toBe(0o444);
    expect(mode(join(obj, ".."))).toBe(0o2775);
    expect(mode(join(c.root, "files", "md5"))).toBe(0o2775);
    expect(mode(join(c.root, "files"))).toBe(0o2775);
    expect(mode(join(c.objectPath(big.oid, "md5"), ".."))).toBe(0o2775);
    await c.putVerified(md5(Buffer.from("zzz")), "md5", Readable.from([Buffer.from("zzz")]));
    expect(mode(join(c.objectPath(md5(Buffer.from("zzz")), "md5"), ".."))).toBe(0o2775);
    expect(hashBytesSync(readFileSync(obj))).toBe(r.oid);
  });
});
