/**
 * Deterministic benchmark datasets, generated once and cached under
 * `${DVX_BENCH_DIR:-/tmp/dvx-bench}/datasets/<name>@<scale>/data`.
 *
 * Content is the AES-128-CTR keystream of a key derived from (seed, dataset) with the file's
 * index as IV: incompressible, identical on every machine and every run, and produced by OpenSSL
 * at several GB/s, so writing 2 GB costs about as much as the page cache takes to absorb it.
 * A dataset is generated into a temporary directory and renamed into place with a manifest
 * (`dataset.json`) written last, so an interrupted generation is never reused.
 */
import { createCipheriv, createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export const SEED = "dvx-bench-v1";
const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

/** Small deterministic PRNG (splitmix32) for sizes. */
function splitmix32(a) {
  return () => {
    a |= 0;
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return ((t ^ (t >>> 15)) >>> 0) / 4294967296;
  };
}

function keyFor(name, variant = 0) {
  return createHash("md5").update(`${SEED}/${name}/${variant}`).digest();
}

function ivFor(index) {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index >>> 0, 12);
  iv.writeUInt32BE(Math.floor(index / 2 ** 32) >>> 0, 8);
  return iv;
}

/** Deterministic content of file `index` of dataset `name` (variant != 0: the "changed" content). */
export function fileContent(name, index, size, variant = 0) {
  const c = createCipheriv("aes-128-ctr", keyFor(name, variant), ivFor(index));
  return c.update(Buffer.alloc(size));
}

/** Writes a large file of `size` bytes in 64 MiB chunks of the same keystream. */
function writeLargeFile(path, name, index, size) {
  const c = createCipheriv("aes-128-ctr", keyFor(name), ivFor(index));
  const chunk = 64 * MB;
  const zero = Buffer.alloc(Math.min(chunk, size));
  const fd = openSync(path, "w");
  try {
    let left = size;
    while (left > 0) {
      const n = Math.min(chunk, left);
      const buf = c.update(n === zero.length ? zero : zero.subarray(0, n));
      let off = 0;
      while (off < n) off += writeSync(fd, buf, off, n - off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

const pad = (n, w) => String(n).padStart(w, "0");

/**
 * Dataset definitions. `files(scale)` lists { rel, size, index }; `scale` shrinks the file count
 * (sizes are kept) except for `large`, where the 4 files shrink instead.
 */
export const DATASETS = {
  small: {
    describe: (s) => `${fmtCount(Math.max(1, Math.round(20000 * s)))} files × 100 KB, flat directory`,
    files(scale) {
      const n = Math.max(1, Math.round(20000 * scale));
      return Array.from({ length: n }, (_, i) => ({ rel: `${pad(i, 5)}.bin`, size: 100 * KB, index: i }));
    },
  },
  large: {
    describe: (s) => `4 files × ${fmtBytes(Math.max(MB, Math.round(GB * s)))}`,
    files(scale) {
      const size = Math.max(MB, Math.round(GB * scale));
      return Array.from({ length: 4 }, (_, i) => ({ rel: `big${i}.bin`, size, index: i }));
    },
  },
  mnist: {
    describe: (s) => `${fmtCount(Math.max(10, Math.round(70000 * s)))} files of 0.1–1 KB in 10 folders (MNIST-like)`,
    files(scale) {
      const n = Math.max(10, Math.round(70000 * scale));
      const rnd = splitmix32(70000);
      return Array.from({ length: n }, (_, i) => ({
        rel: `${i % 10}/${pad(Math.floor(i / 10), 5)}.png`,
        size: 100 + Math.floor(rnd() * 925),
        index: i,
      }));
    },
  },
  tree200k: {
    describe: (s) => `${fmtCount(Math.max(1, Math.round(200000 * s)))} files of 16 B–1 KB, tree of 20 × 10 directories`,
    files(scale) {
      const n = Math.max(1, Math.round(200000 * scale));
      const rnd = splitmix32(200000);
      return Array.from({ length: n }, (_, i) => ({
        rel: `d${pad(i % 20, 2)}/e${pad(Math.floor(i / 20) % 10, 1)}/f${pad(Math.floor(i / 200), 4)}.dat`,
        size: 16 + Math.floor(rnd() * 1009),
        index: i,
      }));
    },
  },
};

export function fmtBytes(b) {
  if (b >= GB) return `${+(b / GB).toFixed(2)} GB`;
  if (b >= MB) return `${+(b / MB).toFixed(1)} MB`;
  if (b >= KB) return `${+(b / KB).toFixed(1)} KB`;
  return `${b} B`;
}

export function fmtCount(n) {
  return n.toLocaleString("en-US");
}

/**
 * Returns { name, scale, dir (the `data` directory), files, bytes, describe } for a dataset,
 * generating it first unless a complete copy is cached.
 */
export function ensureDataset(benchDir, name, scale, log = () => {}) {
  const def = DATASETS[name];
  if (!def) throw new Error(`unknown dataset '${name}' (small|large|mnist|tree200k)`);
  const files = def.files(scale);
  const bytes = files.reduce((a, f) => a + f.size, 0);
  const root = join(benchDir, "datasets", `${name}@${scale}`);
  const manifestPath = join(root, "dataset.json");
  const want = { seed: SEED, name, scale, count: files.length, bytes };
  const info = { name, scale, root, dir: join(root, "data"), files, bytes, describe: def.describe(scale) };
  if (existsSync(manifestPath)) {
    try {
      const have = JSON.parse(readFileSync(manifestPath, "utf8"));
      if (have.seed === want.seed && have.count === want.count && have.bytes === want.bytes) return { ...info, generatedS: 0 };
    } catch {
      /* regenerate */
    }
  }
  const t0 = process.hrtime.bigint();
  log(`generating dataset ${name}@${scale}: ${info.describe}, ${fmtBytes(bytes)} ...`);
  rmSync(root, { recursive: true, force: true });
  const tmp = join(root, "data.tmp");
  mkdirSync(tmp, { recursive: true });
  const made = new Set();
  for (const f of files) {
    const path = join(tmp, f.rel);
    const slash = f.rel.lastIndexOf("/");
    if (slash > 0) {
      const d = f.rel.slice(0, slash);
      if (!made.has(d)) {
        mkdirSync(join(tmp, d), { recursive: true });
        made.add(d);
      }
    }
    if (f.size > 64 * MB) writeLargeFile(path, name, f.index, f.size);
    else writeFileSync(path, fileContent(name, f.index, f.size));
  }
  renameSync(tmp, info.dir);
  writeFileSync(manifestPath, JSON.stringify(want, null, 2) + "\n");
  const generatedS = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`generated ${name}@${scale} in ${generatedS.toFixed(1)} s`);
  return { ...info, generatedS };
}
