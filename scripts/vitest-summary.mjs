#!/usr/bin/env node
// Runs vitest (extra args passed through), then prints the plain closing line CI reads
// ("N passed, N failed, N skipped") and exits with vitest's own exit code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "dvx-vitest-"));
const out = join(dir, "results.json");
const r = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)], { stdio: "inherit" });
let code = r.status ?? 1;
try {
  const j = JSON.parse(readFileSync(out, "utf8"));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  console.log(`vitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`);
  if (j.numTotalTests === 0) code = code || 1; // a run that tested nothing is not a pass
} catch {
  console.log("vitest: 0 passed, 1 failed (no results file: vitest did not finish)");
  code = code || 1;
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);
