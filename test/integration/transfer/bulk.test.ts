/**
 * 10,000 small objects pushed and fetched in one run (a 10,000-file directory): no socket or
 * memory exhaustion, everything arrives verified. Timings are printed, never asserted:
 *
 *   npx vitest run test/integration/transfer/bulk.test.ts
 *   DVX_BULK_FILES=3000 DVX_BULK_SIZE=10240 DVX_BULK_JOBS=8 (defaults; the 10,000-file CLI round trip lives in
 *   test/integration/remotes/remote-roundtrip.test.ts, so CI time is not spent twice)
 *   DVX_BULK_LOCAL=1 also runs it against a local-directory remote
 *
 * Resource bound checked: open TCP sockets never exceed jobs + a small margin (sampled).
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { fetch, push, type TransferRequest } from "../../../src/transfer/index.js";
import { skipReason } from "../../helpers/peers.js";
import { cleanupTemps, listAll, newCache, putDir, remoteTargets } from "./helpers.js";

// Removing ~50,000 files can take minutes on a busy CI disk.
afterAll(cleanupTemps, 900_000);

const FILES = Number(process.env.DVX_BULK_FILES ?? 3_000);
const SIZE = Number(process.env.DVX_BULK_SIZE ?? 10 * 1024);
const JOBS = Number(process.env.DVX_BULK_JOBS ?? 8);

function sampler(): { stop(): { maxSockets: number; maxRssMiB: number } } {
  let maxSockets = 0;
  let maxRss = 0;
  const tick = (): void => {
    const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    maxSockets = Math.max(maxSockets, sockets);
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  };
  const t = setInterval(tick, 50);
  return {
    stop() {
      clearInterval(t);
      tick();
      return { maxSockets, maxRssMiB: Math.round(maxRss / 1024 / 1024) };
    },
  };
}

const targets = remoteTargets().filter((t) => t.label.startsWith("s3") || (t.label === "local" && process.env.DVX_BULK_LOCAL === "1"));
for (const target of targets) {
  const why = target.available ? undefined : skipReason("s3");
  describe.skipIf(why !== undefined)(`bulk transfer, ${target.label}`, () => {
    it(`pushes and fetches ${FILES} x ${SIZE} B objects in one run`, { timeout: 600_000 }, async () => {
      const src = newCache();
      const files: Record<string, Buffer> = {};
      for (let i = 0; i < FILES; i++) files[`d${i % 100}/f${i}`] = randomBytes(SIZE);
      const dir = await putDir(src, files);
      const req: TransferRequest = { files: [], dirs: [{ oid: dir.oid, hashName: "md5" }] };
      const remote = await target.open({ jobs: JOBS });
      try {
        let s = sampler();
        let t0 = performance.now();
        const pushed = await push(req, { cache: src, remote, jobs: JOBS });
        const pushMs = performance.now() - t0;
        const pushRes = s.stop();
        expect(pushed.failed).toEqual([]);
        expect(pushed.transferred).toBe(FILES + 1);
        expect((await listAll(remote, "files/md5/")).length).toBe(FILES + 1);

        // A no-op re-push: the .dir on the remote vouches for its files (1 existence check).
        t0 = performance.now();
        const again = await push(req, { cache: src, remote, jobs: JOBS });
        const repushMs = performance.now() - t0;
        expect(again.transferred).toBe(0);

        const dst = newCache();
        s = sampler();
        t0 = performance.now();
        const fetched = await fetch(req, { cache: dst, remote, jobs: JOBS });
        const fetchMs = performance.now() - t0;
        const fetchRes = s.stop();
        expect(fetched.failed).toEqual([]);
        expect(fetched.transferred).toBe(FILES + 1);
        expect(await dst.exists(dir.oid, "md5")).toBe(true);
        expect(await dst.exists(dir.entries[FILES - 1]!.md5, "md5")).toBe(true);

        if (target.label !== "local") {
          expect(pushRes.maxSockets).toBeLessThanOrEqual(JOBS + 4);
          expect(fetchRes.maxSockets).toBeLessThanOrEqual(JOBS + 4);
        }
        const mb = (FILES * SIZE) / 1e6;
        console.log(
          `[bulk ${target.label}] ${FILES} x ${SIZE} B, jobs ${JOBS}: ` +
            `push ${(pushMs / 1000).toFixed(2)} s (${Math.round(FILES / (pushMs / 1000))} obj/s, ${(mb / (pushMs / 1000)).toFixed(1)} MB/s, ` +
            `max ${pushRes.maxSockets} sockets, max RSS ${pushRes.maxRssMiB} MiB); no-op re-push ${repushMs.toFixed(0)} ms; ` +
            `fetch ${(fetchMs / 1000).toFixed(2)} s (${Math.round(FILES / (fetchMs / 1000))} obj/s, ${(mb / (fetchMs / 1000)).toFixed(1)} MB/s, ` +
            `max ${fetchRes.maxSockets} sockets, max RSS ${fetchRes.maxRssMiB} MiB)`,
        );
      } finally {
        await remote.close();
      }
    });
  });
}
