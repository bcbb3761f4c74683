import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isTextBlock } from "../../../src/hash/isText.js";
import {
  createMd5,
  createMd5Factory,
  Dos2UnixHasher,
  hashBytes,
  hashBytesSync,
  hashFile,
  type HashBackend,
} from "../../../src/hash/md5.js";
import { H16B_WRONG, M, VECTORS } from "./vectors.js";

const dir = mkdtempSync(join(tmpdir(), "dvx-md5-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Straightforward transcription of DVC's Python (spec 2.3), for property tests. */
function refIsText(block: Uint8Array): boolean {
  if (block.length === 0) return true;
  if (block.includes(0)) return false;
  const text = new Set([8, 9, 10, 12, 13]);
  for (let c = 0x20; c <= 0x7e; c++) text.add(c);
  let nontext = 0;
  for (const x of block) if (!text.has(x)) nontext++;
  return nontext / block.length <= 0.3;
}
function refDos2Unix(buf: Buffer, variant: "2.x" | "3.x"): string {
  const h = createHash("md5");
  const first = refIsText(buf.subarray(0, 512));
  for (let off = 0; off < buf.length; off += M) {
    const chunk = buf.subarray(off, off + M);
    const text = variant === "2.x" ? first : refIsText(chunk.subarray(0, 512));
    h.update(text ? Buffer.from(chunk.toString("latin1").replaceAll("\r\n", "\n"), "latin1") : chunk);
  }
  return h.digest("hex");
}

describe("isTextBlock (spec 2.3)", () => {
  it("empty is text, NUL is binary", () => {
    expect(isTextBlock(new Uint8Array())).toBe(true);
    expect(isTextBlock(Buffer.from("abc\0def"))).toBe(false);
    expect(isTextBlock(Buffer.from([0]))).toBe(false);
  });
  it("30% rule: exactly 3/10 non-text is text, 4/10 is binary", () => {
    expect(isTextBlock(Buffer.from("\x80\x81\x82abcd\r\n\r", "latin1"))).toBe(true);
    expect(isTextBlock(Buffer.from("\x80\x81\x82\x83abc\r\n\r", "latin1"))).toBe(false);
    expect(isTextBlock(Buffer.from("\x7fabc", "latin1"))).toBe(true); // 1/4
    expect(isTextBlock(Buffer.from("\x7f\x7fab", "latin1"))).toBe(false); // 2/4: DEL is non-text
    expect(isTextBlock(Buffer.from("\x0b", "latin1"))).toBe(false); // \v is not in TEXT
    expect(isTextBlock(Buffer.from("\x08\x09\x0a\x0c\x0d ~", "latin1"))).toBe(true);
  });
  it("UTF-8 Cyrillic is binary, 'café' is text", () => {
    expect(isTextBlock(Buffer.from("привет\r\n"))).toBe(false);
    expect(isTextBlock(Buffer.from("café\r\n"))).toBe(true);
  });
  it("matches the reference on random blocks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 40, min: 0x20, max: 0x7e }), (a, t) => {
        const blk = Buffer.concat([t, a.map((x) => (x === 0 ? 1 : x)), t]);
        expect(isTextBlock(blk)).toBe(refIsText(blk));
        expect(isTextBlock(a)).toBe(refIsText(a));
      }),
      { numRuns: 500 },
    );
  });
});

describe.each<HashBackend>(["node", "wasm"])("vectors §12.1, backend %s", (backend) => {
  for (const vec of VECTORS) {
    it(`${vec.id} bytes`, async () => {
      const buf = vec.content();
      expect(await hashBytes(buf, "md5", backend)).toBe(vec.md5);
      expect(await hashBytes(buf, "md5-dos2unix", backend, "2.x")).toBe(vec.d2u2);
      expect(await hashBytes(buf, "md5-dos2unix", backend, "3.x")).toBe(vec.d2u3);
    });
    it(`${vec.id} file`, async () => {
      const p = join(dir, `${backend}-${vec.id}`);
      writeFileSync(p, vec.content());
      const size = vec.content().length;
      expect(await hashFile(p, { hashName: "md5", backend })).toEqual({ md5: vec.md5, size });
      expect(await hashFile(p, { hashName: "md5-dos2unix", backend })).toEqual({ md5: vec.d2u2, size });
      expect(await hashFile(p, { hashName: "md5-dos2unix", backend, dos2unix: "3.x" })).toEqual({
        md5: vec.d2u3,
        size,
      });
    });
  }
  it("H16b: no variant replaces CRLF across the chunk boundary", async () => {
    const buf = VECTORS.find((v) => v.id === "H16a")!.content();
    expect(await hashBytes(buf, "md5-dos2unix", backend, "2.x")).not.toBe(H16B_WRONG);
    expect(await hashBytes(buf, "md5-dos2unix", backend, "3.x")).not.toBe(H16B_WRONG);
  });
});

describe("chunking", () => {
  const big = VECTORS.filter((v) => ["H16a", "H17a", "H17b", "H15c", "H9"].includes(v.id));
  it("result is independent of update() sizes (exact 1 MiB file chunks)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...big),
        fc.constantFrom<"2.x" | "3.x">("2.x", "3.x"),
        fc.array(fc.integer({ min: 1, max: 3 * M }), { minLength: 1, maxLength: 6 }),
        (vec, variant, cuts) => {
          const buf = vec.content();
          const inner = createHash("md5");
          const d = new Dos2UnixHasher({ update: (b) => inner.update(b), digest: () => inner.digest("hex") }, variant);
          let off = 0;
          let i = 0;
          while (off < buf.length) {
            const n = cuts[i++ % cuts.length]!;
            d.update(buf.subarray(off, off + n));
            off += n;
          }
          expect(d.digest()).toBe(variant === "2.x" ? vec.d2u2 : vec.d2u3);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("matches the reference on random CR/LF-heavy multi-chunk data", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("\r", "\n", "\r\n", "a", "\xff", "\0", "xyz"), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: M - 700, max: 3 * M + 5 }),
        fc.integer({ min: 1, max: 5 }),
        (alphabet, len, seed) => {
          const parts: string[] = [];
          let n = 0;
          let s = seed;
          while (n < len) {
            s = (s * 1103515245 + 12345) % 2147483648;
            const p = alphabet[s % alphabet.length]!;
            parts.push(p);
            n += p.length;
          }
          const buf = Buffer.from(parts.join(""), "latin1");
          for (const variant of ["2.x", "3.x"] as const) {
            expect(hashBytesSync(buf, "md5-dos2unix", variant)).toBe(refDos2Unix(buf, variant));
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("streams large files (> 4 MiB) with CRLF across read and chunk boundaries", async () => {
    // 4 MiB reads are multiples of 1 MiB, so also put text/binary changes at odd offsets.
    const parts: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const chunk = Buffer.alloc(M + 333, i % 2 ? "b\r\n" : "\r\nx", "latin1");
      if (i === 3) chunk.fill(0xfe, 0, 400);
      parts.push(chunk);
    }
    const buf = Buffer.concat(parts);
    const p = join(dir, "big-crlf");
    writeFileSync(p, buf);
    for (const backend of ["node", "wasm"] as const) {
      expect(await hashFile(p, { hashName: "md5", backend })).toEqual({
        md5: createHash("md5").update(buf).digest("hex"),
        size: buf.length,
      });
      for (const variant of ["2.x", "3.x"] as const) {
        const r = await hashFile(p, { hashName: "md5-dos2unix", dos2unix: variant, backend });
        expect(r.md5).toBe(refDos2Unix(buf, variant));
      }
    }
  });
});

describe("hashers", () => {
  it("wasm factory reuses one instance sequentially", async () => {
    const f = await createMd5Factory("wasm");
    for (const vec of VECTORS.slice(0, 6)) {
      const h = f();
      h.update(vec.content());
      expect(h.digest()).toBe(vec.md5);
    }
    const h = await createMd5("wasm");
    h.update(Buffer.from("foo"));
    expect(h.digest()).toBe("acbd18db4cc2f85cedef654fccc4a4d8");
  });
  it("hashFile: missing file is NOT_FOUND, aborted signal is ABORTED", async () => {
    await expect(hashFile(join(dir, "nope"), { hashName: "md5" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const ac = new AbortController();
    ac.abort();
    await expect(hashFile(join(dir, "nope"), { hashName: "md5", signal: ac.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
  });
});
