/**
 * Shared helpers for the interop suites (real Python DVC 3.67.1 beside the built dvx CLI).
 *
 * Cost model: every real `dvc` call pays ~1-3 s of Python start-up on this machine, so suites build
 * their repositories once (beforeAll) and configure remotes through dvx, whose `.dvc/config` and
 * `.dvc/config.local` are proven byte-identical to dvc's in same-bytes.test.ts. DVC then
 * reads those files for its push/pull, which is one more interop check.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { spawnSync } from "node:child_process";
import { CLI, dvx as dvxBuilt, sh, type RunResult } from "../helpers/cli.js";
import { gcsPeer, makeBucket, runDvc, s3Peer, scratchDir, skipReason } from "../helpers/peers.js";

export { sh };

/**
 * The built CLI (`dist/cli/dvx.cjs`, as test/helpers/cli.ts runs it). DVX_INTEROP_CLI may name
 * another build of the same tree: the tree is shared, and a concurrent `tsc` leaves `dist/` half
 * written for a while.
 */
let emptyCfg: string | undefined;
export function dvx(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): RunResult {
  const alt = process.env.DVX_INTEROP_CLI;
  if (!alt || alt === CLI) return dvxBuilt(args, opts);
  const r = spawnSync(process.execPath, [alt, ...args], {
    cwd: opts.cwd,
    encoding: "utf8",
    input: "",
    env: { ...process.env, CI: "true", DVC_GLOBAL_CONFIG_DIR: (emptyCfg ??= tmpDir("dvx-cfg-")), DVC_SYSTEM_CONFIG_DIR: emptyCfg, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
}

/** A temp dir under the run's scratch dir (removed at teardown). */
export function tmpDir(prefix = "dvx-interop-"): string {
  return scratchDir(prefix);
}

/** Generous per-test timeout: the machine is shared and each dvc call is slow. */
export const SLOW = 600_000;

export function ok<T extends RunResult>(r: T, what = "command"): T {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** Runs real DVC and requires exit 0. */
export async function dvc(args: string[], cwd: string): Promise<RunResult> {
  return ok(await runDvc(args, { cwd }), `dvc ${args.join(" ")}`);
}

/** Runs dvx and requires exit 0. */
export function dvxOk(args: string[], cwd: string, env?: NodeJS.ProcessEnv): RunResult {
  return ok(dvx(args, { cwd, ...(env ? { env } : {}) }), `dvx ${args.join(" ")}`);
}

export async function dvcJson(args: string[], cwd: string): Promise<unknown> {
  const r = await dvc([...args, "--json"], cwd);
  return JSON.parse(r.stdout);
}

export function dvxJson(args: string[], cwd: string): unknown {
  return JSON.parse(dvxOk([...args, "--json"], cwd).stdout);
}

/** A temp git repository with an identity, not yet initialised by either tool. */
export function gitRepo(prefix = "dvx-interop-"): string {
  const dir = tmpDir(prefix);
  ok(sh("git", ["init", "-q", "-b", "main"], dir), "git init");
  ok(sh("git", ["config", "user.email", "interop@dvx.invalid"], dir));
  ok(sh("git", ["config", "user.name", "dvx interop"], dir));
  ok(sh("git", ["config", "core.autocrlf", "false"], dir));
  return dir;
}

export function gitCommitAll(dir: string, msg = "commit"): void {
  ok(sh("git", ["add", "-A"], dir), "git add");
  ok(sh("git", ["commit", "-q", "--allow-empty", "-m", msg], dir), "git commit");
}

/** A fresh clone (empty cache, no data); `.dvc/config.local` is carried over like a user would. */
export function cloneOf(repo: string): string {
  const parent = tmpDir("dvx-interop-clone-");
  ok(sh("git", ["clone", "-q", repo, "clone"], parent), "git clone");
  const clone = path.join(parent, "clone");
  ok(sh("git", ["config", "user.email", "interop@dvx.invalid"], clone));
  ok(sh("git", ["config", "user.name", "dvx interop"], clone));
  const local = path.join(repo, ".dvc/config.local");
  if (fs.existsSync(local)) fs.copyFileSync(local, path.join(clone, ".dvc/config.local"));
  return clone;
}

/** Writes files given as { rel: content }; a mode may be given as [content, mode]. */
export function writeFiles(root: string, files: Record<string, string | Buffer | [string | Buffer, number]>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const [content, mode] = Array.isArray(spec) ? spec : [spec, undefined];
    fs.writeFileSync(abs, content);
    if (mode !== undefined) fs.chmodSync(abs, mode);
  }
}

export interface Entry {
  type: "file" | "dir" | "symlink";
  /** permission bits, octal string ("644") */
  mode: string;
  /** file: base64 content; symlink: link text */
  data?: string;
}

/**
 * Every entry under `dir` (directories too, so empty ones show), relative posix path → type, mode
 * and content. `skip` prunes a path and everything below it.
 */
export function tree(dir: string, opts: { skip?: (rel: string) => boolean; modes?: boolean } = {}): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string) => {
    const names = fs.readdirSync(path.join(dir, rel)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (opts.skip?.(r)) continue;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      const mode = opts.modes === false ? "" : (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) out[r] = { type: "symlink", mode: "", data: fs.readlinkSync(abs) };
      else if (st.isDirectory()) {
        out[r] = { type: "dir", mode: "" };
        walk(r);
      } else out[r] = { type: "file", mode, data: fs.readFileSync(abs).toString("base64") };
    }
  };
  walk("");
  return out;
}

/** The workspace a user sees: everything except .git and .dvc. */
export function workspace(dir: string, opts: { modes?: boolean } = {}): Record<string, Entry> {
  return tree(dir, { skip: (r) => r === ".git" || r === ".dvc", ...opts });
}

/** Cache tree: relative path → mode + content (objects must be 0444); DVC's `runs/` excluded. */
export function cacheTree(cacheDir: string): Record<string, Entry> {
  if (!fs.existsSync(cacheDir)) return {};
  const all = tree(cacheDir, { skip: (r) => r === "runs" });
  return Object.fromEntries(Object.entries(all).filter(([, e]) => e.type !== "dir"));
}

/** Metadata files a tool writes in the workspace: `*.dvc`, `.gitignore`, `dvc.lock`, `.dvc/config*`. */
export function metadata(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const all = tree(dir, { skip: (r) => r === ".git" || r === ".dvc/cache" || r === ".dvc/tmp" });
  for (const [rel, e] of Object.entries(all)) {
    if (e.type !== "file") continue;
    const base = path.posix.basename(rel);
    if (base.endsWith(".dvc") || base === ".gitignore" || base === ".dvcignore" || base === "dvc.lock" || rel.startsWith(".dvc/")) {
      out[rel] = Buffer.from(e.data!, "base64").toString("utf8");
    }
  }
  return out;
}

/** (ino, mtime, ctime, mode) of every cache object: proves nobody rewrote or re-protected them. */
export function cacheStats(cacheDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of Object.keys(cacheTree(cacheDir))) {
    const st = fs.statSync(path.join(cacheDir, rel), { bigint: true });
    out[rel] = `${st.ino} ${st.mtimeNs} ${st.ctimeNs} ${(Number(st.mode) & 0o777).toString(8)}`;
  }
  return out;
}

export function expectAllReadOnly(cache: Record<string, Entry>): void {
  const notRo = Object.entries(cache).filter(([, e]) => e.mode !== "444").map(([r, e]) => `${r} ${e.mode}`);
  expect(notRo, "cache objects must be 0444").toEqual([]);
}

// --- remotes ---------------------------------------------------------------------------------

export interface RemoteKind {
  /** remote name used in the repositories */
  name: "local" | "minio" | "gcs";
  label: string;
  skip: string | undefined;
  /**
   * Configures remote `name` (with a fresh location under this kind's store) in `repo` through dvx;
   * returns a listing function of the keys under that location (relative, sorted).
   */
  add(repo: string, opts?: { default?: boolean; prefix?: string; tool?: "dvx" | "dvc" }): Promise<{ url: string; keys(): Promise<string[]> }>;
}

function listLocal(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return Object.entries(tree(dir))
    .filter(([, e]) => e.type === "file")
    .map(([r]) => r)
    .sort();
}

let counter = 0;
const uniquePrefix = (p?: string) => p ?? `store${process.pid}-${++counter}`;

/**
 * The three remote kinds. DVC reaches fake-gcs-server through dvc-gs/gcsfs with `endpointurl` +
 * `allow_anonymous_login` (and GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false, set by runDvc): see the
 * header of test/peers/peers.test.ts.
 */
export function remoteKinds(): RemoteKind[] {
  let s3Bucket: Promise<string> | undefined;
  let gcsBucket: Promise<string> | undefined;
  return [
    {
      name: "local",
      label: "local directory",
      skip: undefined,
      async add(repo, opts = {}) {
        const store = tmpDir("dvx-interop-remote-");
        const args = ["remote", "add", ...(opts.default ? ["-d"] : []), "local", store];
        if (opts.tool === "dvc") await dvc(args, repo);
        else dvxOk(args, repo);
        return { url: store, keys: async () => listLocal(store) };
      },
    },
    {
      name: "minio",
      label: "MinIO (S3)",
      skip: skipReason("s3"),
      async add(repo, opts = {}) {
        const peer = s3Peer()!;
        const bucket = await (s3Bucket ??= makeBucket("s3"));
        const prefix = uniquePrefix(opts.prefix);
        const url = `s3://${bucket}/${prefix}`;
        dvxOk(["remote", "add", ...(opts.default ? ["-d"] : []), "minio", url], repo);
        dvxOk(["remote", "modify", "minio", "endpointurl", peer.endpoint], repo);
        dvxOk(["remote", "modify", "--local", "minio", "access_key_id", peer.accessKeyId], repo);
        dvxOk(["remote", "modify", "--local", "minio", "secret_access_key", peer.secretAccessKey], repo);
        return {
          url,
          async keys() {
            const { s3Client } = await import("../helpers/peers.js");
            const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
            const client = await s3Client();
            try {
              const keys: string[] = [];
              let token: string | undefined;
              do {
                const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
                for (const o of r.Contents ?? []) keys.push(o.Key!.slice(prefix.length + 1));
                token = r.NextContinuationToken;
              } while (token);
              return keys.sort();
            } finally {
              client.destroy();
            }
          },
        };
      },
    },
    {
      name: "gcs",
      label: "fake-gcs-server (GCS)",
      skip: skipReason("gcs"),
      async add(repo, opts = {}) {
        const peer = gcsPeer()!;
        const bucket = await (gcsBucket ??= makeBucket("gcs"));
        const prefix = uniquePrefix(opts.prefix);
        const url = `gs://${bucket}/${prefix}`;
        dvxOk(["remote", "add", ...(opts.default ? ["-d"] : []), "gcs", url], repo);
        dvxOk(["remote", "modify", "gcs", "endpointurl", peer.endpoint], repo);
        dvxOk(["remote", "modify", "gcs", "allow_anonymous_login", "true"], repo);
        dvxOk(["remote", "modify", "gcs", "projectname", "test"], repo);
        return {
          url,
          async keys() {
            const { gcsStorage } = await import("../helpers/peers.js");
            const storage = await gcsStorage();
            const [files] = await storage.bucket(bucket).getFiles({ prefix: `${prefix}/` });
            return files.map((f) => f.name.slice(prefix.length + 1)).sort();
          },
        };
      },
    },
  ];
}

/** Keys a 3.x push must have written for these oids (files/md5/xx/rest). */
export function v3Keys(oids: Iterable<string>): string[] {
  return [...new Set(oids)].map((o) => `files/md5/${o.slice(0, 2)}/${o.slice(2)}`).sort();
}

/** Deterministic pseudo-random bytes (no Math.random: reruns see the same data). */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * A small dataset with a single-file output of each awkward kind and one directory output:
 * CRLF text (3.x hashes raw bytes), binary above 1 MiB (several read chunks), an executable
 * (`isexec: true`), and a nested directory with an empty file and a non-ASCII name.
 */
export function basicData(): Record<string, string | Buffer | [string | Buffer, number]> {
  return {
    "notes.txt": "line one\r\nline two\r\n",
    "model.bin": bytes(1_300_000, 7),
    "run.sh": ["#!/bin/sh\necho run\n", 0o755],
    "data/labels.csv": "id,label\n1,cat\n2,dog\n",
    "data/images/0.png": bytes(2048, 3),
    "data/images/1.png": bytes(4096, 4),
    "data/images/empty.png": "",
    "data/deep/er/é.txt": "accent\n",
  };
}
export const BASIC_TARGETS = ["notes.txt", "model.bin", "run.sh", "data"];
