/**
 * The Storage contract, run against every backend (local always; S3 on MinIO and GCS on
 * fake-gcs-server when the peers run). Each backend's test file calls `storageContract` with a
 * factory for a fresh, empty root.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDvxError } from "../../../src/errors.js";
import type { OpenStorageOptions } from "../../../src/storage/openStorage.js";
import { readAll, type Storage } from "../../../src/storage/storage.js";

export interface ContractTarget {
  /** A fresh, empty Storage (own bucket or prefix); `tuning` lowers upload thresholds. */
  open(tuning?: OpenStorageOptions): Promise<Storage>;
  /** Whether the backend checks `md5` on upload (object stores that support it). */
  verifiesMd5: boolean;
}

export function md5(buf: Buffer): string {
  return createHash("md5").update(buf).digest("hex");
}

async function md5OfStream(s: AsyncIterable<Buffer>): Promise<{ md5: string; size: number }> {
  const h = createHash("md5");
  let size = 0;
  for await (const c of s) {
    h.update(c);
    size += c.length;
  }
  return { md5: h.digest("hex"), size };
}

/** Writes a file of `size` pseudo-random bytes in 1 MiB blocks (never whole in memory). */
export async function makeBigFile(path: string, size: number): Promise<string> {
  const h = createHash("md5");
  const ws = createWriteStream(path);
  const block = randomBytes(1024 * 1024);
  let left = size;
  let i = 0;
  while (left > 0) {
    const n = Math.min(left, block.length);
    const chunk = Buffer.from(block.subarray(0, n));
    chunk.writeUInt32LE(i++, 0); // no two blocks alike
    h.update(chunk);
    if (!ws.write(chunk)) await new Promise<void>((r) => ws.once("drain", () => r()));
    left -= n;
  }
  await new Promise<void>((resolve, reject) => ws.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return h.digest("hex");
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out.sort();
}

export function storageContract(label: string, target: ContractTarget): void {
  describe(`Storage contract: ${label}`, () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), "dvx-storage-"));
    });
    afterAll(() => {
      rmSync(tmp, { recursive: true, force: true });
    });

    it("writes a buffer, reports exists/size, reads it back", async () => {
      const st = await target.open();
      try {
        const body = Buffer.from("hello dvx");
        expect(await st.exists("files/md5/ab/cdef")).toBe(false);
        expect(await st.size?.("files/md5/ab/cdef")).toBeUndefined();
        await st.write("files/md5/ab/cdef", body);
        expect(await st.exists("files/md5/ab/cdef")).toBe(true);
        expect(await st.size?.("files/md5/ab/cdef")).toBe(body.length);
        expect((await readAll(await st.read("files/md5/ab/cdef"))).equals(body)).toBe(true);
        // An empty object is a normal object (spec 11.14).
        await st.write("files/md5/d4/1d8cd98f00b204e9800998ecf8427e", Buffer.alloc(0));
        expect(await st.exists("files/md5/d4/1d8cd98f00b204e9800998ecf8427e")).toBe(true);
        expect((await readAll(await st.read("files/md5/d4/1d8cd98f00b204e9800998ecf8427e"))).length).toBe(0);
      } finally {
        await st.close();
      }
    });

    it("read of a missing key rejects with NOT_FOUND", async () => {
      const st = await target.open();
      try {
        await expect(st.read("files/md5/00/missing")).rejects.toSatisfy((e) => isDvxError(e, "NOT_FOUND"));
      } finally {
        await st.close();
      }
    });

    it("writes from a file path and streams it back", async () => {
      const st = await target.open();
      try {
        const p = join(tmp, "small.bin");
        const body = randomBytes(100_000);
        writeFileSync(p, body);
        await st.write("ab/c0ffee", { path: p, size: body.length }, { md5: md5(body) });
        const got = await md5OfStream((await st.read("ab/c0ffee")) as AsyncIterable<Buffer>);
        expect(got).toEqual({ md5: md5(body), size: body.length });
      } finally {
        await st.close();
      }
    });

    it("lists recursively by string prefix across >1000 keys, then batch-deletes them", async () => {
      const st = await target.open();
      try {
        const keys: string[] = [];
        for (let i = 0; i < 1050; i++) {
          const hex = createHash("md5").update(String(i)).digest("hex");
          keys.push(`files/md5/${hex.slice(0, 2)}/${hex.slice(2)}`);
        }
        const others = ["ab/cdef0123", "runs/aa/bb/cc"];
        const all = [...keys, ...others];
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < all.length) {
              const k = all[next++]!;
              await st.write(k, Buffer.from(k));
            }
          }),
        );
        expect(await collect(st.list("files/md5/"))).toEqual([...keys].sort());
        expect(await collect(st.list(""))).toEqual([...all].sort());
        const sub = keys.filter((k) => k.startsWith("files/md5/0"));
        expect(sub.length).toBeGreaterThan(0);
        expect(await collect(st.list("files/md5/0"))).toEqual(sub.sort());
        expect(await collect(st.list("nothing/here/"))).toEqual([]);

        await st.delete([...keys, "files/md5/zz/not-there"]);
        expect(await collect(st.list("files/md5/"))).toEqual([]);
        expect(await st.exists(keys[0]!)).toBe(false);
        expect(await collect(st.list(""))).toEqual([...others].sort());
        await st.delete([]);
      } finally {
        await st.close();
      }
    });

    it("streams a 20 MB file up and down", async () => {
      const st = await target.open();
      try {
        const p = join(tmp, "twenty.bin");
        const size = 20_000_000;
        const sum = await makeBigFile(p, size);
        await st.write("files/md5/20/mb", { path: p, size }, { md5: sum });
        expect(await st.size?.("files/md5/20/mb")).toBe(size);
        expect(await md5OfStream((await st.read("files/md5/20/mb")) as AsyncIterable<Buffer>)).toEqual({ md5: sum, size });
      } finally {
        await st.close();
      }
    });

    it("crosses the multipart/resumable threshold both ways", async () => {
      const st = await target.open({ multipartThreshold: 8 * 1024 * 1024, partSize: 5 * 1024 * 1024, gcsResumableThreshold: 8 * 1024 * 1024 });
      try {
        for (const size of [7 * 1024 * 1024, 8 * 1024 * 1024, 21 * 1024 * 1024 + 123]) {
          const p = join(tmp, `mp-${size}.bin`);
          const sum = await makeBigFile(p, size);
          let reported = 0;
          await st.write(`mp/${size}`, { path: p, size }, { md5: sum, onBytes: (n) => (reported += n) });
          expect(reported).toBe(size);
          expect(await md5OfStream((await st.read(`mp/${size}`)) as AsyncIterable<Buffer>)).toEqual({ md5: sum, size });
        }
      } finally {
        await st.close();
      }
    });

    it.runIf(target.verifiesMd5)("refuses an upload whose body does not match the given md5", async () => {
      const st = await target.open();
      try {
        const body = Buffer.from("not what the name says");
        await expect(st.write("files/md5/ba/d", body, { md5: md5(Buffer.from("other")) })).rejects.toSatisfy((e) =>
          isDvxError(e, "CORRUPT_OBJECT"),
        );
        expect(await st.exists("files/md5/ba/d")).toBe(false);
      } finally {
        await st.close();
      }
    });

    it("honours an aborted signal", async () => {
      const st = await target.open();
      try {
        const ac = new AbortController();
        ac.abort();
        await expect(st.write("files/md5/ab/orted", Buffer.from("x"), { signal: ac.signal })).rejects.toSatisfy((e) =>
          isDvxError(e, "ABORTED"),
        );
        expect(await st.exists("files/md5/ab/orted")).toBe(false);
      } finally {
        await st.close();
      }
    });
  });
}
