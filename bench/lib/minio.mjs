/**
 * A private MinIO for one benchmark run: free loopback ports, a fresh data directory, random
 * credentials. `restart()` wipes the data so every repetition pushes into empty buckets.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Minio {
  constructor(bin, dir) {
    this.bin = bin;
    this.dir = dir;
    this.accessKey = "dvxbench";
    this.secretKey = `dvxbench-${randomBytes(12).toString("hex")}`;
    this.child = null;
    this.endpoint = null;
    this.onExit = () => this.child?.kill("SIGKILL");
  }

  version() {
    const r = spawnSync(this.bin, ["--version"], { encoding: "utf8" });
    return (r.stdout || r.stderr || "").split("\n")[0].trim();
  }

  async start() {
    const port = await freePort();
    const consolePort = await freePort();
    const data = join(this.dir, "data");
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true });
    const log = join(this.dir, "minio.log");
    const fd = openSync(log, "a");
    try {
      this.child = spawn(
        this.bin,
        ["server", data, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"],
        {
          stdio: ["ignore", fd, fd],
          env: {
            ...process.env,
            MINIO_ROOT_USER: this.accessKey,
            MINIO_ROOT_PASSWORD: this.secretKey,
            MINIO_UPDATE: "off",
            MINIO_BROWSER: "off",
            MINIO_CONFIG_ENV_FILE: "",
            HOME: this.dir,
          },
        },
      );
    } finally {
      closeSync(fd);
    }
    process.once("exit", this.onExit);
    this.endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    let last = "";
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        const r = await fetch(`${this.endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) });
        await r.arrayBuffer();
        if (r.ok) return this;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String(e);
      }
      await sleep(100);
    }
    let tail = "";
    try {
      tail = readFileSync(log, "utf8").split("\n").slice(-20).join("\n");
    } catch {}
    throw new Error(`MinIO did not become ready at ${this.endpoint} (${last}); log:\n${tail}`);
  }

  async stop() {
    const c = this.child;
    if (!c) return;
    this.child = null;
    process.removeListener("exit", this.onExit);
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const ok = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!ok) {
      c.kill("SIGKILL");
      await exited;
    }
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  /** Environment for bench/lib/s3raw.mjs. */
  env(base = process.env) {
    return { ...base, S3_ENDPOINT: this.endpoint, S3_ACCESS_KEY: this.accessKey, S3_SECRET_KEY: this.secretKey };
  }
}
