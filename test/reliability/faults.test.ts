/**
 * Faults from remotes (issue #7): a seeded fault-injecting proxy (test/helpers/faultProxy.ts) in
 * front of MinIO and fake-gcs-server answers 503 SlowDown / 500, resets connections before and
 * mid-body, truncates upload bodies, flips a byte of downloads and adds latency. push, fetch and
 * pull either succeed through retries or fail with a clear error (one ERROR line per failed object,
 * no stack trace), are re-run until they succeed (bounded), and after EVERY attempt the bucket and
 * the caches are checked directly (not through the proxy): every object hashes to its name, no
 * `.dir` is on the remote without its files, nothing truncated or wrong is ever stored.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dvx, tmpDir, tmpRepo } from "../helpers/cli.js";
import { FAULT_KINDS, startFaultProxy, type FaultProxy, type FaultRates } from "../helpers/faultProxy.js";
import { makeBucket, skipReason } from "../helpers/peers.js";
import { git } from "./crash.js";
import { baseSeed, checkOdb, dvcFileOid, hashTree, manifestOf, report, runDvx, writeDataset } from "./helpers.js";
import { configureRemote, downloadPrefix, peerEndpoint } from "./remotes.js";

const RATES: FaultRates = { "503": 0.06, "500": 0.03, reset: 0.04, truncReq: 0.04, resetResp: 0.05, corrupt: 0.03, latency: 0.1, latencyMs: [5, 120] };
const MAX_ATTEMPTS = 6;
/**
 * A connection cut mid-response is only noticed by a stall timeout with GCS (see gcsStorage.ts);
 * 60 s by default, 3 s here so each such fault costs seconds, not minutes.
 */
const STALL_ENV = { DVX_GCS_STALL_TIMEOUT_MS: "3000" };

interface OpFigures {
  op: string;
  attempts: number;
  failedAttempts: number;
  objectFailures: number;
  requests: number;
  faults: number;
  /** The first lines of each failed attempt's stderr (the "clear error" the user saw). */
  messages: string[];
}

const totals = { kinds: {} as Record<string, { requests: number; faults: Record<string, number>; latency: number; ops: OpFigures[] }> };

afterAll(() => {
  for (const [kind, t] of Object.entries(totals.kinds)) {
    const injected = Object.values(t.faults).reduce((a, b) => a + b, 0);
    report({
      suite: "faults",
      remote: kind,
      requests: t.requests,
      faultsInjected: injected,
      byKind: t.faults,
      latencyAdded: t.latency,
      operations: t.ops,
      wrongObjectsStored: 0,
    });
  }
});

/** A failed transfer says so in ERROR lines (one per failed object), never with a stack trace. */
function expectClearFailure(stderr: string, remoteName: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(stderr).not.toMatch(/TypeError|ReferenceError|undefined is not/);
  expect(stderr).toMatch(/^ERROR: /m);
  expect(stderr).not.toMatch(/^ERROR: unexpected/m);
  if (/^ERROR: remote/m.test(stderr)) expect(stderr).toContain(`'${remoteName}'`);
}

for (const kind of ["s3", "gcs"] as const) {
  const why = skipReason(kind);
  describe.skipIf(why)(`faults through a proxy in front of ${kind === "s3" ? "MinIO" : "fake-gcs-server"}`, () => {
    let proxy: FaultProxy | undefined;
    afterAll(async () => {
      await proxy?.close();
    });

    it("push, fetch and pull succeed through retries or fail clearly; nothing wrong is ever stored", { timeout: 600_000 }, async () => {
      const bucket = await makeBucket(kind);
      proxy = await startFaultProxy({ target: peerEndpoint(kind), seed: baseSeed() + (kind === "s3" ? 1 : 2), rates: RATES, flavor: kind });
      const t = (totals.kinds[kind] = { requests: 0, faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])), latency: 0, ops: [] as OpFigures[] });
      const mirror = tmpDir("dvx-rel-mirror-");

      /** The bucket, read directly: every object must hash to its name; .dir only with its files. */
      const checkBucket = async () => {
        fs.rmSync(mirror, { recursive: true, force: true });
        await downloadPrefix(kind, bucket, "store/", mirror);
        const objs = checkOdb(mirror);
        expect(objs.bad, "a wrong object was stored on the remote").toEqual([]);
        expect(objs.other).toEqual([]);
        for (const oid of objs.oids) {
          if (!oid.endsWith(".dir")) continue;
          for (const md5 of manifestOf(mirror, oid).values()) expect(objs.oids.has(md5), `.dir ${oid} on the remote without ${md5}`).toBe(true);
        }
        return objs;
      };

      const run = async (op: string, args: string[], cwd: string, after: () => Promise<void> | void) => {
        const fig: OpFigures = { op, attempts: 0, failedAttempts: 0, objectFailures: 0, requests: 0, faults: 0, messages: [] };
        const before = { requests: proxy!.stats.requests, faults: proxy!.injected() };
        for (;;) {
          fig.attempts++;
          const r = await runDvx([...args, "-j", "8"], { cwd, env: STALL_ENV });
          await after();
          if (r.code === 0) break;
          fig.failedAttempts++;
          fig.messages.push(...r.stderr.split("\n").filter((l) => l.startsWith("ERROR") || l.startsWith("\t")).slice(0, 3).map((l) => l.slice(0, 300)));
          fig.objectFailures += (r.stderr.match(/^\t[0-9a-f]{32}/gm) ?? []).length;
          expect(r.code, r.stderr).toBe(1);
          expectClearFailure(r.stderr, "r");
          expect(fig.attempts, `${op} still failing after ${MAX_ATTEMPTS} attempts:\n${r.stderr}`).toBeLessThan(MAX_ATTEMPTS);
        }
        fig.requests = proxy!.stats.requests - before.requests;
        fig.faults = proxy!.injected() - before.faults;
        t.ops.push(fig);
        return fig;
      };

      // producer: two versions, pushed through the proxy
      const a = tmpRepo();
      configureRemote(a, kind, bucket, proxy.url);
      const spec = { files: 120, size: 12 * 1024, big: { count: 2, size: 3 * 1024 * 1024 } };
      writeDataset(path.join(a, "data"), spec, 21);
      expect(dvx(["add", "-q", "data"], { cwd: a }).code).toBe(0);
      await run("push", ["push", "-q"], a, checkBucket);
      git(a, "add", ".");
      git(a, "commit", "-q", "-m", "v1");
      const objs = await checkBucket();
      const oid = dvcFileOid(path.join(a, "data.dvc"))!;
      const manifest = manifestOf(path.join(a, ".dvc", "cache"), oid);
      const absent = [oid, ...manifest.values()].filter((o) => !objs.oids.has(o));
      expect(absent, `push succeeded but ${absent.length} objects are not on the remote (of ${objs.oids.size} there)`).toEqual([]);

      // consumer 1: fetch into an empty cache
      const b = tmpDir("dvx-rel-clone-");
      git(b, "clone", "-q", a, ".");
      configureRemote(b, kind, bucket, proxy.url);
      const cacheB = path.join(b, ".dvc", "cache");
      await run("fetch", ["fetch", "-q"], b, () => {
        const c = checkOdb(cacheB, { requireReadOnly: true });
        expect(c.bad, "a wrong object entered the cache").toEqual([]);
        // a cached .dir promises its files (fetch writes it last)
        for (const o of c.oids) if (o.endsWith(".dir")) for (const m of manifestOf(cacheB, o).values()) expect(c.oids.has(m)).toBe(true);
      });
      expect(checkOdb(cacheB).oids.size).toBe(manifest.size + 1);

      // consumer 2: pull into an empty cache and workspace
      const c = tmpDir("dvx-rel-clone-");
      git(c, "clone", "-q", a, ".");
      configureRemote(c, kind, bucket, proxy.url);
      await run("pull", ["pull", "-q"], c, () => {
        expect(checkOdb(path.join(c, ".dvc", "cache"), { requireReadOnly: true }).bad).toEqual([]);
        // every file in the workspace is a complete, correct version
        for (const [rel, md5] of hashTree(path.join(c, "data")).files) expect(md5, rel).toBe(manifest.get(rel));
      });
      expect(hashTree(path.join(c, "data")).files).toEqual(manifest);

      // a second version pushed over the first, and status -c through the faults
      writeDataset(path.join(a, "data", "more"), { files: 60, size: 8 * 1024 }, 22);
      expect(dvx(["add", "-q", "data"], { cwd: a }).code).toBe(0);
      await run("push", ["push", "-q"], a, checkBucket);
      let st = await runDvx(["status", "-c", "--json"], { cwd: a, env: STALL_ENV });
      for (let i = 0; st.code !== 0 && i < MAX_ATTEMPTS; i++) {
        expectClearFailure(st.stderr, "r");
        st = await runDvx(["status", "-c", "--json"], { cwd: a, env: STALL_ENV });
      }
      expect(st.code, st.stderr).toBe(0);
      expect(JSON.parse(st.stdout)).toEqual({});

      t.requests = proxy.stats.requests;
      t.latency = proxy.stats.latency;
      for (const k of FAULT_KINDS) t.faults[k] = proxy.stats.faults[k];
      expect(proxy.injected()).toBeGreaterThan(20);
    });
  });
}
