/**
 * A git history with branches and tags for gc/diff/fetch-at-revisions tests, and an oracle that
 * computes which objects each revision uses WITHOUT dvx: pointer files are read with `git show`,
 * oids with a regex, manifests with JSON.parse from the cache.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { dvx, sh, tmpDir, tmpRepo, writeTree, type RunResult } from "../../helpers/cli.js";

export function ok(r: RunResult): RunResult {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  return r;
}

export function git(dir: string, ...args: string[]): string {
  const r = sh("git", args, dir);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

export function commitAll(dir: string, msg: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", msg);
  return git(dir, "rev-parse", "HEAD").trim();
}

export const md5 = (b: string | Buffer) => createHash("md5").update(b).digest("hex");

/** Object key inside a cache/remote root: `files/md5/ab/cd...` (3.x) or `ab/cd...` (legacy). */
export function objKey(oid: string, legacy = false): string {
  return `${legacy ? "" : "files/md5/"}${oid.slice(0, 2)}/${oid.slice(2)}`;
}

/** Every file under `root` (relative posix paths), or [] when it does not exist. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  if (fs.existsSync(root)) walk("");
  return out.sort();
}

const OBJ_RE = /^(files\/md5\/)?[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/;

/** Valid object keys (both layouts) under a cache or remote root. */
export function objectKeys(root: string): string[] {
  return listFiles(root).filter((k) => OBJ_RE.test(k));
}

/** Everything that is not a valid object key (runs/, temp files, junk). */
export function nonObjectFiles(root: string): string[] {
  return listFiles(root).filter((k) => !OBJ_RE.test(k));
}

function oidsIn(text: string): { oid: string; legacy: boolean }[] {
  // one entry per `- md5: ...` block; legacy when the block has no `hash: md5`
  const out: { oid: string; legacy: boolean }[] = [];
  const blocks = text.split(/\n(?=\s*-\s)/);
  for (const b of blocks) {
    const m = /md5: ([0-9a-f]{32}(?:\.dir)?)/.exec(b);
    if (m) out.push({ oid: m[1]!, legacy: !/hash: md5/.test(b) });
  }
  return out;
}

/** Keys of the objects the pointer files at `rev` (or the workspace when undefined) use. */
export function usedKeys(repo: string, rev: string | undefined, cacheRoot = path.join(repo, ".dvc/cache")): Set<string> {
  const files = rev === undefined ? listFiles(repo).filter((f) => !f.startsWith(".git/") && !f.startsWith(".dvc/")) : git(repo, "ls-tree", "-r", "--name-only", rev).split("\n");
  const keys = new Set<string>();
  for (const f of files) {
    if (!f.endsWith(".dvc") && !f.endsWith("dvc.lock")) continue;
    let text = rev === undefined ? fs.readFileSync(path.join(repo, f), "utf8") : git(repo, "show", `${rev}:${f}`);
    // a stage's deps are not cached objects: only its outs count
    if (f.endsWith("dvc.lock")) text = text.replace(/^ {4}deps:\n(?: {4}[- ] .*\n)*/gm, "");
    for (const { oid, legacy } of oidsIn(text)) {
      keys.add(objKey(oid, legacy));
      if (oid.endsWith(".dir")) {
        const manifest = JSON.parse(fs.readFileSync(path.join(cacheRoot, objKey(oid, legacy)), "utf8")) as { md5: string }[];
        for (const e of manifest) keys.add(objKey(e.md5, legacy));
      }
    }
  }
  return keys;
}

export function union(...sets: Iterable<string>[]): Set<string> {
  const u = new Set<string>();
  for (const s of sets) for (const k of s) u.add(k);
  return u;
}

export function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}

export interface History {
  dir: string;
  /** commit ids */
  c1: string;
  c2: string;
  c3: string;
  cf: string;
  /** objects written into the cache that nothing uses */
  orphans: string[];
  /** the oid used by the legacy output (also planted, unused, in the 3.x layout) */
  legacyOid: string;
}

/**
 * main:    c1 (tag v1: data/{a,sub/b}, f, legacy.bin [2.x entry]) -> c2 (tag v2 annotated: data/a
 *          changed, g added, pipeline output out = pipe-v1) -> c3 (f changed, out = pipe-v2) = main tip
 * feature: from c2, cf: data/sub/b changed, data/new added
 * workspace: main checked out, g re-added with new content (not committed)
 * plus orphan objects in both layouts, a same-oid object in the "wrong" layout for each naming,
 * and non-object files (runs/, fs/, temp files, junk) that gc must never touch.
 */
export function makeHistory(): History {
  const dir = tmpRepo();
  writeTree(dir, { "data/a": "a1", "data/sub/b": "b1", f: "f1" });
  ok(dvx(["add", "-q", "data", "f"], { cwd: dir }));
  // a DVC 2.x (legacy) entry: binary content, so md5-dos2unix = md5
  const legacyContent = Buffer.from([0, 1, 2, 3, 0xff, 0x10]);
  const legacyOid = md5(legacyContent);
  writeTree(dir, {
    "legacy.bin": legacyContent,
    "legacy.bin.dvc": `outs:\n- md5: ${legacyOid}\n  size: ${legacyContent.length}\n  path: legacy.bin\n`,
    ".gitignore": fs.readFileSync(path.join(dir, ".gitignore"), "utf8") + "/legacy.bin\n",
  });
  const cache = path.join(dir, ".dvc/cache");
  writeTree(cache, { [objKey(legacyOid, true)]: legacyContent });
  const c1 = commitAll(dir, "c1");
  git(dir, "tag", "v1");
  writeTree(dir, { "data/a": "a2", g: "g1" });
  ok(dvx(["add", "-q", "data", "g"], { cwd: dir }));
  pipeline(dir, "pipe-v1");
  const c2 = commitAll(dir, "c2");
  git(dir, "tag", "-a", "v2", "-m", "annotated");
  git(dir, "checkout", "-q", "-b", "feature");
  writeTree(dir, { "data/sub/b": "b2", "data/new": "new" });
  ok(dvx(["add", "-q", "data"], { cwd: dir }));
  const cf = commitAll(dir, "cf");
  git(dir, "checkout", "-q", "main");
  ok(dvx(["checkout", "-q", "-f"], { cwd: dir }));
  writeTree(dir, { f: "f3" });
  ok(dvx(["add", "-q", "f"], { cwd: dir }));
  pipeline(dir, "pipe-v2");
  const c3 = commitAll(dir, "c3");
  writeTree(dir, { g: "g-workspace" });
  ok(dvx(["add", "-q", "g"], { cwd: dir }));
  // garbage: orphans in both layouts, the legacy oid planted in the 3.x layout, a 3.x oid in the legacy layout
  const orphans = ["orphan-1", "orphan-2", "orphan-3"].map(md5);
  const planted: Record<string, string> = {
    [objKey(orphans[0]!)]: "x",
    [objKey(orphans[1]!)]: "y",
    [objKey(orphans[2]!, true)]: "z",
    [objKey(orphans[0]! + ".dir")]: "[]",
    [objKey(legacyOid)]: legacyContent.toString("latin1"),
    [objKey(md5("f1"), true)]: "f1",
    // never objects
    "runs/ab/abcdef/0123": "run cache",
    "fs/local/xyz": "import cache",
    "files/md5/ab/.0123456789abcdef.tmp": "temp",
    "files/md5/zz/notanobject": "junk",
    ".dvx-tmp/partial": "partial",
    "README": "junk",
  };
  writeTree(cache, planted);
  return { dir, c1, c2, c3, cf, orphans, legacyOid };
}

/**
 * A `dvc.yaml` stage whose output `out` holds `content`, with the `dvc.lock` DVC writes after
 * `dvc repro` (the dep is git-tracked; only the output is cached).
 */
function pipeline(dir: string, content: string): void {
  const src = `source of ${content}`;
  writeTree(dir, {
    "src.txt": src,
    out: content,
    "dvc.yaml": "stages:\n  make:\n    cmd: cp src.txt out\n    deps:\n    - src.txt\n    outs:\n    - out\n",
    "dvc.lock":
      "schema: '2.0'\nstages:\n  make:\n    cmd: cp src.txt out\n    deps:\n    - path: src.txt\n      hash: md5\n" +
      `      md5: ${md5(src)}\n      size: ${src.length}\n    outs:\n    - path: out\n      hash: md5\n      md5: ${md5(content)}\n      size: ${content.length}\n`,
    [`.dvc/cache/${objKey(md5(content))}`]: content,
  });
  const gi = fs.readFileSync(path.join(dir, ".gitignore"), "utf8");
  if (!gi.includes("/out\n")) fs.writeFileSync(path.join(dir, ".gitignore"), gi + "/out\n");
}

/** A copy of a repository (git, cache and all) in a fresh temp dir. */
export function copyRepo(src: string): string {
  const dst = path.join(tmpDir("dvx-hist-copy-"), "repo");
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

export { dvx, writeTree, tmpDir };
