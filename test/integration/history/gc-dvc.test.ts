/**
 * `dvx gc` against real `dvc gc` on copies of the same history (3.x and legacy entries, orphans in
 * both layouts, non-object files): for each scope the same objects must remain, object by object.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { runDvc, skipReason } from "../../helpers/peers.js";
import { copyRepo, dvx, makeHistory, nonObjectFiles, objectKeys, ok, type History } from "./helpers.js";

const why = skipReason("dvc");
let h: History;

beforeAll(() => {
  if (!why) h = makeHistory();
}, 120_000);

describe.skipIf(why)("dvx gc leaves the cache dvc gc leaves", { timeout: 300_000 }, () => {
  for (const scope of [["-w"], ["-a"], ["-T"], ["-A"], ["-a", "-T"], ["--rev", "v2"]]) {
    it(`gc ${scope.join(" ")}`, async () => {
      const mine = copyRepo(h.dir);
      const theirs = copyRepo(h.dir);
      ok(dvx(["gc", ...scope, "-f"], { cwd: mine }));
      const r = await runDvc(["gc", ...scope, "-f"], { cwd: theirs });
      expect(r.code, r.stderr).toBe(0);
      const cache = (dir: string) => path.join(dir, ".dvc/cache");
      // every object (both layouts) is kept or deleted exactly as DVC does
      expect(objectKeys(cache(mine))).toEqual(objectKeys(cache(theirs)));
      // Deliberate difference: DVC's listing takes any `<2 chars>/<name>` under an ODB as an oid
      // (dvc-objects path_to_oid does not check hex), so `dvc gc` also deletes temp files such as
      // `files/md5/ab/.<random>.tmp` (possibly an `add` in progress) and junk like
      // `files/md5/zz/notanobject`. dvx deletes valid object paths only.
      expect(nonObjectFiles(cache(mine))).toEqual(nonObjectFiles(cache(h.dir)));
      const dvcJunk = nonObjectFiles(cache(theirs));
      expect(dvcJunk).not.toContain("files/md5/ab/.0123456789abcdef.tmp");
      expect(dvcJunk).toContain("runs/ab/abcdef/0123");
    });
  }
});
