import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isDvxError, type DvxError } from "../../../src/errors.js";
import { openStorage } from "../../../src/storage/openStorage.js";
import { partSizeFor } from "../../../src/storage/s3Storage.js";
import { readAll } from "../../../src/storage/storage.js";
import { makeBucket, s3Client, s3Peer, skipReason } from "../../helpers/peers.js";
import { storageContract } from "./contract.js";

const why = skipReason("s3");

function creds(peer: NonNullable<ReturnType<typeof s3Peer>>): Record<string, string> {
  return { endpointurl: peer.endpoint, access_key_id: peer.accessKeyId, secret_access_key: peer.secretAccessKey };
}

/** Runs `op`, expects a REMOTE_ERROR, returns it. */
async function remoteError(op: () => Promise<unknown>): Promise<DvxError> {
  try {
    await op();
  } catch (e) {
    expect(isDvxError(e, "REMOTE_ERROR"), String(e)).toBe(true);
    return e as DvxError;
  }
  throw new Error("expected a REMOTE_ERROR");
}

describe("S3 backend without a server", () => {
  it("connection refused names the remote and the endpoint, without the secret", async () => {
    const secret = "s3cr3t-value-never-printed";
    const st = await openStorage({
      name: "deadend",
      url: "s3://bucket/prefix",
      options: { endpointurl: "http://127.0.0.1:1", access_key_id: "AKIDEXAMPLE", secret_access_key: secret },
    });
    try {
      const e = await remoteError(() => st.exists("files/md5/ab/cd"));
      expect(e.message).toMatch(/^remote 'deadend' \(s3:\/\/bucket\/prefix\): connection refused by endpoint http:\/\/127\.0\.0\.1:1/);
      expect(JSON.stringify(e)).not.toContain(secret);
    } finally {
      await st.close();
    }
  });

  it("part size grows so an object never needs more than 10,000 parts", () => {
    const MiB = 1024 * 1024;
    expect(partSizeFor(100 * MiB, 16 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(1024 * 1024 * MiB, 16 * MiB)).toBe(105 * MiB); // 1 TiB / 16 MiB = 65,536 parts > 10,000 -> grown to whole MiB
    expect(Math.ceil((1024 * 1024 * MiB) / partSizeFor(1024 * 1024 * MiB, 16 * MiB))).toBeLessThanOrEqual(10_000);
  });
});

describe.skipIf(why !== undefined)("S3 backend on MinIO", () => {
  const peer = s3Peer()!;
  let n = 0;
  storageContract("s3 (MinIO)", {
    open: async (tuning) => {
      const bucket = await makeBucket("s3");
      return openStorage({ name: "s3remote", url: `s3://${bucket}/dvcstore${n++}`, options: creds(peer) }, tuning);
    },
    verifiesMd5: true,
  });

  it("a missing bucket is a REMOTE_ERROR naming the remote and the bucket (exists, write, list, read)", async () => {
    const st = await openStorage({ name: "nobucket", url: "s3://no-such-bucket-dvx/x", options: creds(peer) });
    try {
      const ops = [
        () => st.exists("files/md5/ab/cd"),
        () => st.write("files/md5/ab/cd", Buffer.from("x")),
        () => st.read("files/md5/ab/cd"),
        async () => {
          for await (const _ of st.list("files/")) void _;
        },
      ];
      for (const op of ops) {
        const e = await remoteError(op);
        expect(e.message).toMatch(/^remote 'nobucket' \(s3:\/\/no-such-bucket-dvx\/x\): bucket 'no-such-bucket-dvx' does not exist/);
      }
    } finally {
      await st.close();
    }
  });

  it("bad credentials: one line naming the remote and what to check, never the secret", async () => {
    const bucket = await makeBucket("s3");
    const secret = "WRONG-secret-0123456789abcdef";
    const st = await openStorage({
      name: "badcreds",
      url: `s3://${bucket}/p`,
      options: { endpointurl: peer.endpoint, access_key_id: peer.accessKeyId, secret_access_key: secret },
    });
    const st2 = await openStorage({
      name: "badkey",
      url: `s3://${bucket}/p`,
      options: { endpointurl: peer.endpoint, access_key_id: "NOSUCHKEY", secret_access_key: secret },
    });
    try {
      for (const [s, name] of [
        [st, "badcreds"],
        [st2, "badkey"],
      ] as const) {
        for (const op of [() => s.exists("files/md5/ab/cd"), () => s.write("files/md5/ab/cd", Buffer.from("x")), () => s.read("ab/cd")]) {
          const e = await remoteError(op);
          expect(e.message).toMatch(new RegExp(`^remote '${name}' \\(s3://${bucket}/p\\): credentials rejected`));
          expect(e.message).toMatch(/check access_key_id\/secret_access_key/);
          expect(e.message.split("\n")).toHaveLength(1);
          expect(JSON.stringify(e)).not.toContain(secret);
          expect(String(e.stack)).not.toContain(secret);
        }
      }
    } finally {
      await st.close();
      await st2.close();
    }
  });

  it("anonymous (unsigned) access: denied on a private bucket, reads a public one", async () => {
    const bucket = await makeBucket("s3");
    const st = await openStorage({ name: "anon", url: `s3://${bucket}`, options: { endpointurl: peer.endpoint, allow_anonymous_login: "true" } });
    const owner = await openStorage({ name: "owner", url: `s3://${bucket}`, options: creds(peer) });
    try {
      const e = await remoteError(() => st.write("files/md5/ab/cd", Buffer.from("x")));
      expect(e.message).toMatch(/^remote 'anon' .*access denied/);
      // Once the bucket is public-read, unsigned requests read it.
      await owner.write("files/md5/ab/cd", Buffer.from("public"));
      const { PutBucketPolicyCommand } = await import("@aws-sdk/client-s3");
      const client = await s3Client();
      try {
        await client.send(
          new PutBucketPolicyCommand({
            Bucket: bucket,
            Policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/*`] },
                { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`] },
              ],
            }),
          }),
        );
      } finally {
        client.destroy();
      }
      expect((await readAll(await st.read("files/md5/ab/cd"))).toString()).toBe("public");
      expect(await st.exists("files/md5/ab/cd")).toBe(true);
    } finally {
      await st.close();
      await owner.close();
    }
  });

  it("uses a profile from the file named by credentialpath (SDK default chain)", async () => {
    const bucket = await makeBucket("s3");
    const dir = mkdtempSync(join(tmpdir(), "dvx-aws-"));
    try {
      const credFile = join(dir, "credentials");
      writeFileSync(credFile, `[dvxtest]\naws_access_key_id = ${peer.accessKeyId}\naws_secret_access_key = ${peer.secretAccessKey}\n`);
      const st = await openStorage({
        name: "profiled",
        url: `s3://${bucket}/p`,
        options: { endpointurl: peer.endpoint, profile: "dvxtest", credentialpath: credFile },
      });
      try {
        await st.write("files/md5/ab/cd", Buffer.from("via profile"));
        expect((await readAll(await st.read("files/md5/ab/cd"))).toString()).toBe("via profile");
      } finally {
        await st.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("retries connection resets (a real TCP proxy in front of MinIO resets the first connections)", async () => {
    const bucket = await makeBucket("s3");
    const target = new URL(peer.endpoint);
    let resets = 2;
    const proxy: Server = createServer((client) => {
      if (resets > 0) {
        resets--;
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close);
      upstream.on("error", close);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const port = (proxy.address() as { port: number }).port;
    const st = await openStorage(
      { name: "flaky", url: `s3://${bucket}`, options: { ...creds(peer), endpointurl: `http://127.0.0.1:${port}` } },
      { retry: { baseDelayMs: 1, maxDelayMs: 5 } },
    );
    try {
      await st.write("files/md5/ab/cd", Buffer.from("survived"));
      expect(resets).toBe(0);
      expect((await readAll(await st.read("files/md5/ab/cd"))).toString()).toBe("survived");
    } finally {
      await st.close();
      proxy.close();
    }
  });
});
