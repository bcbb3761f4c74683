/**
 * Scenario 5: a two-stage `dvc.yaml` run by real `dvc repro`; dvx pushes the outputs recorded in
 * `dvc.lock` (files, a directory, not the `cache: false` one), and in fresh clones `dvx pull`
 * (and `dvx fetch` + `dvx checkout`) restore them byte for byte, after which `dvc status` is clean.
 * `dvx status` then reports modified stage outputs (and the `changed deps` they cause downstream)
 * exactly as `dvc status` does, and `dvx commit` records what `dvc commit -f` records. dvx never
 * rewrites dvc.yaml or dvc.lock here. Run against a local-directory remote, MinIO and fake-gcs-server.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { skipReason } from "../helpers/peers.js";
import {
  SLOW,
  cacheTree,
  cloneOf,
  dvc,
  dvcJson,
  dvxJson,
  dvxOk,
  gitCommitAll,
  gitRepo,
  metadata,
  remoteKinds,
  workspace,
  writeFiles,
} from "./helpers.js";

const DVC_YAML = `stages:
  prepare:
    cmd: mkdir -p prepared/parts && tr a-z A-Z < raw.txt > prepared/upper.txt && head -n 1 raw.txt > prepared/parts/first.txt && touch prepared/parts/empty && wc -l < raw.txt > stats.txt
    deps:
    - raw.txt
    outs:
    - prepared
    - stats.txt:
        cache: false
  train:
    cmd: cat prepared/upper.txt prepared/parts/first.txt > model.bin && chmod +x model.bin
    deps:
    - prepared
    outs:
    - model.bin
`;

describe.skipIf(skipReason("dvc"))("scenario 5: pipelines: dvc repro, then dvx push / pull / checkout / status", () => {
  const kinds = remoteKinds();
  const remotes = new Map<string, { keys(): Promise<string[]> }>();
  let repo = "";
  let outputs: ReturnType<typeof workspace> = {};

  beforeAll(async () => {
    repo = gitRepo();
    await dvc(["init", "-q"], repo);
    writeFiles(repo, { "raw.txt": "alpha\r\nbeta\ngamma\n", "dvc.yaml": DVC_YAML });
    await dvc(["repro", "-q"], repo);
    for (const kind of kinds) if (!kind.skip) remotes.set(kind.name, await kind.add(repo));
    gitCommitAll(repo, "pipeline run by dvc");
    // what a clone lacks: the cached outputs (stats.txt, `cache: false`, is committed to git)
    outputs = Object.fromEntries(
      Object.entries(workspace(repo, { modes: false })).filter(([rel]) => rel === "model.bin" || rel.startsWith("prepared")),
    );
    expect(Object.keys(outputs).sort()).toEqual(["model.bin", "prepared", "prepared/parts", "prepared/parts/empty", "prepared/parts/first.txt", "prepared/upper.txt"]);
  }, SLOW);

  for (const kind of kinds) {
    it.skipIf(kind.skip)(`${kind.label}: dvx push of dvc.lock outputs; dvx pull and dvx fetch+checkout restore them; dvc status clean`, { timeout: SLOW }, async () => {
      const meta = metadata(repo);
      dvxOk(["push", "-q", "-r", kind.name], repo);
      const cache = cacheTree(path.join(repo, ".dvc/cache"));
      expect(await remotes.get(kind.name)!.keys()).toEqual(Object.keys(cache).sort());

      const pulled = cloneOf(repo);
      dvxOk(["pull", "-q", "-r", kind.name], pulled);
      expect(workspace(pulled, { modes: false })).toMatchObject(outputs);
      expect(workspace(pulled)).toEqual(workspace(repo));
      expect(dvxJson(["status"], pulled)).toEqual({});
      expect(await dvcJson(["status"], pulled)).toEqual({});
      expect(metadata(pulled)).toEqual(meta);

      const checkedOut = cloneOf(repo);
      dvxOk(["fetch", "-q", "-r", kind.name], checkedOut);
      expect(fs.existsSync(path.join(checkedOut, "model.bin"))).toBe(false);
      dvxOk(["checkout", "-q"], checkedOut);
      expect(workspace(checkedOut)).toEqual(workspace(repo));
      expect(metadata(repo)).toEqual(meta);
    });
  }

  it("dvx status reports modified stage outputs (and the deps they feed) as dvc status does", { timeout: SLOW }, async () => {
    dvxOk(["push", "-q", "-r", "local"], repo); // a no-op after the tests above
    const clone = cloneOf(repo);
    dvxOk(["pull", "-q", "-r", "local"], clone);
    fs.chmodSync(path.join(clone, "model.bin"), 0o755);
    fs.appendFileSync(path.join(clone, "model.bin"), "tampered\n");
    const expected: Record<string, unknown> = { train: [{ "changed outs": { "model.bin": "modified" } }] };
    expect(dvxJson(["status"], clone)).toEqual(expected);
    expect(dvxOk(["status"], clone).stdout).toBe("train:\n\tchanged outs:\n\t\tmodified:           model.bin\n");

    // an intermediate output is also the next stage's dep
    fs.writeFileSync(path.join(clone, "prepared/parts/extra.txt"), "extra\n");
    expected.prepare = [{ "changed outs": { prepared: "modified" } }];
    expected.train = [{ "changed deps": { prepared: "modified" } }, { "changed outs": { "model.bin": "modified" } }];
    expect(dvxJson(["status"], clone)).toEqual(expected);
    expect(await dvcJson(["status"], clone)).toEqual(expected);
  });

  it("dvx commit after edits records the same dvc.lock content and cache objects as dvc commit -f", { timeout: SLOW }, async () => {
    dvxOk(["push", "-q", "-r", "local"], repo);
    const [A, B] = [cloneOf(repo), cloneOf(repo)]; // A: dvc, B: dvx
    for (const root of [A, B]) {
      dvxOk(["pull", "-q", "-r", "local"], root);
      fs.chmodSync(path.join(root, "model.bin"), 0o755);
      fs.appendFileSync(path.join(root, "model.bin"), "retrained\n");
      fs.writeFileSync(path.join(root, "prepared/parts/extra.txt"), "extra\n");
    }
    await dvc(["commit", "-f"], A);
    dvxOk(["commit", "-q"], B);
    // dvc commit saves whole stages: train's dep on `prepared` takes the new hash too
    const lockA = parseYaml(fs.readFileSync(path.join(A, "dvc.lock"), "utf8"));
    expect(parseYaml(fs.readFileSync(path.join(B, "dvc.lock"), "utf8"))).toEqual(lockA);
    expect(lockA.stages.train.deps[0].md5).toBe(lockA.stages.prepare.outs[0].md5);
    // Not compared byte for byte: DVC 3.67.1 dumps with ruamel.yaml 0.19, which folds the long
    // `cmd` lines differently from the ruamel 0.17/0.18 rules dvx follows (docs/compatibility.md).
    // DVC's commit also saves the stage in its run cache (.dvc/cache/runs/), which stores the
    // `cache: false` output (stats.txt) as an object too; dvx keeps no run cache.
    const cacheA = cacheTree(path.join(A, ".dvc/cache"));
    const statsOid = lockA.stages.prepare.outs[1].md5 as string;
    expect(lockA.stages.prepare.outs[1].path).toBe("stats.txt");
    delete cacheA[`files/md5/${statsOid.slice(0, 2)}/${statsOid.slice(2)}`];
    expect(fs.readdirSync(path.join(A, ".dvc/cache/runs")).length).toBeGreaterThan(0);
    expect(cacheTree(path.join(B, ".dvc/cache"))).toEqual(cacheA);
    expect(dvxJson(["status"], B)).toEqual({});
    expect(await dvcJson(["status"], B)).toEqual({});
  });
});

