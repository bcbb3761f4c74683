/**
 * `dvx data status` against real `dvc data status` (DVC 3.x) on the same repositories: --json
 * (lists compared as sets: DVC's order comes from a trie walk and a Python set) and the text
 * layout (items sorted within a section; DVC's hints name `dvc`, ours `dvx`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { dvx, sh, tmpRepo, writeTree } from "../helpers/cli.js";
import { runDvc, skipReason } from "../helpers/peers.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

const why = skipReason("dvc");
const SLOW = 600_000;

function norm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(norm).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

/** Text with each section's items sorted and DVC's command names made ours. */
function normText(s: string): string {
  const lines = s.replace(/"dvc (\w+) </g, '"dvx $1 <').trimEnd().split("\n");
  const out: string[] = [];
  let items: string[] = [];
  const flush = () => {
    out.push(...items.sort());
    items = [];
  };
  for (const l of lines) {
    if (l.startsWith("        ")) items.push(l);
    else {
      flush();
      out.push(l);
    }
  }
  flush();
  return out.join("\n");
}

async function compare(cwd: string, args: string[] = []): Promise<void> {
  const d = await runDvc(["data", "status", "--json", ...args], { cwd });
  expect(d.code, d.stderr).toBe(0);
  const x = dvx(["data", "status", "--json", ...args], { cwd });
  expect(x.code, x.stderr).toBe(0);
  expect({ args, json: norm(JSON.parse(x.stdout)) }).toEqual({ args, json: norm(JSON.parse(d.stdout)) });
  const dt = await runDvc(["data", "status", ...args], { cwd });
  const xt = dvx(["data", "status", ...args], { cwd });
  expect({ args, text: normText(xt.stdout) }).toEqual({ args, text: normText(dt.stdout) });
}

function git(cwd: string, ...args: string[]) {
  const r = sh("git", args, cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

describe.skipIf(why)("dvx data status matches dvc data status", () => {
  it(
    "added, committed, modified, untracked, not in remote, unchanged",
    async () => {
      const dir = tmpRepo();
      git(dir, "commit", "-qm", "init");
      const remote = `${dir}-remote`;
      fs.mkdirSync(remote);
      expect(dvx(["remote", "add", "-d", "r", remote], { cwd: dir }).code).toBe(0);
      writeTree(dir, { "data/a": "a\n", "data/b": "b\n", "data/sub/c": "c\n", foo: "foo\n" });
      expect(dvx(["add", "-q", "data", "foo"], { cwd: dir }).code).toBe(0);
      for (const args of [[], ["--granular"], ["--unchanged"], ["--not-in-remote"], ["--untracked-files"], ["--granular", "--unchanged", "--not-in-remote", "--untracked-files"]]) await compare(dir, args);

      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "data");
      expect(dvx(["push", "-q", "foo"], { cwd: dir }).code).toBe(0);
      await compare(dir, ["--not-in-remote", "--unchanged"]);

      writeTree(dir, { foo: "changed\n", "data/new": "n\n", "notes.txt": "u\n" });
      fs.rmSync(path.join(dir, "data/a"));
      for (const args of [[], ["--granular"], ["--granular", "--unchanged"], ["--untracked-files"], ["foo"], ["data", "--granular"], ["data/sub", "--granular", "--unchanged"]]) await compare(dir, args);
      await compare(path.join(dir, "data"), ["--untracked-files", "--granular"]);
    },
    SLOW,
  );

  it(
    "not in cache, and a renamed output",
    async () => {
      const dir = tmpRepo();
      writeTree(dir, { "data/a": "a\n", "data/b": "b\n", foo: "foo\n" });
      expect(dvx(["add", "-q", "data", "foo"], { cwd: dir }).code).toBe(0);
      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "data");
      fs.rmSync(path.join(dir, ".dvc/cache"), { recursive: true });
      fs.rmSync(path.join(dir, ".dvc/tmp"), { recursive: true, force: true });
      for (const args of [[], ["--unchanged"], ["--granular"]]) await compare(dir, args);

      const mv = await runDvc(["mv", "foo", "bar"], { cwd: dir });
      expect(mv.code, mv.stderr).toBe(0);
      for (const args of [[], ["bar"], ["foo"], ["--untracked-files"]]) await compare(dir, args);
    },
    SLOW,
  );

  it(
    "no changes, in an empty git repository, and without git",
    async () => {
      const dir = tmpRepo();
      await compare(dir);
      writeTree(dir, { f: "x\n" });
      expect(dvx(["add", "-q", "f"], { cwd: dir }).code).toBe(0);
      await compare(dir, ["--untracked-files"]);

      const noScm = tmpRepo({ init: false });
      fs.rmSync(path.join(noScm, ".git"), { recursive: true });
      expect(dvx(["init", "-q", "--no-scm"], { cwd: noScm }).code).toBe(0);
      writeTree(noScm, { g: "g\n" });
      expect(dvx(["add", "-q", "g"], { cwd: noScm }).code).toBe(0);
      await compare(noScm, ["--unchanged"]);
    },
    SLOW,
  );
});
