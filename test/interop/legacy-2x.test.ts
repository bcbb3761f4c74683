/**
 * Scenario 6: the DVC 2.58.2 repository of fixtures/legacy-2x (no `hash:` keys, md5-dos2unix
 * object names, CRLF and binary files, a directory with awkward names, an executable, a pipeline,
 * the legacy cache layout and a legacy local remote), compared with what real DVC 3.67.1 did to it
 * (fixtures/legacy-2x/dvc3-expected/, recorded by scripts/make-legacy-fixture.sh):
 *   - dvx status / status -c are clean (a-status, a-status-cloud);
 *   - dvx checkout restores every output byte for byte from the legacy cache, and dvx pull from
 *     the legacy remote does the same in a fresh clone;
 *   - re-adding or committing unchanged legacy outputs leaves the 2.x files alone (b-add-*, b-commit);
 *   - dvx push writes the legacy remote layout (<remote>/xx/rest, no files/md5/), and real DVC 3
 *     pulls from it (local directory, MinIO, fake-gcs-server);
 *   - re-adding an edited legacy file moves it to `hash: md5` exactly as `dvc add` did (c-add-edited),
 *     DVC agrees on the status that follows (c-status), and dvx push sends the new object to
 *     files/md5/ beside the legacy ones (d-push).
 * The fixture's cache objects are made 0644 first, as a git checkout leaves them (DVC wrote them
 * 0444): neither tool may treat them as corrupt, although their names are md5-dos2unix hashes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
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
  ok,
  remoteKinds,
  sh,
  tmpDir,
  tree,
  workspace,
} from "./helpers.js";

const FIX = fileURLToPath(new URL("../../fixtures/legacy-2x/", import.meta.url));
const D3 = path.join(FIX, "dvc3-expected");
const expected = JSON.parse(fs.readFileSync(path.join(FIX, "expected.json"), "utf8")) as {
  metadata_files: Record<string, string>;
  remote_files: string[];
  dvc3: { steps: { step: string; new_cache_objects: string[]; stdout: string }[] };
};
const d3 = (name: string) => fs.readFileSync(path.join(D3, name), "utf8");
const step = (name: string) => expected.dvc3.steps.find((s) => s.step === name)!;

/** The 2.x metadata files, minus .dvc/config (these tests add remotes to it). */
function legacyMetadata(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of Object.keys(expected.metadata_files)) {
    if (rel !== ".dvc/config") out[rel] = fs.readFileSync(path.join(repo, rel), "utf8");
  }
  return out;
}
const LEGACY_METADATA = Object.fromEntries(Object.entries(expected.metadata_files).filter(([rel]) => rel !== ".dvc/config"));

/** The fixture's data files (workspace minus metadata), as bytes. */
function dataFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, e] of Object.entries(workspace(root, { modes: false }))) {
    if (e.type !== "file" || rel.endsWith(".dvc") || rel.endsWith(".gitignore") || rel === ".dvcignore" || rel.startsWith("dvc.")) continue;
    out[rel] = e.data!;
  }
  return out;
}

describe.skipIf(skipReason("dvc"))("scenario 6: a DVC 2.x repository (fixtures/legacy-2x)", () => {
  const kinds = remoteKinds();
  const remotes = new Map<string, { keys(): Promise<string[]> }>();
  let repo = "";
  let fixtureData: Record<string, string> = {};

  beforeAll(async () => {
    // <tmp>/repo and <tmp>/remote: the fixture's config says url = ../../remote (relative to .dvc/)
    const parent = tmpDir("dvx-interop-legacy-");
    fs.cpSync(path.join(FIX, "repo"), path.join(parent, "repo"), { recursive: true });
    fs.cpSync(path.join(FIX, "remote"), path.join(parent, "remote"), { recursive: true });
    for (const dir of [path.join(parent, "repo/.dvc/cache"), path.join(parent, "remote")]) {
      for (const [rel, e] of Object.entries(tree(dir))) if (e.type === "file") fs.chmodSync(path.join(dir, rel), 0o644);
    }
    repo = path.join(parent, "repo");
    const git = gitRepo(); // identity and settings, then move its .git into place
    fs.renameSync(path.join(git, ".git"), path.join(repo, ".git"));
    for (const kind of kinds) if (!kind.skip) remotes.set(kind.name, await kind.add(repo)); // empty, not default
    gitCommitAll(repo, "DVC 2.58.2 repository");
    fixtureData = dataFiles(path.join(FIX, "repo"));
    expect(Object.keys(fixtureData).length).toBeGreaterThan(10);
  }, SLOW);

  it("dvx status and status -c are clean, as DVC 3 found (a-status, a-status-cloud)", () => {
    expect(dvxOk(["status"], repo).stdout).toBe(d3("a-status.out"));
    expect(dvxOk(["status", "-c"], repo).stdout).toBe(d3("a-status-cloud.out"));
    expect(legacyMetadata(repo)).toEqual(LEGACY_METADATA);
  });

  it("dvx checkout restores every output from the legacy cache, byte for byte", () => {
    for (const rel of ["crlf.txt", "bin.dat", "run.sh", "upper.txt", "images", "parts"]) fs.rmSync(path.join(repo, rel), { recursive: true });
    dvxOk(["checkout", "-q"], repo);
    expect(dataFiles(repo)).toEqual(fixtureData);
    expect(fs.statSync(path.join(repo, "run.sh")).mode & 0o100).toBe(0o100);
    expect(dvxJson(["status"], repo)).toEqual({});
    expect(legacyMetadata(repo)).toEqual(LEGACY_METADATA);
  });

  it("dvx pull from the 2.x remote in a fresh clone restores the legacy cache layout and the workspace", () => {
    // beside the repository, so the fixture's `url = ../../remote` still reaches <tmp>/remote
    const clone = path.join(path.dirname(repo), "clone-from-legacy-remote");
    ok(sh("git", ["clone", "-q", repo, clone], path.dirname(repo)), "git clone");
    dvxOk(["pull", "-q"], clone);
    expect(dataFiles(clone)).toEqual(fixtureData);
    expect(Object.keys(cacheTree(path.join(clone, ".dvc/cache"))).sort()).toEqual([...expected.remote_files].sort());
    expect(dvxOk(["status"], clone).stdout).toBe(d3("a-status.out"));
  });

  it("re-adding and committing unchanged legacy outputs keeps the 2.x bytes and writes no object (b-add-*, b-commit)", () => {
    const cacheBefore = Object.keys(cacheTree(path.join(repo, ".dvc/cache")));
    dvxOk(["add", "-q", "crlf.txt"], repo);
    dvxOk(["add", "-q", "images"], repo);
    dvxOk(["commit", "-q"], repo);
    dvxOk(["commit", "-q", "-f"], repo);
    // DVC 3.67.1's `commit -f` re-folds dvc.lock's long cmd line (its ruamel.yaml folds at another
    // column than 2.58.2's did); dvx leaves an unchanged lock file as it is (docs/compatibility.md).
    expect(d3("dvc.lock.after-b-commit")).not.toBe(LEGACY_METADATA["dvc.lock"]);
    expect(legacyMetadata(repo)).toEqual(LEGACY_METADATA);
    expect(Object.keys(cacheTree(path.join(repo, ".dvc/cache")))).toEqual(cacheBefore);
    expect(step("b-add-crlf").new_cache_objects).toEqual([]);
  });

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: dvx push writes the legacy layout; dvc pull (3.x) restores the repository from it`, { timeout: SLOW }, async () => {
      const remote = remotes.get(kind.name)!;
      expect(await remote.keys()).toEqual([]);
      dvxOk(["push", "-q", "-r", kind.name], repo);
      expect(await remote.keys()).toEqual([...expected.remote_files].sort());
      const clone = cloneOf(repo);
      await dvc(["pull", "-q", "-r", kind.name], clone);
      expect(dataFiles(clone)).toEqual(fixtureData);
      expect(Object.keys(cacheTree(path.join(clone, ".dvc/cache"))).sort()).toEqual([...expected.remote_files].sort());
      expect(await dvcJson(["status"], clone)).toEqual({});
    });
  }

  it("re-adding an edited legacy file moves it to hash: md5 exactly as dvc add does (c-add-edited, c-status, d-push)", { timeout: SLOW }, async () => {
    dvxOk(["push", "-q", "-r", "local"], repo); // the legacy objects (a no-op after the tests above)
    const cacheBefore = new Set(Object.keys(cacheTree(path.join(repo, ".dvc/cache"))));
    fs.copyFileSync(path.join(D3, "crlf.txt.edited"), path.join(repo, "crlf.txt"));
    expect(dvxJson(["status"], repo)).toEqual({
      "crlf.txt.dvc": [{ "changed outs": { "crlf.txt": "modified" } }],
      derive: [{ "changed deps": { "crlf.txt": "modified" } }],
    });
    const add = dvxOk(["add", "crlf.txt"], repo);
    expect(add.stdout).toContain("git add crlf.txt.dvc");
    expect(fs.readFileSync(path.join(repo, "crlf.txt.dvc"), "utf8")).toBe(d3("crlf.txt.dvc.after-c-add-edited"));
    expect(fs.readFileSync(path.join(repo, ".gitignore"), "utf8")).toBe(LEGACY_METADATA[".gitignore"]);
    const added = Object.keys(cacheTree(path.join(repo, ".dvc/cache"))).filter((k) => !cacheBefore.has(k));
    expect(added).toEqual(step("c-add-edited").new_cache_objects);

    // DVC reads the repository dvx left exactly as it read the one it wrote itself
    expect((await dvc(["status"], repo)).stdout).toBe(d3("c-status.out"));
    expect(dvxOk(["status"], repo).stdout).toBe(d3("c-status.out"));

    // the new object goes to files/md5/ on the remote, beside the legacy root layout
    dvxOk(["push", "-q", "-r", "local"], repo);
    const keys = await remotes.get("local")!.keys();
    expect(keys).toEqual([...expected.remote_files, "files/md5/b1/ccfe609f3f7de79ad5cf5abb630c79"].sort());
    expect(await dvcJson(["status", "-c", "-r", "local"], repo)).toEqual({});
    ok(dvx(["status", "-c", "-r", "local"], { cwd: repo }));
  });
});
