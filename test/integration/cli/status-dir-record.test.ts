/**
 * `status` answers a tracked directory whose files all match the last run from one state record
 * (src/repo/buildOutput.ts walkFingerprint) instead of a state lookup per file. That record must
 * never hide a change: each kind of change below is reported, and the record is really used.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { age, dvx, tmpRepo, writeTree } from "../../helpers/cli.js";

const FILES = ["data/a", "data/b", "data/sub/c"];

function statusJson(dir: string): unknown {
  const r = dvx(["status", "--json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function hashedBy(dir: string, args: string[]): number {
  const r = dvx(args, { cwd: dir, env: { DVX_DEBUG_HASH_COUNT: "1" } });
  expect(r.code, r.stderr).toBe(0);
  return Number(/hashed (\d+) files/.exec(r.stderr)![1]);
}

function trackedRepo(): string {
  const dir = tmpRepo();
  writeTree(dir, { "data/a": "a", "data/b": "bb", "data/sub/c": "ccc" });
  age(dir, FILES);
  expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
  expect(statusJson(dir)).toEqual({}); // records the directory
  return dir;
}

const MODIFIED = { "data.dvc": [{ "changed outs": { data: "modified" } }] };

describe("status: the per-directory state record", () => {
  it("is used: with every per-file entry gone, a clean status still reads no file", () => {
    const dir = trackedRepo();
    const db = new Database(path.join(dir, ".dvc/tmp/dvx/state.db"));
    expect((db.prepare("SELECT count(*) AS n FROM dirs").get() as { n: number }).n).toBe(1);
    db.prepare("DELETE FROM hashes").run();
    db.close();
    expect(hashedBy(dir, ["status"])).toBe(0);
    // commit stores objects: without the proof that the cache holds them all (the `complete`
    // table, repo/cacheComplete.ts), it reads the files again
    const db2 = new Database(path.join(dir, ".dvc/tmp/dvx/state.db"));
    db2.prepare("DELETE FROM complete").run();
    db2.close();
    expect(hashedBy(dir, ["commit", "-f"])).toBe(3);
  });

  it("is written by add already (files older than the racy window)", () => {
    const dir = tmpRepo();
    writeTree(dir, { "data/a": "a", "data/b": "bb", "data/sub/c": "ccc" });
    age(dir, FILES);
    expect(dvx(["add", "data"], { cwd: dir }).code).toBe(0);
    const db = new Database(path.join(dir, ".dvc/tmp/dvx/state.db"));
    db.prepare("DELETE FROM hashes").run();
    db.close();
    expect(hashedBy(dir, ["status"])).toBe(0);
  });

  it.each([
    ["an edited file (other size)", (dir: string) => writeTree(dir, { "data/a": "edited" })],
    ["an edited file (same size, older mtime)", (dir: string) => {
      writeTree(dir, { "data/b": "XX" });
      age(dir, ["data/b"], 100);
    }],
    ["a new file", (dir: string) => writeTree(dir, { "data/new": "n" })],
    ["a deleted file", (dir: string) => fs.rmSync(path.join(dir, "data/a"))],
    ["a renamed file (same inode, size, mtime)", (dir: string) => fs.renameSync(path.join(dir, "data/a"), path.join(dir, "data/z"))],
    ["a file newly ignored by .dvcignore", (dir: string) => writeTree(dir, { ".dvcignore": "data/b\n" })],
  ])("never hides %s", (_what, change) => {
    const dir = trackedRepo();
    change(dir);
    expect(statusJson(dir)).toEqual(MODIFIED);
  });

  it("a file put back as it was makes the directory clean again", () => {
    const dir = trackedRepo();
    const st = fs.statSync(path.join(dir, "data/a"));
    writeTree(dir, { "data/a": "x" });
    expect(statusJson(dir)).toEqual(MODIFIED);
    writeTree(dir, { "data/a": "a" });
    fs.utimesSync(path.join(dir, "data/a"), st.atime, st.mtime);
    expect(statusJson(dir)).toEqual({});
  });
});

describe("checkout records the files it placed in state", () => {
  it("the next status reads no file, and still sees an edit made after the checkout", () => {
    const dir = trackedRepo();
    fs.rmSync(path.join(dir, "data"), { recursive: true });
    const r = dvx(["checkout"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(hashedBy(dir, ["status"])).toBe(0);
    expect(statusJson(dir)).toEqual({});
    writeTree(dir, { "data/sub/c": "edited after checkout" });
    expect(statusJson(dir)).toEqual(MODIFIED);
  });
});

