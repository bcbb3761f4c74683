/**
 * The `dvx` executable (dist/cli/dvx.cjs) answers help and version texts from dist/cli/help.json
 * without loading main.js or any ES module, and hands everything else to main.js: both must give
 * the same bytes and exit codes for every way of asking.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, MAIN, REPO_ROOT, tmpDir, tmpRepo } from "../helpers/cli.js";

const COMMANDS: string[] = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "dist/cli/help.json"), "utf8")) as { commands: Record<string, string> }).commands);

function run(entry: string, args: string[], cwd = REPO_ROOT, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, entry, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** ES modules resolved while running the launcher with `args` (a resolve hook logs them). */
function esmLoaded(args: string[]): string[] {
  const dir = tmpDir("dvx-launch-");
  const log = path.join(dir, "loaded.txt");
  fs.writeFileSync(path.join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + "\\n"); return r; }\n`);
  fs.writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
  const r = run(CLI, args, REPO_ROOT, ["--import", path.join(dir, "register.mjs")]);
  expect(r.stderr).toBe("");
  return fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((u) => u.includes("/dist/") && !u.endsWith("/dist/cli/dvx.cjs")) : [];
}

describe("the dvx launcher", () => {
  const helpForms: string[][] = [[], ["--help"], ["-h"], ["help"], ["--version"], ["-V"], ["data"], ["data", "--help"], ["data", "-h"]];
  for (const c of COMMANDS) helpForms.push([...c.split(" "), "--help"], [...c.split(" "), "-h"]);

  it(`answers ${helpForms.length} help and version forms exactly as main.js does`, () => {
    expect(COMMANDS.length).toBeGreaterThan(15);
    for (const args of helpForms) {
      const want = run(MAIN, args);
      expect(want.stdout.length, args.join(" ")).toBeGreaterThan(0);
      expect(run(CLI, args), args.join(" ")).toEqual(want);
    }
  });

  it("answers them without loading main.js or any other module of dist/", () => {
    for (const args of [["--help"], ["add", "--help"], ["data", "status", "--help"], ["--version"]]) expect(esmLoaded(args), args.join(" ")).toEqual([]);
    expect(esmLoaded(["version"]).some((u) => u.endsWith("/dist/cli/main.js"))).toBe(true);
  });

  it("hands everything else to main.js: same output and exit code (a command, a typo, a bad flag, extra args)", () => {
    const dir = tmpRepo();
    for (const args of [["status"], ["stauts"], ["status", "--bogus"], ["add", "--help", "x"], ["--help", "x"], ["data", "bogus"], ["remote", "list"]]) {
      expect(run(CLI, args, dir), args.join(" ")).toEqual(run(MAIN, args, dir));
    }
  });
});
