/** The scripts in examples/ (docs/library.md points at them) run, and the TypeScript one type-checks against the shipped .d.ts. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT, tmpDir } from "../helpers/cli.js";

// each case runs the CLI many times; a loaded machine makes that slow (no timing is asserted)
vi.setConfig({ testTimeout: 600_000 });

const EXAMPLES = path.join(REPO_ROOT, "examples");

function run(file: string) {
  // from a scratch directory: the examples find "dvx" through the package's self-reference
  const r = spawnSync(process.execPath, [path.join(EXAMPLES, file)], { cwd: tmpDir("dvx-example-run-"), encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("examples/", () => {
  it("has the scripts docs/library.md names", () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs/library.md"), "utf8");
    for (const f of fs.readdirSync(EXAMPLES).filter((f) => /\.(mjs|ts)$/.test(f))) expect(doc).toContain(`examples/${f}`);
  });

  it("quickstart.mjs: init, add, push, pull into a second workspace", () => {
    const r = run("quickstart.mjs");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("added data -> data.dvc");
    expect(r.stdout).toMatch(/pushed 22 objects \(\d+ bytes\), 0 failed/);
    expect(r.stdout).toContain("clone matches the original");
  });

  it("progress-and-cancel.mjs: typed events, an aborted push, a resumed one", () => {
    const r = run("progress-and-cancel.mjs");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hash: 500 items/m);
    expect(r.stdout).toContain("push cancelled: ABORTED");
    expect(r.stdout).toMatch(/second push: \d+ transferred, 0 failed/);
    expect(r.stdout).toContain("remote is complete");
  });

  it("status-and-config.mjs: data status, remotes, config", () => {
    const r = run("status-and-config.mjs");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("model.bin has uncommitted changes");
    expect(r.stdout).toContain("remote cloud: s3 (default)");
    expect(r.stdout).toContain("cache.type = reflink,hardlink,copy");
  });

  it("edit-commit-gc.mjs: commit, checkout, gc with a confirm callback, fetch", () => {
    const r = run("edit-commit-gc.mjs");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('status: {"data.dvc":[{"changed outs":{"data":"modified"}}]}');
    expect(r.stdout).toContain("committed data.dvc");
    expect(r.stdout).toContain("checkout: 0 failed, part3.csv is back");
    expect(r.stdout).toContain("gc would delete 2 objects\ngc removed 2 objects"); // the old part0.csv and the old .dir
    expect(r.stdout).toContain("fetched 6 objects, 0 failed");
    expect(r.stdout).toContain("status after fetch: {}");
  });

  it("typed.ts type-checks against dist/src/index.d.ts", () => {
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", path.join(EXAMPLES, "tsconfig.json")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
