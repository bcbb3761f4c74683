/**
 * vitest globalSetup: starts the real test peers (MinIO, fake-gcs-server) on free loopback ports
 * and tells the test workers where they are and where Python DVC is.
 *
 * Binaries come from `scripts/peers.sh install` (see `bash scripts/peers.sh paths`); each path can
 * be overridden with DVX_PEER_MINIO / DVX_PEER_FAKE_GCS / DVX_PEER_DVC.
 *
 * Workers see (as process.env, copied into every fork when the pool starts, and also through
 * vitest's provide/inject under the key "dvxPeers"):
 *   DVX_TEST_S3_ENDPOINT, DVX_TEST_S3_ACCESS_KEY, DVX_TEST_S3_SECRET_KEY,
 *   DVX_TEST_GCS_ENDPOINT, DVX_TEST_DVC, and DVX_TEST_TMPDIR (scratch space removed at teardown)
 * A variable is left unset when its peer is missing (and with CI set, a missing peer throws).
 * Server output goes to <tmpdir>/minio.log and <tmpdir>/fake-gcs.log; set DVX_PEERS_KEEP=1 to keep
 * the temp dir after the run.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface PeerEnv {
  DVX_TEST_S3_ENDPOINT?: string;
  DVX_TEST_S3_ACCESS_KEY?: string;
  DVX_TEST_S3_SECRET_KEY?: string;
  DVX_TEST_GCS_ENDPOINT?: string;
  DVX_TEST_DVC?: string;
  /** Scratch dir removed at teardown; helpers put per-worker dvc config/cache dirs under it. */
  DVX_TEST_TMPDIR?: string;
}

declare module "vitest" {
  interface ProvidedContext {
    dvxPeers: PeerEnv;
  }
}

interface ProvideTarget {
  provide?: (key: "dvxPeers", value: PeerEnv) => void;
}

const READY_TIMEOUT_MS = 30_000;

function peerPaths(): { minio: string; fakeGcs: string; dvc: string } {
  const script = fileURLToPath(new URL("../../scripts/peers.sh", import.meta.url));
  const out = execFileSync("bash", [script, "paths"], { encoding: "utf8" });
  const vars = new Map<string, string>();
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const pick = (name: string): string => {
    const v = process.env[name] || vars.get(name);
    if (!v) throw new Error(`scripts/peers.sh paths did not print ${name}`);
    return v;
  };
  return { minio: pick("DVX_PEER_MINIO"), fakeGcs: pick("DVX_PEER_FAKE_GCS"), dvc: pick("DVX_PEER_DVC") };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("could not get a free port"));
        return;
      }
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

interface Running {
  name: string;
  child: ChildProcess;
  log: string;
}

function startServer(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv, log: string): Running {
  const fd = openSync(log, "a");
  try {
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
    child.on("error", () => {
      /* reported by waitReady through exitCode / the log */
    });
    return { name, child, log };
  } finally {
    closeSync(fd);
  }
}

async function waitReady(srv: Running, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (Date.now() < deadline) {
    if (srv.child.exitCode !== null || srv.child.signalCode !== null) {
      throw new Error(
        `${srv.name} exited early (code ${srv.child.exitCode}, signal ${srv.child.signalCode}); log ${srv.log}:\n${tail(srv.log)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = String(err);
    }
    await sleep(100);
  }
  throw new Error(
    `${srv.name} not ready at ${url} after ${READY_TIMEOUT_MS / 1000}s (${lastError}); log ${srv.log}:\n${tail(srv.log)}`,
  );
}

async function stopServer(srv: Running): Promise<void> {
  const { child } = srv;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!killed) {
    child.kill("SIGKILL");
    await exited;
  }
}

function missing(what: string, path: string, envVar: string): void {
  const msg = `dvx test peers: ${what} not found at ${path}; run \`bash scripts/peers.sh install\`.`;
  if (process.env.CI) throw new Error(`${msg} (CI is set, so a missing peer fails the run)`);
  const bar = "!".repeat(100);
  console.warn(`\n${bar}\n!! ${msg}\n!! ${envVar} is left unset: suites that need it will be SKIPPED.\n${bar}\n`);
}

const PEER_VARS = [
  "DVX_TEST_S3_ENDPOINT",
  "DVX_TEST_S3_ACCESS_KEY",
  "DVX_TEST_S3_SECRET_KEY",
  "DVX_TEST_GCS_ENDPOINT",
  "DVX_TEST_DVC",
  "DVX_TEST_TMPDIR",
] as const;

export default async function setup(project?: ProvideTarget): Promise<() => Promise<void>> {
  // Never inherit stale values from the calling shell: only what this run started counts.
  for (const v of PEER_VARS) delete process.env[v];

  const paths = peerPaths();
  const dir = mkdtempSync(join(tmpdir(), "dvx-peers-"));
  const running: Running[] = [];
  const scratch = join(dir, "scratch");
  mkdirSync(scratch);
  const peers: PeerEnv = { DVX_TEST_TMPDIR: scratch };

  const teardown = async (): Promise<void> => {
    await Promise.all(running.map(stopServer));
    if (process.env.DVX_PEERS_KEEP === "1") console.log(`dvx test peers: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };

  try {
    const starts: Promise<void>[] = [];

    if (existsSync(paths.minio)) {
      const port = await freePort();
      const consolePort = await freePort();
      const data = join(dir, "minio-data");
      mkdirSync(data);
      const accessKey = "dvxtest";
      const secretKey = `dvxtest-${randomBytes(12).toString("hex")}`;
      const srv = startServer(
        "minio",
        paths.minio,
        ["server", data, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"],
        {
          MINIO_ROOT_USER: accessKey,
          MINIO_ROOT_PASSWORD: secretKey,
          MINIO_UPDATE: "off",
          MINIO_BROWSER: "off",
          MINIO_CONFIG_ENV_FILE: "",
          HOME: dir, // keeps ~/.minio (certs dir) out of the real home
        },
        join(dir, "minio.log"),
      );
      running.push(srv);
      const endpoint = `http://127.0.0.1:${port}`;
      starts.push(
        waitReady(srv, `${endpoint}/minio/health/ready`).then(() => {
          peers.DVX_TEST_S3_ENDPOINT = endpoint;
          peers.DVX_TEST_S3_ACCESS_KEY = accessKey;
          peers.DVX_TEST_S3_SECRET_KEY = secretKey;
        }),
      );
    } else {
      missing("MinIO", paths.minio, "DVX_TEST_S3_ENDPOINT");
    }

    if (existsSync(paths.fakeGcs)) {
      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      const srv = startServer(
        "fake-gcs-server",
        paths.fakeGcs,
        [
          "-scheme", "http",
          "-host", "127.0.0.1",
          "-port", String(port),
          "-backend", "memory",
          // URLs the server hands out (resumable upload sessions, mediaLink) point back at it (v1.56.1
          // also derives them from the request; explicit is safer across versions).
          "-public-host", `127.0.0.1:${port}`,
          "-external-url", endpoint,
          "-log-level", "warn",
        ],
        {},
        join(dir, "fake-gcs.log"),
      );
      running.push(srv);
      starts.push(
        waitReady(srv, `${endpoint}/storage/v1/b`).then(() => {
          peers.DVX_TEST_GCS_ENDPOINT = endpoint;
        }),
      );
    } else {
      missing("fake-gcs-server", paths.fakeGcs, "DVX_TEST_GCS_ENDPOINT");
    }

    if (existsSync(paths.dvc)) peers.DVX_TEST_DVC = paths.dvc;
    else missing("Python DVC", paths.dvc, "DVX_TEST_DVC");

    await Promise.all(starts);
  } catch (err) {
    await teardown();
    throw err;
  }

  // Forks are spawned after globalSetup with a copy of process.env, so this reaches the workers;
  // provide() is the documented channel and serves pools that do not copy the env.
  for (const [k, v] of Object.entries(peers)) if (v !== undefined) process.env[k] = v;
  project?.provide?.("dvxPeers", peers);

  return teardown;
}
