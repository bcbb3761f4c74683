/**
 * Remote byte-compatibility with real Python DVC, both directions, on a local remote and on MinIO:
 * - `dvc push` -> dvx fetch: dvx finds every object where DVC put it and caches it byte-identical;
 * - dvx push -> `dvc pull` / `dvc status -c`: DVC accepts the remote dvx wrote.
 */
import { mkdirSync, readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalCache } from "../../../src/cache/localCache.js";
import { openStorage } from "../../../src/storage/openStorage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { fetch, push, remoteStatus } from "../../../src/transfer/index.js";
import { makeBucket, runDvc, s3Peer, skipReason } from "../../helpers/peers.js";
import { cleanupTemps, tempDir } from "./helpers.js";

afterAll(cleanupTemps);

function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else out.push(relative(base, p));
  }
  return out.sort();
}

async function dvc(args: string[], cwd: string): Promise<string> {
  const r = await runDvc(args, { cwd });
  if (r.code !== 0) throw new Error(`dvc ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function writeDataset(root: string): void {
  mkdirSync(join(root, "data", "sub"), { recursive: true });
  writeFileSync(join(root, "data", "a.txt"), "hello\r\nworld\r\n");
  writeFileSync(join(root, "data", "b.bin"), Buffer.from([0, 1, 2, 3, 255]));
  writeFileSync(join(root, "data", "sub", "c.csv"), "x,y\n1,2\n");
  writeFileSync(join(root, "data", "sub", "empty"), "");
  writeFileSync(join(root, "single.txt"), "a single file\n");
}

function dvcOid(root: string, dvcFile: string): string {
  const m = /md5: ([0-9a-f]{32}(?:\.dir)?)/.exec(readFileSync(join(root, dvcFile), "utf8"));
  if (!m) throw new Error(`no md5 in ${dvcFile}`);
  return m[1]!;
}

interface RemoteKind {
  label: string;
  skip: string | undefined;
  make(): Promise<{ dvcUrl: string; dvcOptions: Record<string, string>; storage: () => Promise<Storage> }>;
}

const s3 = s3Peer();
const kinds: RemoteKind[] = [
  {
    label: "local remote",
    skip: undefined,
    make: async () => {
      const dir = join(tempDir("dvx-interop-remote-"), "store");
      return { dvcUrl: dir, dvcOptions: {}, storage: () => openStorage({ name: "r", url: dir, options: {} }) };
    },
  },
  {
    label: "MinIO",
    skip: s3 ? undefined : "s3",
    make: async () => {
      const bucket = await makeBucket("s3");
      const options = { endpointurl: s3!.endpoint, access_key_id: s3!.accessKeyId, secret_access_key: s3!.secretAccessKey };
      return {
        dvcUrl: `s3://${bucket}/dvcstore`,
        dvcOptions: options,
        storage: () => openStorage({ name: "r", url: `s3://${bucket}/dvcstore`, options }),
      };
    },
  },
];

const noDvc = skipReason("dvc");
for (const kind of kinds) {
  const why = noDvc ?? (kind.skip ? skipReason("s3") : undefined);
  describe.skipIf(why !== undefined)(`remote interop with Python DVC (${kind.label})`, () => {
    async function dvcRepo(remoteUrl: string, options: Record<string, string>): Promise<string> {
      const root = tempDir("dvx-interop-repo-");
      await dvc(["init", "--no-scm", "-q"], root);
      await dvc(["remote", "add", "-d", "r", remoteUrl], root);
      for (const [k, v] of Object.entries(options)) await dvc(["remote", "modify", "--local", "r", k, v], root);
      return root;
    }

    it("dvc push -> dvx fetch: same keys, byte-identical objects", async () => {
      const remote = await kind.make();
      const repo = await dvcRepo(remote.dvcUrl, remote.dvcOptions);
      writeDataset(repo);
      await dvc(["add", "-q", "data", "single.txt"], repo);
      await dvc(["push", "-q"], repo);
      const dirOid = dvcOid(repo, "data.dvc");
      const fileOid = dvcOid(repo, "single.txt.dvc");

      const storage = await remote.storage();
      try {
        const cache = new LocalCache(join(tempDir("dvx-interop-cache-"), "cache"));
        const req = { files: [{ oid: fileOid, hashName: "md5" as const }], dirs: [{ oid: dirOid, hashName: "md5" as const }] };
        const st = await remoteStatus(req, { cache, remote: storage });
        expect([...st.values()].every((v) => v.status === "deleted")).toBe(true);
        const res = await fetch(req, { cache, remote: storage });
        expect(res.failed).toEqual([]);
        expect(res.missing).toEqual([]);
        expect(res.transferred).toBe(6); // 4 files + .dir + single
        // The dvx cache now holds exactly what DVC's cache holds, byte for byte.
        const dvcCache = join(repo, ".dvc", "cache");
        const ours = walk(cache.root).filter((p) => !p.includes(".dvx-"));
        expect(ours).toEqual(walk(dvcCache).filter((p) => p.startsWith("files/")));
        for (const p of ours) expect(readFileSync(join(cache.root, p)).equals(readFileSync(join(dvcCache, p)))).toBe(true);
      } finally {
        await storage.close();
      }
    });

    it("dvx push -> dvc pull and dvc status -c accept the remote", async () => {
      // A DVC repo provides the cache and .dvc files; dvx pushes them to a fresh remote.
      const remote = await kind.make();
      const src = await dvcRepo(remote.dvcUrl, remote.dvcOptions);
      writeDataset(src);
      await dvc(["add", "-q", "data", "single.txt"], src);
      const dirOid = dvcOid(src, "data.dvc");
      const fileOid = dvcOid(src, "single.txt.dvc");
      const storage = await remote.storage();
      try {
        const cache = new LocalCache(join(src, ".dvc", "cache"));
        const res = await push(
          { files: [{ oid: fileOid, hashName: "md5" }], dirs: [{ oid: dirOid, hashName: "md5" }] },
          { cache, remote: storage },
        );
        expect(res.failed).toEqual([]);
        expect(res.transferred).toBe(6);
      } finally {
        await storage.close();
      }
      expect(await dvc(["status", "-c"], src)).toMatch(/in sync|up to date/i);

      // A second repo with only the .dvc files pulls everything from the dvx-written remote.
      const dst = await dvcRepo(remote.dvcUrl, remote.dvcOptions);
      for (const f of ["data.dvc", "single.txt.dvc"]) writeFileSync(join(dst, f), readFileSync(join(src, f)));
      await dvc(["pull", "-q"], dst);
      for (const p of ["data/a.txt", "data/b.bin", "data/sub/c.csv", "data/sub/empty", "single.txt"]) {
        expect(readFileSync(join(dst, p)).equals(readFileSync(join(src, p)))).toBe(true);
      }
    });
  });
}
