/**
 * Without a terminal: progress as plain lines at a bounded rate (no escape codes, no carriage
 * returns) on stderr, results on stdout; `-q` prints nothing on success; `-v` adds a line per
 * object; errors always go to stderr.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it, vi } from "vitest";
import { CLI, dvx, writeTree } from "../helpers/cli.js";
import { interactiveEnv } from "./terminal.js";
import { repoWithFiles } from "./setup.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

const ESCAPES = /[\x1b\r]/;

/** Runs the CLI with pipes for stdout and stderr and no CI variables: the "piped" case. */
function piped(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: interactiveEnv(env), maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
}

describe("piped output", () => {
  it("push writes bounded-rate plain progress lines to stderr and the summary to stdout, with no escape codes", () => {
    const { dir } = repoWithFiles(2000);
    // each finished object blocks 1 ms: the push lasts at least 2 s, so at least one 1-second line is due
    const r = piped(["push"], dir, { DVX_TEST_PROGRESS_DELAY_MS: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(ESCAPES);
    expect(r.stdout).toMatch(/^pushed 2,001 objects \([\d.]+ [kM]?B\) in [\d.]+ s, 0 failed\n$/);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // bounded: at most one progress line per second of the push's own duration (+ the first and
    // the closing line), never one per object
    const seconds = Number(/in ([\d.]+) s/.exec(r.stdout)![1]);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^Pushing: [\d,]+\/2,001 files \(\d+%\), \S+ \S+\/\S+ \S+(, [\d,.]+ files\/s)?(, ETA [\dhms]+)?$/);
    expect(lines.at(-1)).toMatch(/^Pushing: done, pushed 2,001 objects \([\d.]+ [kM]?B\) in [\d.]+ s, 0 failed$/);
  });

  it("CI=true on any stream gives the same plain lines", () => {
    const { dir } = repoWithFiles(300, { add: false });
    const r = piped(["add", "data"], dir, { CI: "true", DVX_TEST_PROGRESS_DELAY_MS: "5" });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(ESCAPES);
    expect(r.stderr).toMatch(/^Hashing: [\d,]+\/300 files/m);
    expect(r.stdout).toContain("git add data.dvc .gitignore");
  });

  it("-q prints nothing on success, for every data command", { timeout: 600_000 }, () => {
    const { dir } = repoWithFiles(50, { add: false });
    const steps: string[][] = [
      ["add", "-q", "data"],
      ["status", "-q"],
      ["data", "status", "-q"],
      ["push", "-q"],
      ["status", "-c", "-q"],
      ["fetch", "-q"],
      ["checkout", "-q"],
      ["commit", "-q"],
      ["pull", "-q"],
      ["remote", "list", "-q"],
      ["config", "-l", "-q"],
      ["version", "-q"],
      ["diff", "-q"],
      ["ls-cache", "-q"],
      ["cache", "verify", "-q"],
      ["gc", "-w", "-f", "-q"],
    ];
    for (const args of steps) {
      const r = piped(args, dir, { DVX_TEST_PROGRESS_DELAY_MS: "0" });
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: 0, stdout: "", stderr: "" });
    }
  });

  it("status -q exits 1 when something changed, like DVC", () => {
    const { dir } = repoWithFiles(5);
    writeTree(dir, { "data/f00000.txt": "changed" });
    const r = piped(["status", "-q"], dir);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "" });
  });

  it("-v adds a line per object", () => {
    const { dir } = repoWithFiles(200);
    const r = piped(["push", "-v"], dir);
    expect(r.code).toBe(0);
    const perObject = r.stderr.split("\n").filter((l) => /^pushed [0-9a-f]{32}(\.dir)?$/.test(l));
    expect(perObject.length).toBe(201);
    expect(r.stdout).toMatch(/^pushed 201 objects/);
  });

  it("errors go to stderr, also with -q and --json", () => {
    const { dir } = repoWithFiles(3, { remote: false });
    for (const extra of [[], ["-q"], ["--json"]]) {
      const r = piped(["push", ...extra], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ERROR: no remote given and no default remote set$/m);
      if (extra[0] === "--json") expect(JSON.parse(r.stdout)).toEqual({ error: { code: "CONFIG_ERROR", message: "no remote given and no default remote set" } });
      else expect(r.stdout).toBe("");
    }
  });
});

describe("CLI conventions", () => {
  it("unknown commands and flags get a suggestion and DVC's usage exit code (254)", () => {
    const { dir } = repoWithFiles(1, { add: false });
    let r = dvx(["pussh"], { cwd: dir });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/unknown command 'pussh'; did you mean 'push'\?/);
    r = dvx(["push", "--remot", "x"], { cwd: dir });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/unknown option '--remot'; did you mean '--remote'\?/);
    r = dvx(["data", "stats"], { cwd: dir });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/did you mean 'data status'\?/);
    r = dvx(["data", "status", "--untracked-files=maybe"], { cwd: dir });
    expect(r.code).toBe(254);
    r = dvx(["remote", "lst"], { cwd: dir });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/got 'lst'; did you mean 'remote list'\?/);
    r = dvx(["cache", "verfy"], { cwd: dir });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/did you mean 'cache verify'\?/);
  });

  it("outside a repository: exit 253 (DVC's NotDvcRepoError)", () => {
    const r = dvx(["status"], { cwd: "/" });
    expect(r.code).toBe(253);
    expect(r.stderr).toMatch(/not a dvx\/DVC repository/);
  });

  it("configuration errors of remote/config exit 251", () => {
    const { dir } = repoWithFiles(1, { add: false });
    const r = dvx(["remote", "remove", "nope"], { cwd: dir });
    expect(r.code).toBe(251);
    expect(dvx(["config", "core.nope", "1"], { cwd: dir }).code).toBe(251);
  });

  it("every command's --help has a line per flag (with DVC's short names) and an example", async () => {
    const { COMMANDS, COMMON_FLAGS } = await import("../../cli/spec.js");
    const dvcShort: Record<string, string> = { remote: "r", jobs: "j", recursive: "R", force: "f", quiet: "q", verbose: "v", cloud: "c" };
    for (const c of COMMANDS) {
      const r = dvx([...(c.display ?? c.name).split(" "), "--help"], { cwd: "/" });
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      for (const f of [...c.flags, ...COMMON_FLAGS]) {
        const line = lines.find((l) => l.includes(`--${f.name}`));
        expect(line, `${c.name} --${f.name}`).toBeDefined();
        if (dvcShort[f.name]) expect(line, `${c.name} --${f.name}`).toContain(`-${dvcShort[f.name]}, --${f.name}`);
      }
      expect(r.stdout).toMatch(/\nexample: .*\bdvx \S+/);
    }
  });

  it("push/pull/fetch/status take DVC's flags", async () => {
    const { COMMANDS } = await import("../../cli/spec.js");
    const flags = (name: string) => COMMANDS.find((c) => c.name === name)!.flags.map((f) => (f.short ? `-${f.short}` : `--${f.name}`));
    for (const cmd of ["push", "pull", "fetch"]) expect(flags(cmd)).toEqual(expect.arrayContaining(["-r", "-j", "-R", "-a", "-T", "-A"]));
    expect(flags("status")).toEqual(expect.arrayContaining(["-c", "-r", "-j", "-R", "--json"]));
    expect(flags("pull")).toContain("-f");
    expect(flags("checkout")).toEqual(expect.arrayContaining(["-f", "-R", "--relink"]));
  });
});

