import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, read, tmpRepo } from "../../helpers/cli.js";

describe("dvx remote / config write DVC's configobj files", () => {
  it("add -d, modify, --local secrets, list, default, rename, remove", () => {
    const dir = tmpRepo();
    expect(dvx(["remote", "add", "-d", "storage", "s3://mybucket/dvcstore"], { cwd: dir }).code).toBe(0);
    expect(dvx(["remote", "modify", "storage", "region", "us-east-1"], { cwd: dir }).code).toBe(0);
    expect(dvx(["remote", "add", "gcs", "gs://bkt/dvcstore"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe(
      "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://mybucket/dvcstore\n    region = us-east-1\n['remote \"gcs\"']\n    url = gs://bkt/dvcstore\n",
    );
    // a secret in the shared config gets a warning; in config.local it does not
    const shared = dvx(["remote", "modify", "storage", "secret_access_key", "s3cr3t"], { cwd: dir });
    expect(shared.stderr).toMatch(/WARNING: 'secret_access_key' is a secret/);
    expect(shared.stderr).not.toContain("s3cr3t");
    expect(dvx(["remote", "modify", "--unset", "storage", "secret_access_key"], { cwd: dir }).code).toBe(0);
    const local = dvx(["remote", "modify", "--local", "storage", "secret_access_key", "s3cr3t"], { cwd: dir });
    expect(local.stderr).toBe("");
    expect(read(dir, ".dvc/config.local")).toBe("['remote \"storage\"']\n    secret_access_key = s3cr3t\n");

    expect(dvx(["remote", "list"], { cwd: dir }).stdout).toBe("storage\ts3://mybucket/dvcstore\t(default)\ngcs\tgs://bkt/dvcstore\n");
    expect(dvx(["remote", "default"], { cwd: dir }).stdout).toBe("storage\n");
    expect(dvx(["remote", "default", "gcs"], { cwd: dir }).code).toBe(0);
    expect(dvx(["config", "core.remote"], { cwd: dir }).stdout).toBe("gcs\n");
    expect(dvx(["remote", "rename", "gcs", "google"], { cwd: dir }).code).toBe(0);
    expect(dvx(["config", "core.remote"], { cwd: dir }).stdout).toBe("google\n");
    expect(dvx(["remote", "remove", "google"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("['remote \"storage\"']\n    url = s3://mybucket/dvcstore\n    region = us-east-1\n");
  });

  it("names are case-insensitive; adding an existing remote needs --force", () => {
    const dir = tmpRepo();
    expect(dvx(["remote", "add", "MyRemote", "/tmp/x"], { cwd: dir }).code).toBe(0);
    const again = dvx(["remote", "add", "myremote", "/tmp/y"], { cwd: dir });
    expect(again.code).toBe(251); // DVC's ConfigError exit code for remote/config commands
    expect(again.stderr).toMatch(/already exists/);
    expect(dvx(["remote", "add", "-f", "myremote", "/tmp/y"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("['remote \"myremote\"']\n    url = /tmp/y\n");
    expect(dvx(["remote", "modify", "nope", "url", "x"], { cwd: dir }).stderr).toMatch(/remote 'nope' doesn't exist/);
  });

  it("relative local paths are stored relative to .dvc/ like DVC", () => {
    const dir = tmpRepo();
    expect(dvx(["remote", "add", "x", "../store"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("['remote \"x\"']\n    url = ../../store\n");
    expect(dvx(["remote", "add", "y", "store2"], { cwd: path.join(dir, ".dvc") }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toContain("url = store2\n");
  });

  it("config get/set/unset/list and unknown keys", () => {
    const dir = tmpRepo();
    expect(dvx(["config", "cache.type", "hardlink,symlink"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe('[cache]\n    type = "hardlink,symlink"\n');
    expect(dvx(["config", "cache.type"], { cwd: dir }).stdout).toBe("hardlink,symlink\n");
    expect(JSON.parse(dvx(["config", "-l", "--json"], { cwd: dir }).stdout)).toEqual({ "cache.type": "hardlink,symlink" });
    expect(dvx(["config", "-u", "cache.type"], { cwd: dir }).code).toBe(0);
    expect(read(dir, ".dvc/config")).toBe("\n");
    const bad = dvx(["config", "core.nonsense", "1"], { cwd: dir });
    expect(bad.code).toBe(251);
    expect(bad.stderr).toMatch(/not a known option/);
  });
});
