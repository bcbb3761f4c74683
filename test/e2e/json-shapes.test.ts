/**
 * Every `--json` output parses and has the shape docs/cli.md documents (DVC's where DVC has one).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { dvx, sh, writeTree } from "../helpers/cli.js";
import { ok, repoWithFiles } from "./setup.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

function j(args: string[], cwd: string): unknown {
  const r = dvx(args, { cwd });
  expect(r.stderr, args.join(" ")).not.toMatch(/^ERROR/m);
  return JSON.parse(r.stdout);
}

const str = expect.any(String);
const num = expect.any(Number);

describe("--json shapes", () => {
  it("status (DVC's shape): stage -> [{'changed outs': {path: status}}]", () => {
    const { dir } = repoWithFiles(3);
    expect(j(["status", "--json"], dir)).toEqual({});
    writeTree(dir, { "data/f00000.txt": "changed", other: "x" });
    ok(dvx(["add", "-q", "other"], { cwd: dir }));
    fs.rmSync(path.join(dir, "other"));
    expect(j(["status", "--json"], dir)).toEqual({
      "data.dvc": [{ "changed outs": { data: "modified" } }],
      "other.dvc": [{ "changed outs": { other: "deleted" } }],
    });
  });

  it("status -c (DVC's shape): path -> new | deleted | missing", () => {
    const { dir } = repoWithFiles(2);
    const st = j(["status", "-c", "--json"], dir) as Record<string, string>;
    expect(Object.keys(st).sort()).toEqual(["data", "data/f00000.txt", "data/f00001.txt"]);
    for (const v of Object.values(st)) expect(v).toBe("new");
    ok(dvx(["push", "-q"], { cwd: dir }));
    expect(j(["status", "-c", "--json"], dir)).toEqual({});
  });

  it("data status (DVC's shape, empty sections dropped)", () => {
    const { dir } = repoWithFiles(2);
    expect(j(["data", "status", "--json"], dir)).toEqual({ committed: { added: ["data/"] } });
    expect(j(["data", "status", "--json", "--granular", "--not-in-remote"], dir)).toEqual({
      not_in_remote: ["data/", "data/f00000.txt", "data/f00001.txt"],
      committed: { added: ["data/", "data/f00000.txt", "data/f00001.txt"] },
    });
    ok(sh("git", ["add", "-A"], dir));
    ok(sh("git", ["commit", "-qm", "data"], dir));
    writeTree(dir, { "data/f00000.txt": "changed", "new.txt": "u" });
    expect(j(["data", "status", "--json", "--unchanged", "--untracked-files"], dir)).toEqual({
      uncommitted: { modified: ["data/"] },
      untracked: ["new.txt"],
    });
    expect(j(["data", "status", "--json", "--granular", "--unchanged"], dir)).toEqual({
      uncommitted: { modified: ["data/", "data/f00000.txt"] },
      unchanged: ["data/f00001.txt"],
    });
  });

  it("push, fetch and pull summaries", () => {
    const { dir } = repoWithFiles(3);
    const pushed = j(["push", "--json"], dir);
    expect(pushed).toEqual({ pushed: 4, bytes: num, skipped: 0, failed: [], missing: [], remotes: ["storage"] });
    fs.rmSync(path.join(dir, ".dvc", "cache"), { recursive: true });
    const fetched = j(["fetch", "--json"], dir);
    expect(fetched).toEqual({ fetched: 4, bytes: (pushed as { bytes: number }).bytes, skipped: 0, failed: [], missing: [], remotes: ["storage"] });
    fs.rmSync(path.join(dir, "data"), { recursive: true });
    const pulled = j(["pull", "--json"], dir) as Record<string, unknown>;
    expect(pulled).toEqual({
      fetched: 0,
      bytes: 0,
      skipped: expect.any(Number),
      failed: [],
      missing: [],
      remotes: ["storage"],
      checkout: { added: ["data"], modified: [], deleted: [], failed: [] },
    });
  });

  it("failed transfers are listed with oid and error", () => {
    const { dir } = repoWithFiles(2);
    const cacheFiles = path.join(dir, ".dvc", "cache", "files", "md5");
    const victim = fs.readdirSync(cacheFiles, { recursive: true }).map(String).find((p) => p.length > 3 && !p.endsWith(".dir"))!;
    fs.rmSync(path.join(cacheFiles, victim));
    const r = dvx(["push", "--json"], { cwd: dir });
    const out = JSON.parse(r.stdout) as { missing: Array<{ oid: string }>; failed: unknown[] };
    expect(out.missing.length + out.failed.length).toBeGreaterThan(0);
    for (const m of out.missing) expect(m).toEqual(expect.objectContaining({ oid: str }));
  });

  it("remote list and config -l", () => {
    const { dir, remote } = repoWithFiles(1, { add: false });
    ok(dvx(["remote", "add", "cloud", "s3://bucket/path"], { cwd: dir }));
    expect(j(["remote", "list", "--json"], dir)).toEqual([
      { name: "storage", url: remote, default: true },
      { name: "cloud", url: "s3://bucket/path", default: false },
    ]);
    const cfg = j(["config", "-l", "--json"], dir) as Record<string, string>;
    expect(cfg).toEqual(expect.objectContaining({ "core.remote": "storage", "remote.cloud.url": "s3://bucket/path" }));
    for (const v of Object.values(cfg)) expect(typeof v).toBe("string");
  });

  it("version", () => {
    const { dir } = repoWithFiles(1, { add: false });
    expect(j(["version", "--json"], dir)).toEqual({
      dvx: str,
      node: process.version,
      platform: str,
      supports: expect.objectContaining({ s3: str, gs: str, local: "node:fs" }),
      hashBackend: str,
      config: { global: str, system: str },
      repo: {
        root: fs.realpathSync(dir) === dir ? dir : expect.any(String),
        scm: "git",
        cache: { dir: path.join(dir, ".dvc", "cache"), configuredTypes: ["reflink", "copy"], supportedTypes: expect.any(Array), filesystem: str },
        workspace: { filesystem: str },
        remotes: [{ name: "storage", kind: "local", default: true }],
      },
    });
    expect(j(["version", "--json"], "/")).toEqual(expect.objectContaining({ repo: null }));
  });

  it("diff (DVC's shape)", () => {
    const { dir } = repoWithFiles(2);
    ok(sh("git", ["add", "-A"], dir));
    ok(sh("git", ["commit", "-qm", "data"], dir));
    writeTree(dir, { "data/f00000.txt": "changed" });
    ok(dvx(["commit", "-q", "-f"], { cwd: dir }));
    expect(j(["diff", "--json"], dir)).toEqual({
      added: [],
      deleted: [],
      modified: [{ path: "data/" }, { path: "data/f00000.txt" }],
      renamed: [],
      "not in cache": [],
    });
  });
});
