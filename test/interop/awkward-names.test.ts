/**
 * Scenario 7: awkward names and file kinds, both directions: spaces, unicode in NFC and NFD (two
 * distinct files on Linux), `#`, `!`, `*`, `[`, `?` in file and directory names, empty files,
 * nested empty directories, a symlink to a file inside a tracked directory, executables (top
 * level: `isexec`; inside a directory: not recorded).
 *   - `dvc add` and `dvx add` of the same tree give identical .dvc files, .gitignore (escaped
 *     entries) and cache trees;
 *   - dvc push -> dvx pull and dvx push -> dvc pull restore the same files on every remote kind,
 *     and each tool finds the other's repository clean.
 * Known, documented difference (docs/compatibility.md): `dvc add` rewrites the workspace from the
 * cache (so the symlink becomes a regular file and 0755 becomes 0744); `dvx add` leaves the
 * user's files as they are. Both hash the symlink's target, and a pull gives a regular file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
import {
  SLOW,
  cacheTree,
  cloneOf,
  dvc,
  dvcJson,
  dvxJson,
  dvxOk,
  expectAllReadOnly,
  gitCommitAll,
  gitRepo,
  metadata,
  remoteKinds,
  workspace,
  writeFiles,
  type Entry,
} from "./helpers.js";

const NFC = "caf\u00e9.txt";
const NFD = "cafe\u0301.txt";

function makeTree(root: string): void {
  writeFiles(root, {
    "data/with space.txt": "x\n",
    [`data/${NFC}`]: "nfc\n",
    [`data/${NFD}`]: "nfd\n",
    "data/#hash/#f!*[x": "h",
    "data/[br/[1].t?t": "b",
    "data/sub dir/\u00fc/empty": "",
    "data/target": "tgt\n",
    "data/run.sh": ["#!/bin/sh\n", 0o755],
    "empty top": "",
    "run me.sh": ["#!/bin/sh\necho hi\n", 0o755],
    "file!with*weird#naming_[1].t?t": "crlf\r\n",
    "dir [x]#!/\u00e9": "q",
    "dir [x]#!/M\u006f\u0308tley/*star*": "s",
  });
  fs.mkdirSync(path.join(root, "data/e/m/p/t/y"), { recursive: true });
  fs.mkdirSync(path.join(root, "dir [x]#!/nested empty/deeper"), { recursive: true });
  fs.symlinkSync("target", path.join(root, "data/link"));
}
const TARGETS = ["data", "empty top", "run me.sh", "file!with*weird#naming_[1].t?t", "dir [x]#!"];

/** Files only (no directories), with symlinks shown as what they point at; modes left out. */
function files(root: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const [rel, e] of Object.entries(workspace(root, { modes: false }))) {
    if (e.type === "dir") continue;
    out[rel] = e.type === "symlink" ? { type: "file", mode: "", data: fs.readFileSync(path.join(root, rel)).toString("base64") } : e;
  }
  return out;
}

describe.skipIf(skipReason("dvc"))("scenario 7: awkward names, empty files and directories, symlinks, executables", () => {
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
    await dvc(["add", "-q", ...TARGETS], A);
    dvxOk(["add", "-q", ...TARGETS], B);
    for (const kind of kinds) {
      if (kind.skip) continue;
      await kind.add(A);
      await kind.add(B);
    }
    gitCommitAll(A, "dvc add");
    gitCommitAll(B, "dvx add");
  }, SLOW);

  it("dvc add and dvx add write identical .dvc files, .gitignore entries and cache trees", () => {
    const meta = (root: string) => Object.fromEntries(Object.entries(metadata(root)).filter(([rel]) => !rel.startsWith(".dvc/config")));
    expect(meta(B)).toEqual(meta(A));
    expect(metadata(B)[".gitignore"]).toBe("/data\n/empty top\n/run me.sh\n/file\\!with\\*weird\\#naming_\\[1\\].t\\?t\n/dir \\[x\\]\\#\\!\n");
    const cache = cacheTree(path.join(A, ".dvc/cache"));
    expect(cacheTree(path.join(B, ".dvc/cache"))).toEqual(cache);
    expectAllReadOnly(cache);
    const manifest = Object.entries(cache).find(([rel]) => rel.endsWith(".dir") && Buffer.from(cache[rel]!.data!, "base64").toString().includes("link"))!;
    const entries = JSON.parse(Buffer.from(manifest[1].data!, "base64").toString()) as { relpath: string }[];
    expect(entries.map((e) => e.relpath)).toEqual(["#hash/#f!*[x", "[br/[1].t?t", NFD, NFC, "link", "run.sh", "sub dir/\u00fc/empty", "target", "with space.txt"]);

    // the only workspace difference: dvc add re-links from the cache, dvx add leaves files alone
    expect(fs.lstatSync(path.join(A, "data/link")).isSymbolicLink()).toBe(false);
    expect(fs.lstatSync(path.join(B, "data/link")).isSymbolicLink()).toBe(true);
    expect(files(B)).toEqual(files(A));
  });

  it("each tool finds the other's freshly added repository clean", { timeout: SLOW }, async () => {
    expect(dvxJson(["status"], A)).toEqual({});
    expect(await dvcJson(["status"], B)).toEqual({});
  });

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: dvc push -> dvx pull and dvx push -> dvc pull restore the same files`, { timeout: SLOW }, async () => {
      await dvc(["push", "-q", "-r", kind.name], A);
      const fromDvc = cloneOf(A);
      dvxOk(["pull", "-q", "-r", kind.name], fromDvc);
      expect(files(fromDvc)).toEqual(files(A));
      expect(dvxJson(["status"], fromDvc)).toEqual({});

      dvxOk(["push", "-q", "-r", kind.name], B);
      const fromDvx = cloneOf(B);
      await dvc(["pull", "-q", "-r", kind.name], fromDvx);
      expect(files(fromDvx)).toEqual(files(fromDvc));
      if (kind.name === "local") expect(await dvcJson(["status"], fromDvx)).toEqual({});

      for (const clone of [fromDvc, fromDvx]) {
        // neither tool recreates empty directories (a .dir manifest lists files only)
        expect(fs.existsSync(path.join(clone, "data/e"))).toBe(false);
        expect(fs.existsSync(path.join(clone, "dir [x]#!/nested empty"))).toBe(false);
        expect(fs.lstatSync(path.join(clone, "data/link")).isFile()).toBe(true);
        expect(fs.statSync(path.join(clone, "run me.sh")).mode & 0o100).toBe(0o100);
        expect(fs.statSync(path.join(clone, "data/run.sh")).mode & 0o111).toBe(0);
      }
    });
  }
});
