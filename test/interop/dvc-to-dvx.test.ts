/**
 * Scenario 1: a repository made by real DVC (`dvc init`, `dvc add` of files and a directory,
 * `dvc push`) is pulled by dvx in a fresh clone with an empty cache: the workspace is byte-identical
 * (modes included), the cache holds the same read-only objects, and `dvx status` / `dvx status -c`
 * are clean. Run against a local-directory remote, MinIO and fake-gcs-server.
 */
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
  dvxJson,
  dvxOk,
  expectAllReadOnly,
  gitCommitAll,
  gitRepo,
  remoteKinds,
  workspace,
  writeFiles,
} from "./helpers.js";

describe.skipIf(skipReason("dvc"))("scenario 1: dvc init/add/push, then dvx pull in a fresh clone", () => {
  const kinds = remoteKinds();
  const remotes = new Map<string, { keys(): Promise<string[]> }>();
  let repo = "";

  beforeAll(async () => {
    repo = gitRepo();
    await dvc(["init", "-q"], repo);
    writeFiles(repo, basicData());
    await dvc(["add", "-q", ...BASIC_TARGETS], repo);
    // The local remote is configured by dvc itself; the cloud remotes (4 options each) through dvx,
    // whose config files are byte-identical to dvc's (same-bytes.test.ts): dvc reads them here.
    for (const kind of kinds) {
      if (kind.skip) continue;
      remotes.set(kind.name, await kind.add(repo, { tool: kind.name === "local" ? "dvc" : "dvx" }));
    }
    gitCommitAll(repo, "data added by dvc");
  }, SLOW);

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: dvx pull restores dvc's data byte for byte; dvx status is clean`, { timeout: SLOW }, async () => {
      const cache = cacheTree(path.join(repo, ".dvc/cache"));
      await dvc(["push", "-r", kind.name], repo);
      expect(await remotes.get(kind.name)!.keys()).toEqual(Object.keys(cache).sort());

      const clone = cloneOf(repo);
      dvxOk(["pull", "-r", kind.name], clone);
      expect(workspace(clone)).toEqual(workspace(repo));
      const pulled = cacheTree(path.join(clone, ".dvc/cache"));
      expect(pulled).toEqual(cache);
      expectAllReadOnly(pulled);
      expect(dvxJson(["status"], clone)).toEqual({});
      expect(dvxJson(["status", "-c", "-r", kind.name], clone)).toEqual({});
      expect(dvxOk(["status"], clone).stdout).toBe("Data and pipelines are up to date.\n");
    });
  }
});
