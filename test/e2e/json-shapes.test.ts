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
      checkout: { added: ["data"], modified: [], deleted: [], failed: [], stats: { added: 3, modified: 0, deleted: 0 } },
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

  it("add, commit and checkout", () => {
    const { dir } = repoWithFiles(2, { add: false });
    writeTree(dir, { "f.csv": "a,b\n" });
    const added = j(["add", "--json", "data", "f.csv"], dir);
    expect(added).toEqual([
      { path: "data", dvcFile: "data.dvc", md5: expect.stringMatching(/^[0-9a-f]{32}\.dir$/), size: num, nfiles: 2, hashName: "md5", changed: true },
      { path: "f.csv", dvcFile: "f.csv.dvc", md5: expect.stringMatching(/^[0-9a-f]{32}$/), size: 4, hashName: "md5", changed: true },
    ]);
    writeTree(dir, { "f.csv": "a,b,c\n" });
    expect(j(["commit", "--json", "-f"], dir)).toEqual({
      committed: expect.arrayContaining([
        { path: "f.csv", file: "f.csv.dvc", changed: true },
        { path: "data", file: "data.dvc", changed: false },
      ]),
    });
    fs.rmSync(path.join(dir, "data"), { recursive: true });
    writeTree(dir, { "f.csv": "edited" });
    expect(j(["checkout", "--json", "-f"], dir)).toEqual({ added: ["data"], modified: ["f.csv"], deleted: [], failed: [], stats: { added: 2, modified: 1, deleted: 0 } });
    fs.rmSync(path.join(dir, ".dvc", "cache"), { recursive: true });
    fs.rmSync(path.join(dir, "f.csv"));
    const r = dvx(["checkout", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    const failed = JSON.parse(r.stdout) as { failed: unknown[] };
    expect(failed).toEqual({ added: [], modified: [], deleted: [], failed: expect.arrayContaining([{ path: "f.csv", reason: str }]), stats: { added: 0, modified: 0, deleted: 0 } });
    for (const f of failed.failed) expect(f).toEqual({ path: str, reason: str });
  });

  it("gc (dry run, then executed)", () => {
    const { dir } = repoWithFiles(2);
    fs.rmSync(path.join(dir, "data.dvc"));
    const layout = { hash_name: "md5", total: 3, dirs: [expect.stringMatching(/\.dir$/)], files: [str, str], bytes: num, files_protected: false };
    const plan = { revisions: [], skipped: [], used: { md5: 0, "md5-dos2unix": 0 }, unreadable_dirs: [], warnings: [], local: { objects: 3, bytes: num, layouts: expect.arrayContaining([layout]) } };
    expect(j(["gc", "-w", "--dry", "--json"], dir)).toEqual({ dry: true, executed: false, ...plan, removed: { local: 0, remote: 0, bytes_local: 0, bytes_remote: 0 } });
    expect(j(["gc", "-w", "-f", "--json"], dir)).toEqual({ dry: false, executed: true, ...plan, removed: { local: 3, remote: 0, bytes_local: num, bytes_remote: 0 } });
  });

  it("ls-cache and cache verify", () => {
    const { dir, remote } = repoWithFiles(2);
    const presence = (status: string, present: number) => ({ status, present, total: 3 });
    expect(j(["ls-cache", "-c", "--json"], dir)).toEqual({
      entries: [{ path: "data", declaredIn: "data.dvc", hash: expect.stringMatching(/\.dir$/), hashName: "md5", isDir: true, revs: ["workspace"], cache: presence("ok", 3), remote: presence("missing", 0) }],
      remote: { name: "storage", url: remote },
      errors: [],
    });
    expect(j(["cache", "verify", "--json"], dir)).toEqual({ checked: 3, ok: 3, corrupt: [], unreadable: [], quarantined: false });
    const cacheFiles = path.join(dir, ".dvc", "cache", "files", "md5");
    const victim = fs.readdirSync(cacheFiles, { recursive: true }).map(String).find((p) => p.length > 3 && !p.endsWith(".dir"))!;
    fs.chmodSync(path.join(cacheFiles, victim), 0o644);
    fs.writeFileSync(path.join(cacheFiles, victim), "rotten");
    const r = dvx(["cache", "verify", "--quarantine", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ checked: 3, ok: 2, corrupt: [{ oid: victim.replace("/", ""), hashName: "md5", path: str, quarantinedTo: str }], unreadable: [], quarantined: true });
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
    const hash = expect.stringMatching(/^[0-9a-f]{32}(\.dir)?$/);
    expect(j(["diff", "--json", "--show-hash"], dir)).toEqual({
      added: [],
      deleted: [],
      modified: [
        { path: "data/", hash: { old: hash, new: hash } },
        { path: "data/f00000.txt", hash: { old: hash, new: hash } },
      ],
      renamed: [],
      "not in cache": [],
    });
  });
});
