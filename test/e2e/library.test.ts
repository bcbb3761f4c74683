/**
 * The library entry: importing "dvx" (dist/src/index.js) loads no CLI, ink, React or cloud SDK
 * code, not even after a local add/status/push; `dvx --help` loads none of them either. A loader
 * hook records every module Node resolves (ESM and CommonJS-from-ESM), plus require.cache.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { MAIN, REPO_ROOT, tmpDir } from "../helpers/cli.js";
import { interactiveEnv } from "./terminal.js";
import { repoWithFiles } from "./setup.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

const ENTRY = path.join(REPO_ROOT, "dist/src/index.js");
const FORBIDDEN = [/\/node_modules\/ink\//, /\/node_modules\/react\//, /\/node_modules\/react-reconciler\//, /\/node_modules\/yoga-layout\//, /\/node_modules\/@aws-sdk\//, /\/node_modules\/@smithy\//, /\/node_modules\/@google-cloud\//, /\/dist\/cli\//];

function loadedModules(script: string, args: string[] = [], env: NodeJS.ProcessEnv = { ...process.env, CI: "true" }): string[] {
  const dir = tmpDir("dvx-loader-");
  const log = path.join(dir, "loaded.txt");
  fs.writeFileSync(
    path.join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}
`,
  );
  fs.writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
  const main = path.join(dir, "main.mjs");
  fs.writeFileSync(main, script);
  const r = spawnSync(process.execPath, ["--import", path.join(dir, "register.mjs"), main, ...args], { cwd: dir, encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  const fromHook = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  const cjsLine = r.stdout.split("\n").find((l) => l.startsWith("CJS:"));
  const fromCjs = cjsLine ? (JSON.parse(cjsLine.slice(4)) as string[]) : [];
  return [...fromHook, ...fromCjs].map((u) => (u.startsWith("file://") ? new URL(u).pathname : u));
}

const cjsCache = `const { createRequire } = await import("node:module"); console.log("CJS:" + JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;

describe("the library entry point", () => {
  it("imports without loading the CLI, ink, React or any cloud SDK", () => {
    const mods = loadedModules(`const dvx = await import(${JSON.stringify(ENTRY)});\nif (typeof dvx.Repo !== "function") process.exit(3);\n${cjsCache}\n`);
    expect(mods.some((m) => m.endsWith("/dist/src/index.js"))).toBe(true);
    for (const re of FORBIDDEN) expect(mods.filter((m) => re.test(m)), String(re)).toEqual([]);
  });

  it("stays free of them through init, add, status and a push to a local remote", () => {
    const mods = loadedModules(
      `import * as fs from "node:fs"; import * as path from "node:path";
const { Repo } = await import(${JSON.stringify(ENTRY)});
const dir = fs.mkdtempSync(path.join(process.cwd(), "repo-"));
fs.writeFileSync(path.join(dir, "f.txt"), "hello");
const repo = Repo.init(dir, { noScm: true });
await repo.add(["f.txt"], { cwd: dir });
await repo.status();
await repo.dataStatus();
repo.addRemote("r", path.join(dir, "..", "remote"), { default: true, cwd: dir });
const r = await repo.push();
if (r.transferred !== 1) process.exit(4);
repo.close();
${cjsCache}`,
    );
    for (const re of FORBIDDEN) expect(mods.filter((m) => re.test(m)), String(re)).toEqual([]);
  });

  it("ships ESM with .d.ts types for everything it exports", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(pkg.exports["."]).toEqual({ types: "./dist/src/index.d.ts", import: "./dist/src/index.js" });
    const dts = fs.readFileSync(path.join(REPO_ROOT, "dist/src/index.d.ts"), "utf8");
    for (const name of ["Repo", "DvxError", "ProgressEvent", "DataStatusResult", "RemoteInfo", "SyncResult", "GcResult"]) expect(dts).toContain(name);
    const repoDts = fs.readFileSync(path.join(REPO_ROOT, "dist/src/repo/Repo.d.ts"), "utf8");
    for (const m of ["static init", "static open", "add(", "status(", "checkout(", "commit(", "push(", "pull(", "fetch(", "gc(", "dataStatus(", "remotes(", "getConfig(", "setConfig(", "signal?: AbortSignal"]) expect(repoDts).toContain(m);
  });
});

describe("the CLI's fast paths", () => {
  it("dvx --help and dvx <command> --help load no data layer, ink, React or SDK", () => {
    for (const args of [["--help"], ["push", "--help"], ["--version"]]) {
      const mods = loadedModules(`process.argv.splice(2, 0, ...${JSON.stringify(args)}); await import(${JSON.stringify(MAIN)});\n`);
      expect(mods.some((m) => m.endsWith("/dist/cli/main.js"))).toBe(true);
      for (const re of FORBIDDEN.slice(0, -1)) expect(mods.filter((m) => re.test(m)), `${args.join(" ")}: ${re}`).toEqual([]);
      expect(mods.filter((m) => /\/dist\/src\/|better-sqlite3/.test(m)), args.join(" ")).toEqual([]);
    }
  });

  it("a data command with stderr on a pipe (no CI) shows plain progress and never loads ink or React", () => {
    const { dir } = repoWithFiles(300);
    for (const args of [["push"], ["status"], ["fetch"], ["checkout", "-f"], ["gc", "-w", "-f"]]) {
      const mods = loadedModules(`process.chdir(${JSON.stringify(dir)}); process.argv.splice(2, 0, ...${JSON.stringify(args)}); await import(${JSON.stringify(MAIN)});\n`, [], interactiveEnv({ DVX_TEST_PROGRESS_DELAY_MS: "1" }));
      expect(mods.some((m) => m.endsWith("/dist/cli/progress/plain.js")), args.join(" ")).toBe(true);
      for (const re of FORBIDDEN.slice(0, 4)) expect(mods.filter((m) => re.test(m)), `${args.join(" ")}: ${re}`).toEqual([]);
      expect(mods.filter((m) => /\/dist\/cli\/progress\/(live|ink|inkWorker)\.js$/.test(m)), args.join(" ")).toEqual([]);
    }
  });
});
