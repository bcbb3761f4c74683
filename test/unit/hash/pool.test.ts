import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HashTask } from "../../../src/hash/hashStore.js";
import { HashPool, poolPays } from "../../../src/hash/pool.js";
import { VECTORS } from "./vectors.js";

const dir = mkdtempSync(join(tmpdir(), "dvx-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

const files: { path: string; content: Buffer }[] = [];
beforeAll(() => {
  for (const v of VECTORS) {
    const p = join(dir, `v-${v.id}`);
    writeFileSync(p, v.content());
    files.push({ path: p, content: v.content() });
  }
  for (let i = 0; i < 1500; i++) {
    const c = Buffer.from(`small file ${i}\r\n`.repeat(i % 7));
    const p = join(dir, `s-${i}`);
    writeFileSync(p, c);
    files.push({ path: p, content: c });
  }
  for (let i = 0; i < 3; i++) {
    const c = randomBytes((20 << 20) + i);
    const p = join(dir, `big-${i}`);
    writeFileSync(p, c);
    files.push({ path: p, content: c });
  }
});

describe.each(["node", "wasm"] as const)("HashPool (TypeScript entry via tsx), backend %s", (backend) => {
  it("hashes §12.1 vectors (md5, 2.x and 3.x dos2unix) in input order", async () => {
    const pool = new HashPool({ size: 2, backend });
    try {
      const vs = VECTORS.map((v) => ({ v, path: join(dir, `v-${v.id}`) }));
      for (const [hashName, dos2unix, key] of [
        ["md5", undefined, "md5"],
        ["md5-dos2unix", "2.x", "d2u2"],
        ["md5-dos2unix", "3.x", "d2u3"],
      ] as const) {
        const tasks: HashTask[] = vs.map(({ path }) => ({ path, hashName, ...(dos2unix ? { dos2unix } : {}) }));
        const res = await pool.hashMany(tasks);
        expect(res.map((r) => r.md5)).toEqual(vs.map(({ v }) => v[key]));
        expect(res.map((r) => r.size)).toEqual(vs.map(({ v }) => v.content().length));
      }
    } finally {
      await pool.close();
    }
  });
});

describe("HashPool", () => {
  it("many files, with a sink: results in order, every byte reported once, objects stored", async () => {
    const pool = new HashPool({ size: 2 });
    const odb = join(dir, "cache", "files", "md5");
    try {
      const tasks: HashTask[] = files.map((f) => ({ path: f.path, hashName: "md5", sizeHint: f.content.length }));
      let bytes = 0;
      const seen = new Set<number>();
      const res = await pool.hashMany(tasks, {
        sink: { odbDir: odb, tmpDir: join(dir, "cache", ".dvx-tmp") },
        onBytes: (n) => (bytes += n),
        onResult: (i) => seen.add(i),
      });
      expect(res.map((r) => r.md5)).toEqual(files.map((f) => md5(f.content)));
      expect(bytes).toBe(files.reduce((a, f) => a + f.content.length, 0));
      expect(seen.size).toBe(files.length);
      const unique = new Set(res.map((r) => r.md5));
      expect(res.filter((r) => r.stored).length).toBe(unique.size);
      for (const f of files.slice(-3)) {
        const oid = md5(f.content);
        expect(readFileSync(join(odb, oid.slice(0, 2), oid.slice(2))).equals(f.content)).toBe(true);
      }
      // two concurrent jobs on one pool
      const [a, b] = await Promise.all([pool.hashMany(tasks.slice(0, 700)), pool.hashMany(tasks.slice(700))]);
      expect([...a, ...b].map((r) => r.md5)).toEqual(files.map((f) => md5(f.content)));
      expect(res.every((r) => r.stored === false || r.stored === true)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("a failing file rejects the job with a typed error; the pool stays usable", async () => {
    const pool = new HashPool({ size: 2 });
    try {
      const tasks: HashTask[] = files.slice(0, 600).map((f) => ({ path: f.path, hashName: "md5" }));
      tasks.splice(300, 0, { path: join(dir, "missing"), hashName: "md5" });
      await expect(pool.hashMany(tasks)).rejects.toMatchObject({ code: "NOT_FOUND" });
      const ok = await pool.hashMany(tasks.slice(0, 10));
      expect(ok).toHaveLength(10);
    } finally {
      await pool.close();
    }
  });

  it("abort: settles after in-flight batches stop; no temp file or partial object remains", async () => {
    const pool = new HashPool({ size: 2 });
    const root = join(dir, "abort-cache");
    try {
      const bigs = files.slice(-3);
      const tasks: HashTask[] = [...bigs, ...bigs, ...bigs].map((f) => ({ path: f.path, hashName: "md5", sizeHint: f.content.length }));
      const ac = new AbortController();
      let bytes = 0;
      const p = pool.hashMany(tasks, {
        sink: { odbDir: join(root, "files", "md5"), tmpDir: join(root, ".dvx-tmp") },
        signal: ac.signal,
        onBytes: (n) => {
          bytes += n;
          if (bytes > 0) ac.abort();
        },
      });
      await expect(p).rejects.toMatchObject({ code: "ABORTED" });
      const left = existsSync(root) ? readdirSync(root, { recursive: true }).map(String) : [];
      expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
      // objects present (if any finished before the abort) are complete
      for (const f of bigs) {
        const oid = md5(f.content);
        const o = join(root, "files", "md5", oid.slice(0, 2), oid.slice(2));
        if (existsSync(o)) expect(readFileSync(o).equals(f.content)).toBe(true);
      }
      expect(await pool.hashMany(tasks.slice(0, 1))).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it("close() rejects further use", async () => {
    const pool = new HashPool({ size: 1 });
    await pool.close();
    await expect(pool.hashMany([{ path: files[0]!.path, hashName: "md5" }])).rejects.toMatchObject({ code: "USAGE" });
  });

  it("poolPays: small jobs stay on the main thread", () => {
    expect(poolPays(100, 100 * 4096, { started: false, size: 2 })).toBe(false);
    expect(poolPays(50_000, 50_000 * 4096, { started: false, size: 2 })).toBe(true);
    expect(poolPays(3, 3 * 2 ** 30, { started: false, size: 2 })).toBe(true);
    expect(poolPays(1, 2 ** 30, { started: false, size: 2 })).toBe(false);
    expect(poolPays(50_000, 50_000 * 4096, { started: false, size: 1 })).toBe(false);
  });
});

describe("HashPool from compiled JS (dist layout)", () => {
  it("spawns the compiled .js worker entry", () => {
    const repo = resolve(import.meta.dirname, "../../..");
    const out = join(dir, "dist");
    execFileSync(
      process.execPath,
      [
        join(repo, "node_modules/typescript/bin/tsc"), "--ignoreConfig",
        "--outDir", out, "--rootDir", repo, "--module", "NodeNext", "--moduleResolution", "NodeNext",
        "--target", "ES2022", "--strict", "--skipLibCheck", "--types", "node",
        join(repo, "src/hash/pool.ts"), join(repo, "src/hash/hashWorker.ts"),
      ],
      { cwd: repo, stdio: "pipe" },
    );
    expect(existsSync(join(out, "src/hash/hashWorker.js"))).toBe(true);
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    symlinkSync(join(repo, "node_modules"), join(out, "node_modules"));
    mkdirSync(join(dir, "d"), { recursive: true });
    writeFileSync(join(dir, "d", "a"), "foo\r\n");
    const script = `
      import { HashPool } from ${JSON.stringify(join(out, "src/hash/pool.js"))};
      const pool = new HashPool({ size: 2 });
      const r = await pool.hashMany([{ path: ${JSON.stringify(join(dir, "d", "a"))}, hashName: "md5-dos2unix" }]);
      await pool.close();
      console.log(JSON.stringify(r));`;
    writeFileSync(join(out, "run.mjs"), script);
    const stdout = execFileSync(process.execPath, [join(out, "run.mjs")], { cwd: out, encoding: "utf8" });
    expect(JSON.parse(stdout)).toEqual([{ md5: "d3b07384d113edec49eaa6238ad5ff00", size: 5, stored: false }]);
  });
});
