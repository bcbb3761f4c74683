/**
 * A remote that cannot be used (missing or wrong credentials, wrong bucket, no permission,
 * unreachable or unresolvable endpoint) gives one clear error line naming the remote and what to
 * check: no stack trace, no secret, exit 1; for push, fetch, pull and status -c alike.
 */
import { createServer } from "node:net";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpDir, tmpRepo, writeTree } from "../helpers/cli.js";
import { gcsPeer, makeBucket, s3Peer, skipReason } from "../helpers/peers.js";
import { report } from "./helpers.js";

const SECRET = "Sup3rS3cretValue-do-not-print-0123456789";

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** An environment with no cloud credentials anywhere (no ~/.aws, no env keys, no metadata service). */
function noCredsEnv(): NodeJS.ProcessEnv {
  const home = tmpDir("dvx-rel-home-");
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"),
    AWS_CONFIG_FILE: path.join(home, "none"),
    AWS_EC2_METADATA_DISABLED: "true",
    GOOGLE_APPLICATION_CREDENTIALS: "",
    NO_GCE_CHECK: "true",
  };
}

let template: string | undefined;

/** A repository with a tracked dir and remote `r` (options in .dvc/config.local), written directly. */
function repoWith(remoteUrl: string, local: Record<string, string>): string {
  if (!template) {
    template = tmpRepo();
    writeTree(template, { "data/a.txt": "a\n", "data/b.txt": "b\n" });
    expect(dvx(["add", "-q", "data"], { cwd: template }).code).toBe(0);
  }
  const repo = tmpDir("dvx-rel-remote-err-");
  fs.cpSync(template, repo, { recursive: true });
  fs.writeFileSync(path.join(repo, ".dvc", "config"), `[core]\n    remote = r\n['remote "r"']\n    url = ${remoteUrl}\n`);
  fs.writeFileSync(path.join(repo, ".dvc", "config.local"), `['remote "r"']\n${Object.entries(local).map(([k, v]) => `    ${k} = ${v}\n`).join("")}`);
  return repo;
}

let casesChecked = 0;

/** Every command that talks to the remote fails with the same one clear line. */
function expectOneClearError(repo: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  for (const args of [["push"], ["fetch"], ["pull"], ["status", "-c", "--json"]]) {
    if (args[0] === "fetch" || args[0] === "pull") fs.rmSync(path.join(repo, ".dvc", "cache"), { recursive: true, force: true });
    const r = dvx(args, { cwd: repo, env });
    const what = `dvx ${args.join(" ")}:\n${r.stderr}`;
    expect(r.code, what).toBe(1);
    const lines = r.stderr.split("\n").filter((l) => l && !/^(Pushing|Fetching|Checking|Hashing|Collecting)/.test(l));
    const errors = lines.filter((l) => l.startsWith("ERROR: "));
    expect(errors, what).toHaveLength(1);
    expect(lines.filter((l) => !l.startsWith("ERROR: ") && !l.startsWith("hint: ")), what).toEqual([]);
    expect(errors[0], what).toMatch(/^ERROR: remote 'r' \(/);
    expect(errors[0], what).toMatch(pattern);
    expect(r.stderr + r.stdout, what).not.toContain(SECRET);
    expect(r.stderr, what).not.toMatch(/\n\s+at /);
    if (args.includes("--json")) {
      const j = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(j.error.code).toBe("REMOTE_ERROR");
      expect(j.error.message).toMatch(pattern);
    }
    casesChecked++;
  }
}

describe("remote errors are one clear line", () => {
  const s3Skip = skipReason("s3");
  describe.skipIf(s3Skip)("S3 (MinIO)", () => {
    it("missing credentials", () => {
      const repo = repoWith("s3://some-bucket/store", { endpointurl: s3Peer()!.endpoint });
      expectOneClearError(repo, /no AWS credentials found \(set access_key_id\/secret_access_key/, noCredsEnv());
    });

    it("wrong credentials", async () => {
      const bucket = await makeBucket("s3");
      const repo = repoWith(`s3://${bucket}/store`, { endpointurl: s3Peer()!.endpoint, access_key_id: "AKIAWRONGKEY", secret_access_key: SECRET });
      expectOneClearError(repo, /credentials rejected by .*\(InvalidAccessKeyId; check access_key_id\/secret_access_key/, noCredsEnv());
    });

    it("wrong secret for a valid key", async () => {
      const bucket = await makeBucket("s3");
      const repo = repoWith(`s3://${bucket}/store`, { endpointurl: s3Peer()!.endpoint, access_key_id: s3Peer()!.accessKeyId, secret_access_key: SECRET });
      expectOneClearError(repo, /credentials rejected by .*\(SignatureDoesNotMatch; check/, noCredsEnv());
    });

    it("wrong bucket", () => {
      const repo = repoWith("s3://no-such-bucket-dvx-test/store", { endpointurl: s3Peer()!.endpoint, access_key_id: s3Peer()!.accessKeyId, secret_access_key: s3Peer()!.secretAccessKey });
      expectOneClearError(repo, /bucket 'no-such-bucket-dvx-test' does not exist \(check the url and endpointurl/, noCredsEnv());
    });

    it("no permission (anonymous access to a private bucket)", async () => {
      const bucket = await makeBucket("s3");
      const repo = repoWith(`s3://${bucket}/store`, { endpointurl: s3Peer()!.endpoint, allow_anonymous_login: "true" });
      expectOneClearError(repo, /access denied \(.*check that the credentials in use may (write to|read) bucket/, noCredsEnv());
    });

    it("unreachable endpoint", async () => {
      const repo = repoWith("s3://some-bucket/store", { endpointurl: `http://127.0.0.1:${await closedPort()}`, access_key_id: "AKIAX", secret_access_key: SECRET });
      expectOneClearError(repo, /connection refused by endpoint http:\/\/127\.0\.0\.1:\d+ \(check the endpointurl and that the server is running\)/, noCredsEnv());
    });

    it("unresolvable endpoint host", () => {
      const repo = repoWith("s3://some-bucket/store", { endpointurl: "http://no-such-host.invalid:9000", access_key_id: "AKIAX", secret_access_key: SECRET });
      expectOneClearError(repo, /cannot resolve the host of endpoint http:\/\/no-such-host\.invalid:9000 \(check the endpointurl/, noCredsEnv());
    });

    it("credentials in the endpoint URL are not printed", async () => {
      const repo = repoWith("s3://some-bucket/store", { endpointurl: `http://user:${SECRET}@127.0.0.1:${await closedPort()}`, access_key_id: "AKIAX", secret_access_key: "x".repeat(12) });
      expectOneClearError(repo, /connection refused by endpoint http:\/\/127\.0\.0\.1:\d+ /, noCredsEnv());
    });
  });

  const gcsSkip = skipReason("gcs");
  describe.skipIf(gcsSkip)("GCS (fake-gcs-server)", () => {
    it("wrong bucket", () => {
      const repo = repoWith("gs://no-such-bucket-dvx-test/store", { endpointurl: gcsPeer()!.endpoint, projectname: "test" });
      expectOneClearError(repo, /bucket 'no-such-bucket-dvx-test' does not exist \(check the url and endpointurl/, noCredsEnv());
    });

    it("unreachable endpoint", async () => {
      const repo = repoWith("gs://some-bucket/store", { endpointurl: `http://127.0.0.1:${await closedPort()}`, projectname: "test" });
      expectOneClearError(repo, /connection refused by endpoint http:\/\/127\.0\.0\.1:\d+ \(check the endpointurl/, noCredsEnv());
    });

    it("credentials file that does not exist", () => {
      const repo = repoWith("gs://some-bucket/store", { credentialpath: "/nonexistent/key.json", projectname: "test" });
      expectOneClearError(repo, /cannot read the credentials file named by credentialpath \(check the path\)/, noCredsEnv());
    });
  });

  it("reports how many cases were checked", () => {
    report({ suite: "remote-errors", commandsChecked: casesChecked });
  });
});
