/**
 * `dvx gc -c` on a local-directory remote and on MinIO: refuses without -f (printing what it would
 * delete), keeps on the remote exactly what the scope uses (object by object, per layout), never
 * touches `runs/` or other non-object keys, and with -a never deletes what another branch uses.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeBucket, s3Client, s3Peer, skipReason } from "../../helpers/peers.js";
import { copyRepo, dvx, makeHistory, md5, nonObjectFiles, objectKeys, objKey, ok, sorted, tmpDir, union, usedKeys, writeTree, type History } from "./helpers.js";

let h: History;
const used: Record<string, Set<string>> = {};

beforeAll(() => {
  h = makeHistory();
  for (const [name, rev] of [["c1", h.c1], ["c2", h.c2], ["c3", h.c3], ["cf", h.cf]] as const) used[name] = usedKeys(h.dir, rev);
  used.ws = usedKeys(h.dir, undefined);
}, 120_000);

interface RemoteKind {
  name: string;
  skip: string | undefined;
  /** configures remote "store" (default) in `repo`; returns key listing, planting and deleting helpers */
  setup(repo: string): Promise<{ keys(): Promise<string[]>; plant(files: Record<string, string>): Promise<void> }>;
}

const OBJ_RE = /^(files\/md5\/)?[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/;

const kinds: RemoteKind[] = [
  {
    name: "local remote",
    skip: undefined,
    async setup(repo) {
      const store = path.join(tmpDir("dvx-gc-remote-"), "store");
      ok(dvx(["remote", "add", "-d", "store", store], { cwd: repo }));
      return {
        keys: async () => [...objectKeys(store), ...nonObjectFiles(store)].sort(),
        plant: async (files) => writeTree(store, files),
      };
    },
  },
  {
    name: "MinIO (S3)",
    skip: skipReason("s3"),
    async setup(repo) {
      const peer = s3Peer()!;
      const bucket = await makeBucket("s3");
      ok(dvx(["remote", "add", "-d", "store", `s3://${bucket}/prefix`], { cwd: repo }));
      ok(dvx(["remote", "modify", "store", "endpointurl", peer.endpoint], { cwd: repo }));
      ok(dvx(["remote", "modify", "--local", "store", "access_key_id", peer.accessKeyId], { cwd: repo }));
      ok(dvx(["remote", "modify", "--local", "store", "secret_access_key", peer.secretAccessKey], { cwd: repo }));
      const { ListObjectsV2Command, PutObjectCommand } = await import("@aws-sdk/client-s3");
      const client = await s3Client();
      return {
        keys: async () => {
          const keys: string[] = [];
          let token: string | undefined;
          do {
            const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "prefix/", ContinuationToken: token }));
            for (const o of r.Contents ?? []) keys.push(o.Key!.slice("prefix/".length));
            token = r.NextContinuationToken;
          } while (token);
          return keys.sort();
        },
        plant: async (files) => {
          for (const [k, v] of Object.entries(files)) await client.send(new PutObjectCommand({ Bucket: bucket, Key: `prefix/${k}`, Body: Buffer.from(v) }));
        },
      };
    },
  },
];

// garbage on the remote: orphans in both layouts, the legacy oid in the 3.x layout, and keys that
// are not objects at all
const PLANTED = () => ({
  [objKey(md5("remote-orphan"))]: "remote-orphan",
  [objKey(md5("remote-orphan-legacy"), true)]: "remote-orphan-legacy",
  [objKey(md5("[]") + ".dir")]: "[]",
  [objKey(h.legacyOid)]: "planted",
  "runs/ab/abcdef/0123": "run cache",
  "files/md5/ab/notanobject": "junk",
  "other/file.txt": "not dvc's",
});

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`dvx gc --cloud on a ${kind.name}`, { timeout: 240_000 }, () => {
    it("refuses without -f, then keeps exactly what the scope uses", async () => {
      const dir = copyRepo(h.dir);
      const remote = await kind.setup(dir);
      ok(dvx(["push", "-q", "-A"], { cwd: dir }));
      await remote.plant(PLANTED());
      const before = await remote.keys();
      const everything = union(used.ws!, used.c1!, used.c2!, used.c3!, used.cf!);
      // push -A uploaded every object any commit or the workspace uses
      expect(before.filter((k) => OBJ_RE.test(k) && everything.has(k)).length).toBe(everything.size);
      const cacheBefore = objectKeys(path.join(dir, ".dvc/cache"));

      // 1. without -f: nothing happens anywhere, and it says how much would go
      const keepA = union(used.ws!, used.c3!, used.cf!);
      const goneA = before.filter((k) => OBJ_RE.test(k) && !keepA.has(k));
      const r = dvx(["gc", "-a", "-c"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`gc --cloud deletes from a shared remote and needs -f: it would delete \\d+ objects .* and ${goneA.length} objects \\([^)]*\\) from remote 'store'`));
      expect(await remote.keys()).toEqual(before);
      expect(objectKeys(path.join(dir, ".dvc/cache"))).toEqual(cacheBefore);

      // 2. --dry lists them
      const dry = ok(dvx(["gc", "-a", "-c", "--dry"], { cwd: dir }));
      const remoteSection = dry.stdout.slice(dry.stdout.indexOf("Would remove from remote"));
      expect(sorted(remoteSection.split("\n").filter((l) => l.startsWith("    ")).map((l) => l.trim()))).toEqual(sorted(goneA));
      expect(await remote.keys()).toEqual(before);

      // 3. with -f: every object a branch tip or the workspace uses stays; non-objects are untouched
      const done = ok(dvx(["gc", "-a", "-c", "-f"], { cwd: dir }));
      expect(done.stdout).toContain(`Removed ${goneA.length} objects`);
      const after = await remote.keys();
      expect(after).toEqual(before.filter((k) => !OBJ_RE.test(k) || keepA.has(k)));
      expect(after).toContain("runs/ab/abcdef/0123");
      expect(after).toContain("other/file.txt");
      expect(after).toContain(objKey(h.legacyOid, true)); // used 2.x object, legacy layout
      expect(after).not.toContain(objKey(h.legacyOid)); // same oid planted in the 3.x layout
      for (const k of used.cf!) expect(after).toContain(k); // the other branch's data survives

      // 4. a fresh clone of the feature branch can still pull everything from the remote
      const clone = path.join(tmpDir("dvx-gc-clone-"), "c");
      fs.cpSync(dir, clone, { recursive: true });
      fs.rmSync(path.join(clone, ".dvc/cache"), { recursive: true, force: true });
      const { execFileSync } = await import("node:child_process");
      const config = fs.readFileSync(path.join(clone, ".dvc/config"), "utf8"); // the remote is not committed
      execFileSync("git", ["checkout", "-q", "-f", "feature"], { cwd: clone });
      fs.writeFileSync(path.join(clone, ".dvc/config"), config);
      const pull = ok(dvx(["pull", "-f"], { cwd: clone }));
      expect(pull.stderr).not.toMatch(/missing/);
      expect(fs.readFileSync(path.join(clone, "data/new"), "utf8")).toBe("new");
    });

    it("-w -c -f deletes from the remote what only other revisions use (the scope decides)", async () => {
      const dir = copyRepo(h.dir);
      const remote = await kind.setup(dir);
      ok(dvx(["push", "-q", "-A"], { cwd: dir }));
      const before = await remote.keys();
      const r = ok(dvx(["gc", "-w", "-c", "-f", "-r", "store"], { cwd: dir }));
      expect(r.stderr).toMatch(/without -a\/-A: objects that only other branches use are deleted from the remote too/);
      expect(await remote.keys()).toEqual(before.filter((k) => !OBJ_RE.test(k) || used.ws!.has(k)));
    });
  });
}
