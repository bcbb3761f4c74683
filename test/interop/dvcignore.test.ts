/**
 * Scenario 8: `.dvcignore` patterns are honoured identically by both tools. The same patterns (a
 * root .dvcignore with negation, anchoring, dir-only, `**`, escapes, character classes, padded
 * lines; a nested .dvcignore in a directory that is not an output) and the same tree give:
 *   - identical .dir manifests and .dvc files from `dvc add` and `dvx add`;
 *   - a clean status in each tool, for either tool's repository, after ignored files appear
 *     inside tracked directories;
 *   - identical workspaces after `dvc checkout -f` / `dvx checkout -f` (ignored files survive,
 *     other untracked files inside a tracked directory are removed);
 *   - the same refusal to add an ignored path;
 *   - remotes that never receive an ignored file: dvx push -> dvc pull on every remote kind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runDvc, skipReason } from "../helpers/peers.js";
import {
  SLOW,
  cacheTree,
  cloneOf,
  dvc,
  dvcJson,
  dvx,
  dvxJson,
  dvxOk,
  gitCommitAll,
  gitRepo,
  metadata,
  remoteKinds,
  workspace,
  writeFiles,
} from "./helpers.js";

const ROOT_IGNORE = [
  "*.tmp",
  "!keep.tmp",
  "/data/anchored",
  "logs/",
  "**/cache_*",
  "\\#literal",
  "  spaced.txt   ",
  "data/sub/*.bak",
  "[abc].x",
  "",
].join("\n");

function makeTree(root: string): void {
  fs.appendFileSync(path.join(root, ".dvcignore"), ROOT_IGNORE);
  writeFiles(root, {
    "data/a.tmp": "1",
    "data/keep.tmp": "2",
    "data/anchored": "3",
    "data/x/anchored": "4",
    "data/logs/l": "5",
    "data/x/logs/l": "6",
    "data/cache_1": "7",
    "data/sub/deep/cache_2": "8",
    "data/#literal": "9",
    "data/spaced.txt": "10",
    "data/sub/z.bak": "11",
    "data/sub/deep/z.bak": "12",
    "data/a.x": "13",
    "data/d.x": "14",
    "data/cache_dir/f": "15",
    "data/plain": "16",
    "sub/.dvcignore": "lo\n*.log\n!keep.log\n",
    "sub/data/a.log": "17",
    "sub/data/keep.log": "18",
    "sub/data/inner/b.log": "19",
    "sub/data/lo": "20",
    "sub/data/inner/lo": "21",
    "sub/data/ok": "22",
  });
}

/** Regular files under data/ and sub/data/, as bytes. */
function dataFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, e] of Object.entries(workspace(root, { modes: false }))) {
    if (e.type === "file" && (rel.startsWith("data/") || rel.startsWith("sub/data/"))) out[rel] = e.data!;
  }
  return out;
}

describe.skipIf(skipReason("dvc"))("scenario 8: .dvcignore honoured identically", () => {
  const kinds = remoteKinds();
  let A = ""; // dvc
  let B = ""; // dvx

  beforeAll(async () => {
    A = gitRepo("dvx-interop-dvc-");
    B = gitRepo("dvx-interop-dvx-");
    await dvc(["init", "-q"], A);
    dvxOk(["init", "-q"], B);
    makeTree(A);
    makeTree(B);
    await dvc(["add", "-q", "data", "sub/data"], A);
    dvxOk(["add", "-q", "data", "sub/data"], B);
    for (const kind of kinds) if (!kind.skip) await kind.add(B);
    gitCommitAll(A, "dvc add");
    gitCommitAll(B, "dvx add");
  }, SLOW);

  it("dvc add and dvx add leave the same files out of the .dir manifests", () => {
    const meta = (root: string) => Object.fromEntries(Object.entries(metadata(root)).filter(([rel]) => !rel.startsWith(".dvc/config")));
    expect(meta(B)).toEqual(meta(A));
    expect(cacheTree(path.join(B, ".dvc/cache"))).toEqual(cacheTree(path.join(A, ".dvc/cache")));
    const manifests = Object.entries(cacheTree(path.join(B, ".dvc/cache")))
      .filter(([rel]) => rel.endsWith(".dir"))
      .map(([, e]) => (JSON.parse(Buffer.from(e.data!, "base64").toString()) as { relpath: string }[]).map((x) => x.relpath))
      .sort((a, b) => a.length - b.length);
    expect(manifests).toEqual([
      ["keep.log", "ok"],
      ["d.x", "keep.tmp", "plain", "sub/deep/z.bak", "x/anchored"],
    ]);
  });

  it("ignored files appearing inside tracked directories: both tools report both repositories clean", { timeout: SLOW }, async () => {
    for (const root of [A, B]) writeFiles(root, { "data/new.tmp": "n", "data/x/cache_9": "c", "data/logs/more": "m", "sub/data/new.log": "l" });
    expect(await dvcJson(["status"], A)).toEqual({});
    expect(await dvcJson(["status"], B)).toEqual({});
    expect(dvxJson(["status"], A)).toEqual({});
    expect(dvxJson(["status"], B)).toEqual({});
  });

  it("checkout -f keeps ignored files and removes other untracked ones, identically", { timeout: SLOW }, async () => {
    for (const root of [A, B]) {
      writeFiles(root, { "data/untracked": "u", "sub/data/inner/extra": "e" });
      fs.rmSync(path.join(root, "data/plain"));
      fs.rmSync(path.join(root, "sub/data/ok"));
    }
    await dvc(["checkout", "-q", "-f"], A);
    dvxOk(["checkout", "-q", "-f"], B);
    expect(dataFiles(B)).toEqual(dataFiles(A));
    expect(fs.existsSync(path.join(B, "data/plain"))).toBe(true);
    expect(fs.existsSync(path.join(B, "data/new.tmp"))).toBe(true);
    expect(fs.existsSync(path.join(B, "data/untracked"))).toBe(false);
  });

  it("both refuse to add an ignored path", { timeout: SLOW }, async () => {
    for (const root of [A, B]) writeFiles(root, { "solo.tmp": "t" });
    const d = await runDvc(["add", "solo.tmp"], { cwd: A });
    const x = dvx(["add", "solo.tmp"], { cwd: B });
    expect(d.code).not.toBe(0);
    expect(x.code).not.toBe(0);
    expect(d.stderr).toMatch(/ignored/);
    expect(x.stderr).toMatch(/ignored by \.dvcignore/);
    for (const root of [A, B]) expect(fs.existsSync(path.join(root, "solo.tmp.dvc"))).toBe(false);
  });

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: no ignored file reaches the remote; dvc pull restores exactly the tracked files`, { timeout: SLOW }, async () => {
      dvxOk(["push", "-q", "-r", kind.name], B);
      const clone = cloneOf(B);
      await dvc(["pull", "-q", "-r", kind.name], clone);
      expect(Object.keys(dataFiles(clone)).sort()).toEqual(["data/d.x", "data/keep.tmp", "data/plain", "data/sub/deep/z.bak", "data/x/anchored", "sub/data/keep.log", "sub/data/ok"]);
    });
  }
});
