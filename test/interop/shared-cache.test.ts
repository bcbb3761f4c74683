/**
 * Scenario 4: one cache directory (`cache.dir`) shared by a dvx repository and a dvc clone of it.
 * Objects written by one tool are used by the other as they are: not rewritten, not re-protected
 * (DVC trusts an object without re-hashing it only when its mode is exactly 0444; dvx objects are),
 * not downloaded again. Remotes are configured but EMPTY: a pull that finds everything in the
 * shared cache transfers nothing and fails on nothing (dvc pulls from the local one, dvx from every
 * kind: local directory, MinIO, fake-gcs-server).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
import {
  SLOW,
  bytes,
  cacheStats,
  cacheTree,
  cloneOf,
  dvc,
  dvcJson,
  dvx,
  dvxJson,
  dvxOk,
  expectAllReadOnly,
  gitCommitAll,
  gitRepo,
  ok,
  remoteKinds,
  sh,
  tmpDir,
  workspace,
  writeFiles,
} from "./helpers.js";

describe.skipIf(skipReason("dvc"))("scenario 4: a cache shared by dvx and dvc", () => {
  const kinds = remoteKinds().filter((k) => !k.skip);
  let shared = "";
  let A = ""; // dvx
  let B = ""; // dvc clone of A

  beforeAll(async () => {
    shared = tmpDir("dvx-interop-shared-cache-");
    A = gitRepo();
    dvxOk(["init", "-q"], A);
    dvxOk(["config", "cache.dir", shared], A);
    for (const kind of kinds) await kind.add(A); // empty remotes, in the committed config
    gitCommitAll(A, "init with a shared cache");
    B = cloneOf(A);
  }, SLOW);

  it("dvx add -> dvc sees nothing missing and checks out from the shared cache, downloading nothing", { timeout: SLOW }, async () => {
    writeFiles(A, { "ds/a.csv": "a,1\n", "ds/sub/b.bin": bytes(70_000, 11), "ds/empty": "", "weights.bin": bytes(200_000, 12) });
    dvxOk(["add", "-q", "ds", "weights.bin"], A);
    gitCommitAll(A, "dvx add");
    const objects = cacheTree(shared);
    expect(Object.keys(objects).length).toBe(5); // ds: 3 files + its .dir, weights.bin
    expectAllReadOnly(objects);
    const before = cacheStats(shared);

    // in the repository dvx wrote: nothing to do for dvc
    expect(await dvcJson(["status"], A)).toEqual({});
    // in the clone: only "deleted" (the workspace is empty), never "not in cache"
    ok(sh("git", ["pull", "-q", "--ff-only", A, "main"], B), "git pull");
    expect(await dvcJson(["status"], B)).toEqual({
      "ds.dvc": [{ "changed outs": { ds: "deleted" } }],
      "weights.bin.dvc": [{ "changed outs": { "weights.bin": "deleted" } }],
    });
    // one dvc pull (from the empty local remote): each dvc call costs seconds, and what is shown
    // is that nothing is fetched, not how a remote answers; dvx pulls from every kind below
    const pull = await dvc(["pull", "-r", "local"], B);
    expect(pull.stdout).not.toMatch(/fetched/);
    expect(pull.stdout).toMatch(/files? added/);
    expect(workspace(B, { modes: false })).toEqual(workspace(A, { modes: false }));
    expect(await dvcJson(["status"], B)).toEqual({});
    expect(cacheStats(shared)).toEqual(before);
  });

  it("dvc add -> dvx checks out from the shared cache without hashing or downloading anything", { timeout: SLOW }, async () => {
    writeFiles(B, { "more/x.txt": "x\r\n", "more/y/z.bin": bytes(30_000, 13), "notes.md": "# notes\n" });
    await dvc(["add", "-q", "more", "notes.md"], B);
    gitCommitAll(B, "dvc add");
    expectAllReadOnly(cacheTree(shared));
    const before = cacheStats(shared);

    ok(sh("git", ["pull", "-q", "--ff-only", B, "main"], A), "git pull");
    expect(dvxJson(["status"], A)).toEqual({
      "more.dvc": [{ "changed outs": { more: "deleted" } }],
      "notes.md.dvc": [{ "changed outs": { "notes.md": "deleted" } }],
    });
    const env = { DVX_DEBUG_HASH_COUNT: "1" };
    const co = ok(dvx(["checkout"], { cwd: A, env }), "dvx checkout");
    expect(co.stderr).toMatch(/hashed 0 files/);
    for (const kind of kinds) {
      const pull = JSON.parse(ok(dvx(["pull", "--json", "-r", kind.name], { cwd: A }), `dvx pull -r ${kind.name}`).stdout);
      expect(pull.fetched, kind.name).toBe(0);
      expect(pull.missing, kind.name).toEqual([]);
    }
    expect(workspace(A, { modes: false })).toEqual(workspace(B, { modes: false }));
    expect(dvxJson(["status"], A)).toEqual({});
    expect(cacheStats(shared)).toEqual(before);
    expect(fs.existsSync(path.join(A, ".dvc/cache"))).toBe(false);
    expect(fs.existsSync(path.join(B, ".dvc/cache"))).toBe(false);
  });
});
