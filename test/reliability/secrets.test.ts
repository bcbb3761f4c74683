/**
 * Secrets (issue #7): credentials are never printed in errors, progress/verbose output or --json
 * output, and `remote modify` warns when a secret goes into the shared, git-tracked
 * `.dvc/config` instead of `.dvc/config.local`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpRepo, writeTree } from "../helpers/cli.js";
import { makeBucket, s3Peer, skipReason } from "../helpers/peers.js";
import { report } from "./helpers.js";

const SECRETS = {
  secret_access_key: "SecretAccessKey-0123456789-abcdefghij",
  session_token: "SessionToken-0123456789-abcdefghij",
  sse_customer_key: "SseCustomerKey-0123456789-abcdefghij",
};
const ALL = Object.values(SECRETS);

function noSecretIn(text: string, what: string, extra: string[] = []): void {
  for (const s of [...ALL, ...extra]) expect(text.includes(s), `${what} prints a secret`).toBe(false);
}

let outputsChecked = 0;

describe("secrets", () => {
  it("remote modify warns when a secret goes into .dvc/config, not with --local or for other options", () => {
    const repo = tmpRepo();
    expect(dvx(["remote", "add", "-d", "r", "s3://bucket/store"], { cwd: repo }).code).toBe(0);
    for (const key of ["secret_access_key", "session_token", "password", "account_key"]) {
      const shared = dvx(["remote", "modify", "r", key, "v4lue"], { cwd: repo });
      expect(shared.code).toBe(0);
      expect(shared.stderr).toMatch(new RegExp(`^WARNING: '${key}' is a secret and \\.dvc/config is tracked by git; prefer 'dvx remote modify --local r ${key} \\.\\.\\.' \\(writes \\.dvc/config\\.local\\)`));
      expect(shared.stderr).not.toContain("v4lue");
      const local = dvx(["remote", "modify", "--local", "r", key, "v4lue"], { cwd: repo });
      expect(local.code).toBe(0);
      expect(local.stderr).toBe("");
    }
    for (const key of ["endpointurl", "region"]) {
      const r = dvx(["remote", "modify", "r", key, "x"], { cwd: repo });
      expect(r.stderr, key).toBe("");
    }
    // --unset of a secret in the shared config is not a warning either
    expect(dvx(["remote", "modify", "--unset", "r", "secret_access_key"], { cwd: repo }).stderr).toBe("");
  });

  const s3Skip = skipReason("s3");
  it.skipIf(s3Skip)("credentials never appear in the output of any command, plain, verbose or --json, failing or not", async () => {
    const bucket = await makeBucket("s3");
    const peer = s3Peer()!;
    const repo = tmpRepo();
    writeTree(repo, { "data/a.txt": "a\n", "data/b.txt": "b\n" });
    expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
    fs.writeFileSync(path.join(repo, ".dvc", "config"), `[core]\n    remote = r\n['remote "r"']\n    url = s3://${bucket}/store\n`);
    const writeLocal = (secret: string, token?: string) =>
      fs.writeFileSync(
        path.join(repo, ".dvc", "config.local"),
        `['remote "r"']\n    endpointurl = ${peer.endpoint}\n    access_key_id = ${peer.accessKeyId}\n    secret_access_key = ${secret}\n${token ? `    session_token = ${token}\n` : ""}`,
      );
    const commands = [["push", "-v"], ["push", "--json"], ["fetch", "-v"], ["pull", "--json"], ["status", "-c", "--json"], ["data", "status", "--not-in-remote", "--json"], ["ls-cache", "-c", "--json"], ["remote", "list", "--json"], ["version", "--json"]];
    // the right secret: everything works, nothing shows it
    writeLocal(peer.secretAccessKey);
    for (const args of commands) {
      const r = dvx(args, { cwd: repo });
      noSecretIn(r.stdout + r.stderr, `dvx ${args.join(" ")} (working remote)`, [peer.secretAccessKey]);
      outputsChecked++;
    }
    expect(dvx(["status", "-c", "--json"], { cwd: repo }).stdout.trim()).toBe("{}");
    // a wrong secret and a session token: every remote command fails, and says so without them
    writeLocal(SECRETS.secret_access_key, SECRETS.session_token);
    fs.rmSync(path.join(repo, ".dvc", "cache"), { recursive: true });
    for (const args of commands) {
      const r = dvx(args, { cwd: repo });
      noSecretIn(r.stdout + r.stderr, `dvx ${args.join(" ")} (wrong secret)`);
      outputsChecked++;
    }
    // the session token and an SSE-C key are secrets too (the request then fails: MinIO over http refuses SSE-C)
    fs.appendFileSync(path.join(repo, ".dvc", "config.local"), `    sse_customer_key = ${SECRETS.sse_customer_key}\n`);
    for (const args of [["fetch", "-v"], ["fetch", "--json"]]) {
      const r = dvx(args, { cwd: repo });
      noSecretIn(r.stdout + r.stderr, `dvx ${args.join(" ")} (sse-c)`);
      outputsChecked++;
    }
    report({ suite: "secrets", outputsChecked });
  });
});
