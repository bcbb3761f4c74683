/**
 * Drives the BUILT CLI (the `dvx` executable dist/cli/dvx.cjs, which hands everything but help
 * texts to dist/cli/main.js; built by `npm test` before vitest runs) in temporary git
 * repositories, exactly as a user would.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What package.json's `bin` names: the CommonJS launcher. */
export const CLI = path.join(REPO_ROOT, "dist/cli/dvx.cjs");
/** The ES module entry the launcher hands over to (module-loading tests import it directly). */
export const MAIN = path.join(REPO_ROOT, "dist/cli/main.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function dvx(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): RunResult {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    encoding: "utf8",
    input: opts.input ?? "",
    env: { ...process.env, CI: "true", DVC_GLOBAL_CONFIG_DIR: emptyDir("global"), DVC_SYSTEM_CONFIG_DIR: emptyDir("system"), ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
}

const emptyDirs = new Map<string, string>();
function emptyDir(name: string): string {
  let d = emptyDirs.get(name);
  if (!d) {
    d = fs.mkdtempSync(path.join(os.tmpdir(), `dvx-${name}-cfg-`));
    emptyDirs.set(name, d);
  }
  return d;
}

export function sh(cmd: string, args: string[], cwd: string): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temp dir, removed by the caller (or left for the OS in /tmp). */
export function tmpDir(prefix = "dvx-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A temp git repository (with identity set) initialised by `dvx init`. */
export function tmpRepo(opts: { init?: boolean } = {}): string {
  const dir = tmpDir();
  sh("git", ["init", "-q", "-b", "main"], dir);
  sh("git", ["config", "user.email", "test@dvx.invalid"], dir);
  sh("git", ["config", "user.name", "dvx test"], dir);
  if (opts.init !== false) {
    const r = dvx(["init", "-q"], { cwd: dir });
    if (r.code !== 0) throw new Error(`dvx init failed: ${r.stderr}`);
  }
  return dir;
}

/** Writes files given as { "rel/path": content } (creating directories). */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

export function read(root: string, rel: string): string {
  return fs.readFileSync(path.join(root, rel), "utf8");
}

/** Every file under dir (relative posix paths → content), for byte-for-byte comparisons. */
export function snapshot(dir: string, opts: { skip?: (rel: string) => boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const ent of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (opts.skip?.(r)) continue;
      if (ent.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(dir, r)).toString("base64");
    }
  };
  walk("");
  return out;
}

/** Moves a file's mtime into the past so the state DB may record it (racy-clean rule). */
export function age(root: string, rels: string[], seconds = 10): void {
  const t = new Date(Date.now() - seconds * 1000);
  for (const rel of rels) fs.utimesSync(path.join(root, rel), t, t);
}
