/**
 * Scenario 3: the same data and the same commands give the same bytes. One repository is driven by
 * real DVC, a twin by dvx, step by step; after each step every metadata file (`*.dvc`,
 * `.gitignore` at every level, `.dvcignore`, `.dvc/config`, `.dvc/config.local`, `.dvc/.gitignore`)
 * and the whole cache tree (paths, bytes, 0444 modes) must be identical:
 *   add (files, an executable, CRLF text, a >1 MiB binary, directories, nested targets)
 *   -> remote add / remote modify (project and --local, quoting, relative paths, --unset)
 *   -> edit, `dvc commit -f` vs `dvx commit` (content changes, a removed file, a new file, exec bit dropped)
 *   -> edit, re-add a single file
 *   -> remove a nested .dvc file (its .gitignore goes away).
 * No remote is contacted here: scenarios 1 and 2 carry data through remotes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
import {
  BASIC_TARGETS,
  SLOW,
  basicData,
  bytes,
  cacheTree,
  dvc,
  dvx,
  dvxOk,
  expectAllReadOnly,
  gitRepo,
  metadata,
  tmpDir,
  workspace,
  writeFiles,
} from "./helpers.js";

describe.skipIf(skipReason("dvc"))("scenario 3: dvc and dvx write identical bytes for the same operations", () => {
  let A = ""; // driven by dvc
  let B = ""; // driven by dvx
  const data = { ...basicData(), "sub/dir/file.csv": "a,b\r\n1,2\r\n", "sub/images/x.bin": bytes(10, 9), "sub/images/y/z.txt": "z" };
  const targets = [...BASIC_TARGETS, "sub/dir/file.csv", "sub/images"];

  /** Runs the same step in both repositories: dvc in A, dvx in B (args may be relative to `sub`). */
  async function both(args: string[], opts: { sub?: string; dvcArgs?: string[] } = {}): Promise<void> {
    await dvc(opts.dvcArgs ?? args, path.join(A, opts.sub ?? ""));
    dvxOk(args, path.join(B, opts.sub ?? ""));
  }

  function expectSame(): void {
    expect(metadata(B)).toEqual(metadata(A));
    const cache = cacheTree(path.join(A, ".dvc/cache"));
    expect(cacheTree(path.join(B, ".dvc/cache"))).toEqual(cache);
    expectAllReadOnly(cache);
  }

  beforeAll(async () => {
    A = gitRepo("dvx-interop-dvc-");
    B = gitRepo("dvx-interop-dvx-");
    await dvc(["init", "-q"], A);
    dvxOk(["init", "-q"], B);
    writeFiles(A, data);
    writeFiles(B, data);
  }, SLOW);

  it("init and add: .dvc files, .gitignore files and cache trees are identical", { timeout: SLOW }, async () => {
    expect(metadata(B)).toEqual(metadata(A));
    await both(["add", "-q", ...targets]);
    expectSame();
    expect(Object.keys(metadata(A))).toEqual(
      expect.arrayContaining([".gitignore", "sub/dir/.gitignore", "sub/.gitignore", "data.dvc", "sub/images.dvc", "sub/dir/file.csv.dvc"]),
    );
    expect(workspace(B, { modes: false })).toEqual(workspace(A, { modes: false }));
  });

  it("remote add / remote modify write identical .dvc/config and .dvc/config.local", { timeout: SLOW }, async () => {
    const store = tmpDir("dvx-interop-abs-store-");
    await both(["remote", "add", "-d", "storage", store]);
    await both(["remote", "add", "s3r", "s3://bucket/path with space"]);
    await both(["remote", "modify", "s3r", "endpointurl", "http://127.0.0.1:9000"]);
    await both(["remote", "modify", "s3r", "region", "us-east-1"]);
    await both(["remote", "modify", "--local", "s3r", "access_key_id", "AKIAEXAMPLE"]);
    await both(["remote", "modify", "--local", "s3r", "secret_access_key", `se#cr;et"x' =y`]);
    await both(["remote", "add", "gs", "gs://b/p"]);
    await both(["remote", "modify", "gs", "allow_anonymous_login", "true"]);
    // a relative path given from a subdirectory is stored relative to .dvc/
    await both(["remote", "add", "rel", "../relative/store"], { sub: "sub" });
    await both(["remote", "modify", "--unset", "s3r", "region"]);
    expectSame();
    const config = fs.readFileSync(path.join(B, ".dvc/config"), "utf8");
    expect(config).toContain("url = ../relative/store\n");
    expect(config).not.toContain("region");
    expect(fs.readFileSync(path.join(B, ".dvc/config.local"), "utf8")).toContain("access_key_id = AKIAEXAMPLE\n");
  });

  it("commit after edits (content, removed and new files, exec bit dropped): dvx commit = dvc commit -f", { timeout: SLOW }, async () => {
    for (const root of [A, B]) {
      writeFiles(root, { "notes.txt": "line one\r\nline 2\r\n", "data/labels.csv": "id,label\n1,cow\n", "data/new/n.txt": "new\n", "sub/images/y/z.txt": "zz" });
      fs.rmSync(path.join(root, "data/images/1.png"));
      fs.chmodSync(path.join(root, "run.sh"), 0o644);
    }
    // Without -f DVC asks before committing a changed output (and refuses when stdin is not a
    // terminal); dvx commits without asking (docs/compatibility.md).
    await both(["commit"], { dvcArgs: ["commit", "-f"] });
    expectSame();
    expect(fs.readFileSync(path.join(B, "run.sh.dvc"), "utf8")).not.toContain("isexec");
  });

  it("re-adding an edited file", { timeout: SLOW }, async () => {
    for (const root of [A, B]) writeFiles(root, { "model.bin": bytes(1_300_001, 8) });
    await both(["add", "-q", "model.bin"]);
    expectSame();
  });

  it("remove: the .dvc file goes, the entry leaves .gitignore, an emptied .gitignore is deleted", { timeout: SLOW }, async () => {
    await both(["remove", "-q", "sub/dir/file.csv.dvc"]);
    expectSame();
    expect(fs.existsSync(path.join(B, "sub/dir/.gitignore"))).toBe(false);
    expect(dvx(["status", "--json"], { cwd: B }).stdout.trim()).toBe("{}");
  });
});
