/**
 * Direct access to the peers' buckets (never through the fault proxy): download everything under
 * a prefix into a directory so it can be checked like a local remote (every object hashes to its
 * name), and configure a dvx remote for MinIO / fake-gcs-server behind an endpoint.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { dvx } from "../helpers/cli.js";
import { gcsPeer, gcsStorage, s3Client, s3Peer } from "../helpers/peers.js";

export async function downloadPrefix(kind: "s3" | "gcs", bucket: string, prefix: string, into: string): Promise<number> {
  let n = 0;
  const put = (key: string, body: Buffer): void => {
    const rel = key.slice(prefix.length);
    const dest = path.join(into, ...rel.split("/"));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, body);
    n++;
  };
  if (kind === "s3") {
    const client = await s3Client();
    const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) {
          const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
          put(o.Key!, Buffer.from(await r.Body!.transformToByteArray()));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } finally {
      client.destroy();
    }
  } else {
    const storage = await gcsStorage();
    const [files] = await storage.bucket(bucket).getFiles({ prefix });
    for (const f of files) {
      const [buf] = await f.download();
      put(f.name, buf);
    }
  }
  return n;
}

/** Configures remote `name` (default) of `repo` for a bucket on a peer, reached through `endpoint`. */
export function configureRemote(repo: string, kind: "s3" | "gcs", bucket: string, endpoint: string, name = "r"): void {
  const cmds: string[][] =
    kind === "s3"
      ? [
          ["remote", "add", "-d", "-f", name, `s3://${bucket}/store`],
          ["remote", "modify", "--local", name, "endpointurl", endpoint],
          ["remote", "modify", "--local", name, "access_key_id", s3Peer()!.accessKeyId],
          ["remote", "modify", "--local", name, "secret_access_key", s3Peer()!.secretAccessKey],
        ]
      : [
          ["remote", "add", "-d", "-f", name, `gs://${bucket}/store`],
          ["remote", "modify", "--local", name, "endpointurl", endpoint],
          ["remote", "modify", "--local", name, "projectname", "test"],
        ];
  for (const args of cmds) {
    const r = dvx(args, { cwd: repo });
    expect(r.code, `dvx ${args.join(" ")}: ${r.stderr}`).toBe(0);
  }
}

export function peerEndpoint(kind: "s3" | "gcs"): string {
  return kind === "s3" ? s3Peer()!.endpoint : gcsPeer()!.endpoint;
}
