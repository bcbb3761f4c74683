/**
 * The pieces under gc/diff: revision scopes (DVC's iter_revs), the cat-file reader, tree parsing,
 * the memoised pointer-file walk, and remote listing for gc (one pass vs per prefix).
 */
import { describe, expect, it } from "vitest";
import { listRemoteOids } from "../../../src/repo/gc.js";
import { GitObjectReader, parseTree, resolveRevisions, RevisionReader } from "../../../src/repo/revisions.js";
import type { Storage } from "../../../src/storage/storage.js";
import { tmpRepo } from "../../helpers/cli.js";
import { commitAll, git, md5, writeTree } from "./helpers.js";

describe("revision scopes", () => {
  it("resolve like DVC's iter_revs, grouped by commit", () => {
    const dir = tmpRepo();
    writeTree(dir, { a: "1" });
    const c1 = commitAll(dir, "1");
    git(dir, "tag", "light");
    writeTree(dir, { a: "2" });
    const c2 = commitAll(dir, "2");
    git(dir, "tag", "-a", "annotated", "-m", "x");
    git(dir, "checkout", "-q", "-b", "side", c1);
    writeTree(dir, { b: "1" });
    const c3 = commitAll(dir, "3");
    git(dir, "checkout", "-q", "main");
    git(dir, "update-ref", "refs/exps/aa/bb/exp1", c3); // experiment refs are not "all commits"
    const shas = (scope: Parameters<typeof resolveRevisions>[1]) => resolveRevisions(dir, scope).map((r) => r.sha).sort();
    expect(shas({ allBranches: true })).toEqual([c2, c3].sort());
    expect(shas({ allTags: true })).toEqual([c1, c2].sort());
    expect(shas({ allCommits: true })).toEqual([c1, c2, c3].sort());
    expect(shas({ revs: ["main"], num: 2 })).toEqual([c1, c2].sort());
    expect(shas({ revs: ["main"], num: 5 })).toEqual([c1, c2].sort());
    expect(shas({ workspace: true })).toEqual([]);
    const grouped = resolveRevisions(dir, { allBranches: true, allTags: true });
    expect(grouped.find((r) => r.sha === c2)!.names).toEqual(["main", "annotated"]);
    expect(() => resolveRevisions(dir, { revs: ["--upload-pack=x"] })).toThrow(/invalid Git revision/);
    expect(() => resolveRevisions(dir, { date: "yesterday" })).toThrow(/YYYY-MM-DD/);
  });
});

describe("GitObjectReader", () => {
  it("pipelines many requests through one process, binary-safe, missing objects as undefined", async () => {
    const dir = tmpRepo();
    const bin = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    writeTree(dir, { "bin.dat": bin, "nl.txt": "line\n\nmore\n", "empty": "" });
    const c = commitAll(dir, "objects");
    const r = new GitObjectReader(dir);
    try {
      const names = [`${c}:bin.dat`, `${c}:nl.txt`, `${c}:empty`, `${c}:nope`, `${c}^{tree}`];
      const many = Array.from({ length: 50 }, () => names).flat();
      const got = await r.get(many);
      for (let i = 0; i < many.length; i += names.length) {
        expect(got[i]!.data.equals(bin)).toBe(true);
        expect(got[i + 1]!.data.toString()).toBe("line\n\nmore\n");
        expect(got[i + 2]!.data.length).toBe(0);
        expect(got[i + 3]).toBeUndefined();
        expect(got[i + 4]!.type).toBe("tree");
      }
      const entries = parseTree(got[4]!.data, got[4]!.oid.length / 2).map((e) => e.name);
      expect(entries).toEqual(expect.arrayContaining(["bin.dat", "nl.txt", "empty", ".dvc"]));
      await expect(Promise.resolve().then(() => r.get(["a\nb"]))).rejects.toThrow(/invalid git object name/);
    } finally {
      r.close();
    }
  });

  it("parseTree rejects truncated trees", () => {
    expect(() => parseTree(Buffer.from("100644 name\0short"), 20)).toThrow(/malformed/);
  });
});

describe("RevisionReader", () => {
  it("finds pointer files at any depth, memoises unchanged trees, skips a revision without .dvc/", async () => {
    const dir = tmpRepo({ init: false });
    writeTree(dir, { "before.txt": "no dvc yet" });
    const c0 = commitAll(dir, "before dvc init");
    writeTree(dir, { ".dvc/config": "", "deep/er/x.dvc": `outs:\n- md5: ${md5("x")}\n  size: 1\n  hash: md5\n  path: x\n` });
    const c1 = commitAll(dir, "one pointer");
    writeTree(dir, { "other/y.dvc": `outs:\n- md5: ${md5("y")}\n  size: 1\n  hash: md5\n  path: y\n` });
    const c2 = commitAll(dir, "another");
    const r = new RevisionReader(dir);
    try {
      expect(await r.outputsAt(c0)).toEqual([]);
      expect((await r.outputsAt(c1)).map((o) => [o.path, o.md5])).toEqual([["deep/er/x", md5("x")]]);
      const before = { ...r.stats };
      expect((await r.outputsAt(c2)).map((o) => o.path)).toEqual(["deep/er/x", "other/y"]);
      // c2 shares deep/ and deep/er/ with c1: only its root and other/ are read, and only y.dvc's blob
      expect(r.stats.trees - before.trees).toBe(2);
      expect(r.stats.blobs - before.blobs).toBe(1);
      expect([...(await r.pointerFiles(c2)).keys()].sort()).toEqual(["deep/er/x.dvc", "other/y.dvc"]);
    } finally {
      r.close();
    }
  });

  it("a commit with pointer files but no .dvc/ is an error, not a silent skip (gc would forget its objects)", async () => {
    const dir = tmpRepo({ init: false });
    writeTree(dir, { ".dvc/config": "" });
    commitAll(dir, "init");
    writeTree(dir, { "x.dvc": `outs:\n- md5: ${md5("x")}\n  size: 1\n  hash: md5\n  path: x\n` });
    git(dir, "rm", "-r", "-q", ".dvc");
    const bad = commitAll(dir, ".dvc/ dropped from git");
    const r = new RevisionReader(dir);
    try {
      await expect(r.outputsAt(bad)).rejects.toThrow(/x\.dvc: commit \w+ has pointer files but no \.dvc\/ directory/);
    } finally {
      r.close();
    }
  });
});

describe("gc remote listing", () => {
  function fakeStorage(keys: string[]): Storage & { lists: string[] } {
    const lists: string[] = [];
    return {
      url: "fake://",
      lists,
      exists: async () => false,
      async *list(prefix: string) {
        lists.push(prefix);
        for (const k of keys) if (k.startsWith(prefix)) yield k;
      },
      read: async () => {
        throw new Error("no");
      },
      write: async () => {},
      delete: async () => {},
      close: async () => {},
    };
  }
  const oid = (i: number, p = "00") => p + md5(String(i)).slice(2);

  it("a small remote is listed once from its root; only object keys count, per layout", async () => {
    const s = fakeStorage([`files/md5/${oid(1).slice(0, 2)}/${oid(1).slice(2)}`, `${oid(2, "ab").slice(0, 2)}/${oid(2, "ab").slice(2)}`, `runs/ab/${"c".repeat(30)}`, "files/md5/ab/.tmp", `files/md5/zz/${"d".repeat(30)}`]);
    const r = await listRemoteOids(s, 4);
    expect([...r.md5]).toEqual([oid(1)]);
    expect([...r["md5-dos2unix"]]).toEqual([oid(2, "ab")]);
    expect(s.lists).toEqual(["files/md5/00/", ""]);
  });

  it("a big remote is listed per 2-hex prefix of both layouts", async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `files/md5/00/${md5(String(i)).slice(2)}`);
    keys.push(`ff/${"e".repeat(30)}`);
    const s = fakeStorage(keys);
    const r = await listRemoteOids(s, 8);
    expect(r.md5.size).toBe(1200);
    expect([...r["md5-dos2unix"]]).toEqual(["ff" + "e".repeat(30)]);
    expect(s.lists.length).toBe(1 + 512);
    expect(s.lists).not.toContain("");
  });
});
