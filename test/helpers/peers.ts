/**
 * Helpers for tests that talk to the real peers started by test/setup/globalPeers.ts.
 *
 *   const why = skipReason("s3", "dvc");          // prints a loud line when something is missing
 *   describe.skipIf(why)("push to MinIO", () => { ... });
 *
 * Values come from process.env (DVX_TEST_*), falling back to vitest's inject("dvxPeers").
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Storage } from "@google-cloud/storage";
import type { PeerEnv } from "../setup/globalPeers.js";

export type PeerKind = "s3" | "gcs" | "dvc";

export interface S3Peer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface GcsPeer {
  endpoint: string;
}

function peerVar(name: keyof PeerEnv): string | undefined {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  try {
    return inject("dvxPeers")?.[name] || undefined;
  } catch {
    return undefined; // not inside a vitest worker
  }
}

/** MinIO (S3) peer, or undefined when it is not running. */
export function s3Peer(): S3Peer | undefined {
  const endpoint = peerVar("DVX_TEST_S3_ENDPOINT");
  const accessKeyId = peerVar("DVX_TEST_S3_ACCESS_KEY");
  const secretAccessKey = peerVar("DVX_TEST_S3_SECRET_KEY");
  if (!endpoint || !accessKeyId || !secretAccessKey) return undefined;
  return { endpoint, accessKeyId, secretAccessKey };
}

/** fake-gcs-server peer, or undefined when it is not running. */
export function gcsPeer(): GcsPeer | undefined {
  const endpoint = peerVar("DVX_TEST_GCS_ENDPOINT");
  return endpoint ? { endpoint } : undefined;
}

/** Absolute path of Python DVC (dvc-venv/bin/dvc), or undefined when it is not installed. */
export function dvcPeer(): string | undefined {
  return peerVar("DVX_TEST_DVC");
}

const PEER_DESCRIPTION: Record<PeerKind, string> = {
  s3: "MinIO (DVX_TEST_S3_ENDPOINT)",
  gcs: "fake-gcs-server (DVX_TEST_GCS_ENDPOINT)",
  dvc: "Python DVC (DVX_TEST_DVC)",
};

function isAvailable(kind: PeerKind): boolean {
  if (kind === "s3") return s3Peer() !== undefined;
  if (kind === "gcs") return gcsPeer() !== undefined;
  return dvcPeer() !== undefined;
}

/**
 * Why a suite needing `kinds` must be skipped, or undefined when all are there.
 * When something is missing it also prints the reason, so a skipped suite never goes unnoticed.
 */
export function skipReason(...kinds: PeerKind[]): string | undefined {
  const missing = kinds.filter((k) => !isAvailable(k));
  if (missing.length === 0) return undefined;
  const reason =
    `test peer(s) missing: ${missing.map((k) => PEER_DESCRIPTION[k]).join(", ")}; ` +
    "run `bash scripts/peers.sh install` (globalSetup test/setup/globalPeers.ts starts them)";
  console.warn(`SKIPPED (${new Error().stack?.split("\n")[2]?.trim() ?? "?"}): ${reason}`);
  return reason;
}

/** A fresh S3 client for the MinIO peer (path style, us-east-1, checksums only when required). */
export async function s3Client(peer: S3Peer | undefined = s3Peer()): Promise<S3Client> {
  if (!peer) throw new Error(skipReason("s3"));
  const { S3Client } = await import("@aws-sdk/client-s3");
  return new S3Client({
    endpoint: peer.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** A fresh @google-cloud/storage client for fake-gcs-server (no auth with a custom endpoint). */
export async function gcsStorage(peer: GcsPeer | undefined = gcsPeer()): Promise<Storage> {
  if (!peer) throw new Error(skipReason("gcs"));
  const { Storage } = await import("@google-cloud/storage");
  return new Storage({ apiEndpoint: peer.endpoint, projectId: "test" });
}

/** A bucket name that is valid on S3 and GCS and unique to this call. */
export function uniqueBucketName(prefix = "dvx"): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`.toLowerCase();
}

/** Creates a fresh, empty bucket on the peer and returns its name. */
export async function makeBucket(kind: "s3" | "gcs", name: string = uniqueBucketName()): Promise<string> {
  if (kind === "s3") {
    const client = await s3Client();
    try {
      const { CreateBucketCommand } = await import("@aws-sdk/client-s3");
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      client.destroy();
    }
  } else {
    const storage = await gcsStorage();
    await storage.createBucket(name);
  }
  return name;
}

/** A fresh temp dir under globalSetup's scratch dir (removed at teardown), or under os.tmpdir(). */
export function scratchDir(prefix = "dvx-test-"): string {
  return mkdtempSync(join(peerVar("DVX_TEST_TMPDIR") ?? tmpdir(), prefix));
}

// --- Python DVC -----------------------------------------------------------------------------

let dvcHome: { root: string; site: string; global: string; system: string } | undefined;

/**
 * Private DVC config/cache dirs for this worker process. They live under globalSetup's scratch dir
 * (removed at teardown: vitest may end a fork with a signal, so an exit hook is not enough).
 */
function dvcDirs(): NonNullable<typeof dvcHome> {
  if (dvcHome) return dvcHome;
  const scratch = peerVar("DVX_TEST_TMPDIR");
  const root = mkdtempSync(join(scratch ?? tmpdir(), "dvx-dvc-home-"));
  const dirs = { root, site: join(root, "site-cache"), global: join(root, "global"), system: join(root, "system") };
  for (const d of [dirs.site, dirs.global, dirs.system]) mkdirSync(d);
  // The global config is otherwise empty: no update check, no analytics.
  writeFileSync(join(dirs.global, "config"), "[core]\n    check_update = false\n    analytics = false\n");
  if (!scratch) process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  dvcHome = dirs;
  return dirs;
}

/** The environment `runDvc` uses (exported for tests that spawn dvc another way). */
export function dvcEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dirs = dvcDirs();
  return {
    ...process.env,
    DVC_NO_ANALYTICS: "1",
    DVC_SITE_CACHE_DIR: dirs.site,
    DVC_GLOBAL_CONFIG_DIR: dirs.global,
    DVC_SYSTEM_CONFIG_DIR: dirs.system,
    // Never let boto / google-auth probe a cloud metadata service from a test.
    AWS_EC2_METADATA_DISABLED: "true",
    NO_GCE_CHECK: "true",
    // gcsfs >= 2025.x wraps GCSFileSystem in ExtendedGcsFileSystem, which asks the gRPC Storage
    // Control API for each bucket's layout (zonal/HNS). fake-gcs-server has no such API: every call
    // waits out a 60 s TLS-retry timeout before falling back, and the answer is not cached.
    GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT: "false",
    GIT_TERMINAL_PROMPT: "0",
    ...extra,
  };
}

export interface DvcResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs real Python DVC. Resolves (never rejects) with its exit code and output. */
export function runDvc(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<DvcResult> {
  const dvc = dvcPeer();
  if (!dvc) return Promise.reject(new Error(skipReason("dvc")));
  return new Promise((resolve, reject) => {
    const child = spawn(dvc, args, {
      cwd: opts.cwd,
      env: dvcEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + (signal ? `\n[killed by ${signal}]` : ""),
      }),
    );
  });
}
