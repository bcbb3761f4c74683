/**
 * `dvx version`: what a bug report needs, laid out like `dvc version` (dvc/info.py): versions,
 * platform, the storage SDKs dvx would use, hash backend, config locations, the link types the
 * cache's filesystem supports (probed), the configured cache.type, filesystems, remotes' kinds.
 * Reads package.json files and /proc/mounts only: the cloud SDKs are never loaded.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, type CommandContext } from "../context.js";
import { json, out } from "./common.js";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface VersionInfo {
  dvx: string;
  node: string;
  platform: string;
  /** remote kinds this build supports → the SDK and its version */
  supports: Record<string, string>;
  hashBackend: string;
  config: { global: string; system: string };
  /** null outside a repository */
  repo: null | {
    root: string;
    scm: "git" | "none";
    cache: { dir: string; configuredTypes: string[]; supportedTypes: string[]; filesystem: string };
    workspace: { filesystem: string };
    remotes: Array<{ name: string; kind: string; default: boolean }>;
  };
}

function packageVersion(name: string): string | undefined {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const pj = path.join(dir, "package.json");
      if (fs.existsSync(pj)) {
        const data = JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string; version?: string };
        if (data.name === name) return data.version;
      }
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

function dvxVersion(): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    try {
      const data = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (data.name === "dvx" && data.version) return data.version;
    } catch {
      // keep walking up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/** `ext4 on /dev/vda` for the mount holding `p` (Linux /proc/mounts; "unknown" elsewhere). */
export function filesystemOf(p: string, mounts?: string): string {
  let text = mounts;
  try {
    text ??= fs.readFileSync("/proc/mounts", "utf8");
  } catch {
    return "unknown";
  }
  let real = p;
  try {
    real = fs.realpathSync(p);
  } catch {
    // a path that does not exist yet: use it as given
  }
  let best: { point: string; type: string; dev: string } | undefined;
  for (const line of text.split("\n")) {
    const [dev, point, type] = line.split(" ");
    if (!dev || !point || !type) continue;
    const mp = point.replace(/\\040/g, " ");
    if ((real === mp || real.startsWith(mp.endsWith("/") ? mp : mp + "/")) && (!best || mp.length >= best.point.length)) best = { point: mp, type, dev };
  }
  return best ? `${best.type} on ${best.dev}` : "unknown";
}

/** Which of reflink, hardlink, symlink work in `dir` (as DVC's `dvc version` "Cache types"). */
export function probeLinkTypes(dir: string): string[] {
  const found: string[] = [];
  let tmp: string;
  try {
    fs.mkdirSync(dir, { recursive: true });
    tmp = fs.mkdtempSync(path.join(dir, ".dvx-linkprobe-"));
  } catch {
    return found;
  }
  try {
    const src = path.join(tmp, "src");
    fs.writeFileSync(src, "probe");
    const tryLink = (name: string, fn: (dst: string) => void) => {
      try {
        fn(path.join(tmp, name));
        found.push(name);
      } catch {
        // not supported here
      }
    };
    tryLink("reflink", (dst) => fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE));
    tryLink("hardlink", (dst) => fs.linkSync(src, dst));
    tryLink("symlink", (dst) => fs.symlinkSync(src, dst));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return found;
}

export async function collectVersionInfo(cwd: string): Promise<VersionInfo> {
  const { configFiles } = await import("../../src/repo/config.js");
  const files = configFiles(undefined);
  const supports: Record<string, string> = {};
  const s3 = packageVersion("@aws-sdk/client-s3");
  const gcs = packageVersion("@google-cloud/storage");
  if (gcs) supports.gs = `@google-cloud/storage = ${gcs}`;
  if (s3) supports.s3 = `@aws-sdk/client-s3 = ${s3}`;
  supports.local = "node:fs";
  const info: VersionInfo = {
    dvx: dvxVersion(),
    node: process.version,
    platform: `Node ${process.version} on ${os.platform()}-${os.release()}-${os.arch()}`,
    supports,
    hashBackend: process.env.DVX_HASH_BACKEND === "wasm" ? `hash-wasm = ${packageVersion("hash-wasm") ?? "?"}` : `node:crypto (OpenSSL ${process.versions.openssl})`,
    config: { global: path.dirname(files.global!), system: path.dirname(files.system!) },
    repo: null,
  };
  let repo: import("../../src/index.js").Repo | undefined;
  try {
    const { Repo } = await import("../../src/index.js");
    repo = Repo.open(cwd);
  } catch {
    return info; // not in a repository
  }
  try {
    const { parseLinkTypes } = await import("../../src/repo/context.js");
    const { hasGit } = await import("../../src/repo/git.js");
    const cfg = repo.config;
    const dirValue = cfg.get("cache", "dir");
    const cacheDir = typeof dirValue === "string" && dirValue ? dirValue : path.join(repo.root, ".dvc", "cache");
    const noScm = String(cfg.get("core", "no_scm") ?? "").toLowerCase() === "true";
    info.repo = {
      root: repo.root,
      scm: !noScm && hasGit(repo.root) ? "git" : "none",
      cache: { dir: cacheDir, configuredTypes: parseLinkTypes(cfg.get("cache", "type"), ".dvc/config"), supportedTypes: probeLinkTypes(cacheDir), filesystem: filesystemOf(cacheDir) },
      workspace: { filesystem: filesystemOf(repo.root) },
      remotes: repo.remotes().map((r) => ({ name: r.name, kind: r.kind, default: r.isDefault })),
    };
  } finally {
    repo.close();
  }
  return info;
}

export function renderVersion(info: VersionInfo): string {
  const head = `dvx version: ${info.dvx} (npm)`;
  const lines = [head, "-".repeat(head.length), `Platform: ${info.platform}`, "Supports:"];
  const sup = Object.entries(info.supports).map(([k, v]) => `\t${k} (${v})`);
  lines.push(sup.join(",\n"));
  lines.push(`Hash backend: ${info.hashBackend}`, "Config:", `\tGlobal: ${info.config.global}`, `\tSystem: ${info.config.system}`);
  const r = info.repo;
  if (!r) {
    lines.push("Repo: none (not inside a dvx/DVC repository)");
    return lines.join("\n");
  }
  lines.push(
    `Cache types: ${r.cache.supportedTypes.join(", ") || "copy only"}`,
    `Cache type (cache.type): ${r.cache.configuredTypes.join(", ")}`,
    `Cache directory: ${r.cache.filesystem}`,
    "Caches: local",
    `Remotes: ${r.remotes.length ? r.remotes.map((x) => `${x.name} (${x.kind}${x.default ? ", default" : ""})`).join(", ") : "None"}`,
    `Workspace directory: ${r.workspace.filesystem}`,
    `Repo: dvx, ${r.scm === "git" ? "git" : "no scm"}`,
  );
  return lines.join("\n");
}

export async function run(ctx: CommandContext): Promise<number> {
  const info = await collectVersionInfo(ctx.cwd);
  if (ctx.json) json(ctx, info);
  else out(ctx, renderVersion(info));
  return EXIT.OK;
}
