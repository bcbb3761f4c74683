/**
 * When the event loop drains while a command is still pending (a promise nobody will ever settle:
 * a network library waiting on a socket that died without an error, as @google-cloud/storage did
 * on a connection cut mid-response), Node exits with status 0. `dvx push` used to stop half way
 * through that way, print nothing and exit 0: a silent "success" with objects missing from the
 * remote. The CLI must turn that into an error exit.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, tmpDir } from "../helpers/cli.js";

describe("a command that never completes", () => {
  it("exits non-zero with one clear line, never 0", () => {
    const dir = tmpDir("dvx-rel-hang-");
    // a loader hook that replaces one command by an operation that never settles
    fs.writeFileSync(
      path.join(dir, "hooks.mjs"),
      `export async function load(url, context, next) {
        if (url.endsWith("/cli/commands/version.js")) return { format: "module", shortCircuit: true, source: "export async function run() { await new Promise(() => {}); return 0; }" };
        return next(url, context);
      }`,
    );
    fs.writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
    const r = spawnSync(process.execPath, ["--import", path.join(dir, "register.mjs"), CLI, "version"], { encoding: "utf8" });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^ERROR: unexpected error: dvx stopped before the command finished/);
  });
});
