/**
 * Scenario 2: a repository made by dvx (`dvx init`, `dvx add` of files and a directory,
 * `dvx push`) is pulled by real DVC in a fresh clone: bytes and modes identical, and then
 * `dvc status`, `dvc status -c`, `dvc data status` report nothing to do and `dvc checkout` changes
 * nothing (no output, no file rewritten). Run against a local-directory remote, MinIO and
 * fake-gcs-server (`dvc data status` and `dvc checkout` once, on the local-remote clone: the clones
 * are shown identical first).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
import {
  BASIC_TARGETS,
  SLOW,
  basicData,
  cacheTree,
  cloneOf,
  dvc,
  dvcJson,
  dvxOk,
  expectAllReadOnly,
  gitCommitAll,
  gitRepo,
  remoteKinds,
  workspace,
  writeFiles,
} from "./helpers.js";

/** ino + mtime of every workspace file: `dvc checkout` must not rewrite anything. */
function inodes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, e] of Object.entries(workspace(dir))) {
    if (e.type !== "file") continue;
    const st = fs.statSync(path.join(dir, rel), { bigint: true });
    out[rel] = `${st.ino} ${st.mtimeNs}`;
  }
  return out;
}

describe.skipIf(skipReason("dvc"))("scenario 2: dvx init/add/push, then dvc pull in a fresh clone", () => {
  const kinds = remoteKinds();
  const remotes = new Map<string, { keys(): Promise<string[]> }>();
  let repo = "";

  beforeAll(async () => {
    repo = gitRepo();
    dvxOk(["init", "-q"], repo);
    writeFiles(repo, basicData());
    dvxOk(["add", "-q", ...BASIC_TARGETS], repo);
    for (const kind of kinds) if (!kind.skip) remotes.set(kind.name, await kind.add(repo));
    gitCommitAll(repo, "data added by dvx");
  }, SLOW);

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: dvc pull, status, status -c, data status and checkout find nothing to do`, { timeout: SLOW }, async () => {
      const cache = cacheTree(path.join(repo, ".dvc/cache"));
      expectAllReadOnly(cache);
      dvxOk(["push", "-q", "-r", kind.name], repo);
      expect(await remotes.get(kind.name)!.keys()).toEqual(Object.keys(cache).sort());

      const clone = cloneOf(repo);
      await dvc(["pull", "-r", kind.name], clone);
      // modes aside: `dvc add` relinks the workspace by copy (0755 -> 0744), `dvx add` leaves the
      // user's file alone (docs/compatibility.md); a pull sets the same modes in both tools
      expect(workspace(clone, { modes: false })).toEqual(workspace(repo, { modes: false }));
      expect(fs.statSync(path.join(clone, "run.sh")).mode & 0o777).toBe(0o744);
      expect(cacheTree(path.join(clone, ".dvc/cache"))).toEqual(cache);

      expect(await dvcJson(["status"], clone)).toEqual({});
      expect(await dvcJson(["status", "-c", "-r", kind.name], clone)).toEqual({});
      if (kind.name !== "local") return;
      // The rest reads only the clone's workspace and cache, which were just shown identical for
      // every remote kind: once is enough (each dvc call costs seconds here).
      expect(await dvcJson(["data", "status"], clone)).toEqual({});
      const before = inodes(clone);
      const co = await dvc(["checkout"], clone);
      expect(co.stdout + co.stderr).toBe("");
      expect(inodes(clone)).toEqual(before);
    });
  }
});
