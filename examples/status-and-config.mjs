// Reading a repository's state for a dashboard or a CI gate: `dvc data status`-shaped results,
// remotes and config, with git (skipped when git is not installed).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Repo } from "dvx";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dvx-status-"));
let git = true;
try {
  execFileSync("git", ["init", "-q"], { cwd: dir });
  execFileSync("git", ["config", "user.email", "example@dvx.invalid"], { cwd: dir });
  execFileSync("git", ["config", "user.name", "example"], { cwd: dir });
} catch {
  git = false;
}
const repo = Repo.init(dir, { noScm: !git });
try {
  fs.writeFileSync(path.join(dir, "model.bin"), "weights v1\n");
  await repo.add(["model.bin"], { cwd: dir });
  if (git) execFileSync("git", ["add", "-A"], { cwd: dir }), execFileSync("git", ["commit", "-qm", "model v1"], { cwd: dir });

  fs.writeFileSync(path.join(dir, "model.bin"), "weights v2\n"); // changed, not yet committed to dvx

  const st = await repo.dataStatus(undefined, { cwd: dir, unchanged: true });
  // DVC's keys: not_in_cache, not_in_remote, committed, uncommitted, untracked, unchanged, git
  console.log("uncommitted:", JSON.stringify(st.uncommitted));
  if (st.uncommitted.modified?.includes("model.bin")) console.log("model.bin has uncommitted changes");

  // Remotes and config, as `dvc remote add/list` and `dvc config` would write and read them.
  repo.addRemote("backup", path.join(dir, "..", path.basename(dir) + "-backup"), { cwd: dir });
  repo.addRemote("cloud", "s3://example-bucket/dvcstore", { default: true });
  repo.modifyRemote("cloud", "region", "eu-west-1");
  repo.setConfig("cache.type", "reflink,hardlink,copy");
  for (const r of repo.remotes()) console.log(`remote ${r.name}: ${r.kind}${r.isDefault ? " (default)" : ""}`);
  console.log("cache.type =", repo.getConfig("cache.type"));
  console.log("config:", JSON.stringify(repo.listConfig({ level: "repo" })));
} finally {
  repo.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
