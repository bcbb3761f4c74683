/**
 * Smoke tests for the real test peers (test/setup/globalPeers.ts, scripts/peers.sh):
 * MinIO through the AWS SDK, fake-gcs-server through @google-cloud/storage, and real Python DVC
 * pushing to and pulling from both.
 *
 * DVC <-> fake-gcs-server: works with the remote options
 *     endpointurl = http://127.0.0.1:<port>     (dvc-gs passes it to gcsfs as endpoint_url)
 *     allow_anonymous_login = true              (gcsfs token="anon": no Google credential lookup)
 * plus, in the environment (runDvc's dvcEnv sets it):
 *     GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false
 * gcsfs 2026.x (pulled in by dvc-gs 3.1.0) by default swaps in ExtendedGcsFileSystem, which asks the
 * gRPC Storage Control API (over TLS) for each bucket's storage layout before using it. fake-gcs-server
 * serves plain HTTP JSON only, so that call fails after a 60 s retry deadline, is not cached, and a
 * push takes minutes; with the variable set to false gcsfs uses the plain JSON-API GCSFileSystem and
 * a push takes ~2 s.
 * STORAGE_EMULATOR_HOST=http://127.0.0.1:<port> (instead of endpointurl) also works, but it is
 * process-wide, so the per-remote `endpointurl` is what these tests use. Without
 * allow_anonymous_login, gcsfs walks google_default -> cache -> GCE metadata -> anon; dvcEnv sets
 * NO_GCE_CHECK=true (lowercase: both gcsfs and google-auth compare against "true") so the metadata
 * server is never probed.
 * globalPeers starts fake-gcs-server with -external-url/-public-host set to its own address; with
 * v1.56.1 resumable uploads and mediaLink URLs also work without them (the server derives them from
 * the request), so the flags are belt and braces, not a requirement.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { rmSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Storage } from "@google-cloud/storage";
import {
  dvcPeer,
  gcsPeer,
  gcsStorage,
  makeBucket,
  runDvc,
  s3Client,
  s3Peer,
  scratchDir,
  skipReason,
  type DvcResult,
} from "../helpers/peers.js";

const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");

function chunkedStream(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

function ok(r: DvcResult, what: string): DvcResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

describe("globalSetup hand-over", () => {
  it("peer values reach the forked worker through process.env and inject() alike", () => {
    const provided = inject("dvxPeers");
    expect(provided).toBeDefined();
    for (const key of ["DVX_TEST_S3_ENDPOINT", "DVX_TEST_GCS_ENDPOINT", "DVX_TEST_DVC"] as const) {
      expect(process.env[key]).toBe(provided[key]);
    }
    if (process.env.CI) {
      expect(s3Peer()).toBeDefined();
      expect(gcsPeer()).toBeDefined();
      expect(dvcPeer()).toBeDefined();
    }
  });
});

describe.skipIf(skipReason("s3"))("MinIO through @aws-sdk/client-s3", () => {
  let client: S3Client;
  beforeAll(async () => {
    client = await s3Client();
  });
  afterAll(() => client?.destroy());

  it("puts a streamed body, gets identical bytes back and lists it", async () => {
    const bucket = await makeBucket("s3");
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "dir/blob.bin",
        Body: chunkedStream(data),
        ContentLength: data.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/blob.bin" }));
    expect(got.ContentLength).toBe(data.length);
    const back = await collect(got.Body as AsyncIterable<Uint8Array>);
    expect(md5(back)).toBe(md5(data));
    expect(back.equals(data)).toBe(true);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/" }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["dir/blob.bin", data.length]]);
  });
});

describe.skipIf(skipReason("gcs"))("fake-gcs-server through @google-cloud/storage", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await gcsStorage();
  });

  it("saves, checks existence, lists and downloads (simple and resumable uploads)", async () => {
    const name = await makeBucket("gcs");
    const bucket = storage.bucket(name);
    const small = Buffer.from("hello fake gcs\n");
    const large = randomBytes(9 * 1024 * 1024 + 5);

    await bucket.file("dir/small.txt").save(small, { resumable: false });
    // A resumable upload follows the session URL the server hands out (-external-url).
    await pipeline(chunkedStream(large), bucket.file("dir/large.bin").createWriteStream({ resumable: true }));

    expect((await bucket.file("dir/small.txt").exists())[0]).toBe(true);
    expect((await bucket.file("dir/absent").exists())[0]).toBe(false);

    const [files] = await bucket.getFiles({ prefix: "dir/" });
    expect(files.map((f) => f.name).sort()).toEqual(["dir/large.bin", "dir/small.txt"]);

    const [smallBack] = await bucket.file("dir/small.txt").download();
    expect(smallBack.equals(small)).toBe(true);
    const largeBack = await collect(bucket.file("dir/large.bin").createReadStream());
    expect(largeBack.equals(large)).toBe(true);
  });
});

describe.skipIf(skipReason("dvc"))("Python DVC", () => {
  it("dvc --version is 3.67.x", async () => {
    const r = ok(await runDvc(["--version"]), "dvc --version");
    expect(r.stdout.trim()).toMatch(/^3\.67\.\d+$/);
  });
});

/** A fresh git + dvc repo with one small and one multi-MB tracked file; returns paths and md5s. */
async function dvcRepoWithData(): Promise<{ dir: string; files: Record<string, Buffer> }> {
  const dir = scratchDir("dvx-peer-repo-");
  execFileSync("git", ["init", "-q"], { cwd: dir });
  ok(await runDvc(["init", "-q"], { cwd: dir }), "dvc init");
  const files: Record<string, Buffer> = {
    "small.txt": Buffer.from("pushed by real dvc\n"),
    "large.bin": randomBytes(7 * 1024 * 1024 + 3), // above gcsfs' 5 MiB block size: resumable upload
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  ok(await runDvc(["add", "-q", ...Object.keys(files)], { cwd: dir }), "dvc add");
  return { dir, files };
}

/** Removes workspace copies and the local cache, pulls from the default remote, compares bytes. */
async function pullBackAndCompare(dir: string, files: Record<string, Buffer>): Promise<void> {
  for (const name of Object.keys(files)) rmSync(join(dir, name));
  rmSync(join(dir, ".dvc", "cache"), { recursive: true, force: true });
  ok(await runDvc(["pull"], { cwd: dir }), "dvc pull");
  for (const [name, data] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(data)).toBe(true);
}

const expectedKeys = (prefix: string, files: Record<string, Buffer>): string[] =>
  Object.values(files)
    .map((d) => md5(d))
    .map((h) => `${prefix}/files/md5/${h.slice(0, 2)}/${h.slice(2)}`)
    .sort();

describe.skipIf(skipReason("dvc", "s3"))("real Python DVC against MinIO", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("dvc push writes prefix/files/md5/xx/... objects, dvc pull gets them back", { timeout: 240_000 }, async () => {
    const peer = s3Peer()!;
    const bucket = await makeBucket("s3");
    const { dir, files } = await dvcRepoWithData();
    dirs.push(dir);
    ok(await runDvc(["remote", "add", "-d", "s3", `s3://${bucket}/prefix`], { cwd: dir }), "remote add");
    ok(await runDvc(["remote", "modify", "s3", "endpointurl", peer.endpoint], { cwd: dir }), "remote modify");
    ok(await runDvc(["remote", "modify", "--local", "s3", "access_key_id", peer.accessKeyId], { cwd: dir }), "key");
    ok(
      await runDvc(["remote", "modify", "--local", "s3", "secret_access_key", peer.secretAccessKey], { cwd: dir }),
      "secret",
    );
    expect(readFileSync(join(dir, ".dvc", "config.local"), "utf8")).toContain("access_key_id");
    expect(readFileSync(join(dir, ".dvc", "config"), "utf8")).not.toContain(peer.secretAccessKey);

    const push = ok(await runDvc(["push"], { cwd: dir }), "dvc push");
    expect(push.stdout).toMatch(/2 files pushed/);

    const client = await s3Client(peer);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "prefix/" }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
      expect(keys).toEqual(expectedKeys("prefix", files));
      const [key] = expectedKeys("prefix", { s: files["small.txt"]! });
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect((await collect(got.Body as AsyncIterable<Uint8Array>)).equals(files["small.txt"]!)).toBe(true);
    } finally {
      client.destroy();
    }

    await pullBackAndCompare(dir, files);
  });
});

describe.skipIf(skipReason("dvc", "gcs"))("real Python DVC against fake-gcs-server", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("dvc push (endpointurl + allow_anonymous_login) writes prefix/files/md5/..., dvc pull gets them back", { timeout: 240_000 }, async () => {
    const peer = gcsPeer()!;
    const bucket = await makeBucket("gcs");
    const { dir, files } = await dvcRepoWithData();
    dirs.push(dir);
    ok(await runDvc(["remote", "add", "-d", "gs", `gs://${bucket}/prefix`], { cwd: dir }), "remote add");
    ok(await runDvc(["remote", "modify", "gs", "endpointurl", peer.endpoint], { cwd: dir }), "endpointurl");
    ok(await runDvc(["remote", "modify", "gs", "allow_anonymous_login", "true"], { cwd: dir }), "anon");
    ok(await runDvc(["remote", "modify", "gs", "projectname", "test"], { cwd: dir }), "projectname");

    const push = ok(await runDvc(["push"], { cwd: dir }), "dvc push");
    expect(push.stdout).toMatch(/2 files pushed/);

    const storage = await gcsStorage(peer);
    const [objects] = await storage.bucket(bucket).getFiles({ prefix: "prefix/" });
    expect(objects.map((f) => f.name).sort()).toEqual(expectedKeys("prefix", files));
    const [key] = expectedKeys("prefix", { l: files["large.bin"]! });
    const [largeBack] = await storage.bucket(bucket).file(key!).download();
    expect(largeBack.equals(files["large.bin"]!)).toBe(true);

    await pullBackAndCompare(dir, files);
  });
});
