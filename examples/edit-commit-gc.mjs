// The day-to-day loop with the dvx library: change tracked data, commit it, restore an old file
// with checkout, fetch what the cache lost from the remote, and clean the cache with gc.
// Run from anywhere: `node examples/edit-commit-gc.mjs` (after `npm run build`).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Repo } from "dvx";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "dvx-edit-commit-gc-"));
const project = path.join(base, "project");
fs.mkdirSync(path.join(project, "data"), { recursive: true });
for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(project, "data", `part${i}.csv`), `id,value\n${i},${i * i}\n`);

const repo = Repo.init(project, { noScm: true });
try {
  await repo.add(["data"], { cwd: project });
  repo.addRemote("storage", path.join(base, "storage"), { default: true, cwd: project });
  await repo.push();

  // 1. Edit a tracked file: status names the output, commit records the new version.
  fs.writeFileSync(path.join(project, "data", "part0.csv"), "id,value\n0,100\n");
  console.log("status:", JSON.stringify(await repo.status(undefined, { cwd: project })));
  const { committed } = await repo.commit(["data"], { cwd: project, force: true });
  console.log(`committed ${committed.filter((c) => c.changed).map((c) => c.file).join(", ")}`);

  // 2. A file deleted by accident comes back from the cache.
  fs.rmSync(path.join(project, "data", "part3.csv"));
  const restored = await repo.checkout(undefined, { cwd: project });
  console.log(`checkout: ${restored.failed.length} failed, part3.csv ${fs.existsSync(path.join(project, "data", "part3.csv")) ? "is back" : "is MISSING"}`);

  // 3. The old version of part0.csv is still in the cache; gc removes what no output uses.
  //    confirm() sees the plan first; returning false would delete nothing.
  const gc = await repo.gc({
    workspace: true,
    confirm: (plan) => {
      const n = plan.local.reduce((s, l) => s + l.files.length + l.dirs.length, 0);
      console.log(`gc would delete ${n} objects`);
      return true;
    },
  });
  console.log(`gc removed ${gc.removedLocal} objects`);

  // 4. Lose the whole cache, then get the current version back from the remote (push it first).
  await repo.push();
  fs.rmSync(path.join(project, ".dvc", "cache"), { recursive: true });
  const fetched = await repo.fetch();
  console.log(`fetched ${fetched.transferred} objects, ${fetched.failed.length} failed`);
  console.log("status after fetch:", JSON.stringify(await repo.status(undefined, { cwd: project })));
} finally {
  repo.close();
  fs.rmSync(base, { recursive: true, force: true });
}
