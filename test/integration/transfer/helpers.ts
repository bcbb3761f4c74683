/**
 * Test helpers for transfer: a real LocalCache in a temp dir, objects and directories put into it,
 * remotes on every available backend, and a recording wrapper around a real Storage.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { manifestOid, serializeManifest, type ManifestEntry } from "../../../src/formats/dirManifest.js";
import { hashBytesSync } from "../../../src/hash/md5.js";
import type { HashName } from "../../../src/odb/oid.js";
import { openStorage, type OpenStorageOptions } from "../../../src/storage/openStorage.js";
import type { Storage, WriteOptions, WriteSource } from "../../../src/storage/storage.js";
import { makeBucket, s3Peer, gcsPeer } from "../../helpers/peers.js";
import { LocalCache } from "../../../src/cache/localCache.js";

export { LocalCache };

const temps: string[] = [];
export function tempDir(label = "dvx-transfer-"): string {
  const d = mkdtempSync(join(tmpdir(), label));
  temps.push(d);
  return d;
}
export async function cleanupTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export function newCache(): LocalCache {
  return new LocalCache(join(tempDir("dvx-cache-"), "cache"));
}

export function oidOf(content: Buffer, hashName: HashName = "md5"): string {
  return hashBytesSync(content, hashName);
}

export async function putObject(cache: LocalCache, content: Buffer, hashName: HashName = "md5"): Promise<string> {
  const oid = oidOf(content, hashName);
  if (!(await cache.exists(oid, hashName))) await cache.putVerified(oid, hashName, Readable.from([content]));
  return oid;
}

export interface TestDir {
  oid: string;
  hashName: HashName;
  entries: ManifestEntry[];
  contents: Map<string, Buffer>; // relpath -> bytes
  manifest: Buffer;
}

/** Puts every file and the `.dir` manifest into the cache. */
export async function putDir(cache: LocalCache, files: Record<string, Buffer>, hashName: HashName = "md5"): Promise<TestDir> {
  const entries: ManifestEntry[] = [];
  const contents = new Map<string, Buffer>();
  for (const [relpath, content] of Object.entries(files)) {
    entries.push({ relpath, md5: await putObject(cache, content, hashName) });
    contents.set(relpath, content);
  }
  const manifest = serializeManifest(entries);
  const oid = manifestOid(manifest);
  if (!(await cache.exists(oid, hashName))) await cache.putVerified(oid, hashName, Readable.from([manifest]));
  return { oid, hashName, entries, contents, manifest };
}

/** `n` distinct small files named f00000.. with random content. */
export function randomFiles(n: number, size = 64, prefix = "f"): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++) out[`${prefix}${String(i).padStart(5, "0")}`] = randomBytes(size);
  return out;
}

export interface RemoteTarget {
  label: string;
  available: boolean;
  open(tuning?: OpenStorageOptions): Promise<Storage>;
}

export function remoteTargets(): RemoteTarget[] {
  const s3 = s3Peer();
  const gcs = gcsPeer();
  return [
    {
      label: "local",
      available: true,
      open: (tuning) => openStorage({ name: "local", url: join(tempDir("dvx-remote-"), "remote"), options: {} }, tuning),
    },
    {
      label: "s3 (MinIO)",
      available: s3 !== undefined,
      open: async (tuning) => {
        const bucket = await makeBucket("s3");
        return openStorage(
          {
            name: "minio",
            url: `s3://${bucket}/dvcstore`,
            options: { endpointurl: s3!.endpoint, access_key_id: s3!.accessKeyId, secret_access_key: s3!.secretAccessKey },
          },
          tuning,
        );
      },
    },
    {
      label: "gcs (fake-gcs-server)",
      available: gcs !== undefined,
      open: async (tuning) => {
        const bucket = await makeBucket("gcs");
        return openStorage({ name: "fakegcs", url: `gs://${bucket}/dvcstore`, options: { endpointurl: gcs!.endpoint } }, tuning);
      },
    },
  ];
}

/** A real Storage that records the order of writes and reads, and can fail chosen writes. */
export class RecordingStorage implements Storage {
  readonly writes: string[] = [];
  readonly reads: string[] = [];
  failWrite: ((key: string) => boolean) | undefined;

  constructor(readonly inner: Storage) {}
  get url(): string {
    return this.inner.url;
  }
  get kind(): Storage["kind"] {
    return this.inner.kind;
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  size(key: string): Promise<number | undefined> {
    return this.inner.size ? this.inner.size(key) : Promise.resolve(undefined);
  }
  list(prefix: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }
  async read(key: string): Promise<Readable> {
    this.reads.push(key);
    return this.inner.read(key);
  }
  async write(key: string, src: WriteSource, opts?: WriteOptions): Promise<void> {
    if (this.failWrite?.(key)) throw new Error(`injected failure writing ${key}`);
    await this.inner.write(key, src, opts);
    this.writes.push(key);
  }
  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export async function listAll(st: Storage, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const k of st.list(prefix)) out.push(k);
  return out.sort();
}
