/**
 * `checkout` output against real DVC: the same repository copied twice, the same damage done to
 * each, then `dvc checkout` in one copy and `dvx checkout` in the other. The per-output lines
 * (`A`/`M`/`D`) and `--summary`'s one line must be identical.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../helpers/peers.js";
import { BASIC_TARGETS, SLOW, basicData, dvc, dvxOk, gitCommitAll, gitRepo, tmpDir, writeFiles } from "./helpers.js";

describe.skipIf(skipReason("dvc"))("checkout output matches dvc checkout", () => {
  let repo = "";
  beforeAll(async () => {
    repo = gitRepo();
    await dvc(["init", "-q"], repo);
    writeFiles(repo, basicData());
    await dvc(["add", "-q", ...BASIC_TARGETS], repo);
    gitCommitAll(repo);
  }, SLOW);

  /** Two copies of the repository (cache included) with `damage` done to each. */
  function pair(damage: (dir: string) => void): [string, string] {
    const copies = [tmpDir("dvx-co-dvc-"), tmpDir("dvx-co-dvx-")].map((d) => {
      const dir = path.join(d, "repo");
      fs.cpSync(repo, dir, { recursive: true });
      damage(dir);
      return dir;
    });
    return [copies[0]!, copies[1]!];
  }
  const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "").sort();

  const cases: [string, (dir: string) => void][] = [
    ["nothing to do", () => {}],
    ["one directory deleted", (d) => fs.rmSync(path.join(d, "data"), { recursive: true })],
    [
      "files deleted and modified, a directory deleted",
      (d) => {
        fs.rmSync(path.join(d, "data"), { recursive: true });
        fs.rmSync(path.join(d, "model.bin"));
        fs.rmSync(path.join(d, "run.sh"));
        fs.chmodSync(path.join(d, "notes.txt"), 0o644);
        fs.writeFileSync(path.join(d, "notes.txt"), "changed\n");
      },
    ],
  ];

  it("--relink: unchanged files re-placed are no change; DVC's closing 'Relinked successfully'", { timeout: SLOW }, async () => {
    for (const summary of [["--summary"], []]) {
      const [A, B] = pair((d) => fs.rmSync(path.join(d, "run.sh")));
      const want = (await dvc(["checkout", "--relink", ...summary], A)).stdout.trim();
      const got = dvxOk(["checkout", "--relink", ...summary], B).stdout.trim();
      expect(want.split("\n").at(-1)).toBe("Relinked successfully");
      expect(lines(got).filter((l) => !/^\d+ outputs? /.test(l))).toEqual(lines(want));
    }
  });

  for (const [name, damage] of cases) {
    it(`${name}: --summary prints DVC's line`, { timeout: SLOW }, async () => {
      const [A, B] = pair(damage);
      const want = (await dvc(["checkout", "--summary", "-f"], A)).stdout.trim();
      const got = dvxOk(["checkout", "--summary", "-f"], B).stdout.trim();
      expect(got).toBe(want);
      expect(want).not.toBe("");
    });

    it(`${name}: the per-output lines are DVC's`, { timeout: SLOW }, async () => {
      const [A, B] = pair(damage);
      const want = lines((await dvc(["checkout", "-f"], A)).stdout);
      // dvx adds one count line of its own after DVC's lines
      const got = lines(dvxOk(["checkout", "-f"], B).stdout).filter((l) => !/ (added|modified|deleted)(, | \()/.test(l) && !/^\d+ outputs? /.test(l));
      expect(got).toEqual(want);
    });
  }
});
