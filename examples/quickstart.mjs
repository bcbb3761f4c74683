// Version a dataset with the dvx library, push it to a remote, and get it back in a second
// workspace. Run from anywhere: `node examples/quickstart.mjs` (after `npm run build`).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Repo } from "dvx";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "dvx-quickstart-"));
const project = path.join(base, "project");
const storage = path.join(base, "storage"); // a local-directory remote; s3:// and gs:// URLs work the same way

// 1. A repository (no git here, to keep the example self-contained) with some data in it.
fs.mkdirSync(path.join(project, "data", "images"), { recursive: true });
for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(project, "data", "images", `img${i}.txt`), `image ${i}\n`);
fs.writeFileSync(path.join(project, "data", "labels.csv"), "file,label\nimg0.txt,cat\n");

const repo = Repo.init(project, { noScm: true });
try {
  // 2. Track it: hash into .dvc/cache, write data.dvc (byte-identical to what `dvc add` writes).
  const added = await repo.add(["data"], { cwd: project });
  for (const a of added) console.log(`added ${a.path} -> ${a.dvcFile}`);

  // 3. Workspace vs cache: {} means clean (DVC's `dvc status --json` shape).
  console.log("status:", JSON.stringify(await repo.status()));

  // 4. A default remote, then push: every object the remote lacks, files first, .dir last.
  repo.addRemote("storage", storage, { default: true, cwd: project });
  const pushed = await repo.push();
  console.log(`pushed ${pushed.transferred} objects (${pushed.bytes} bytes), ${pushed.failed.length} failed`);
} finally {
  repo.close();
}

// 5. Another workspace with only the pointer file and the config (what a `git clone` gives you).
const clone = path.join(base, "clone");
fs.mkdirSync(path.join(clone, ".dvc"), { recursive: true });
fs.copyFileSync(path.join(project, "data.dvc"), path.join(clone, "data.dvc"));
fs.copyFileSync(path.join(project, ".dvc", "config"), path.join(clone, ".dvc", "config"));
const other = Repo.open(clone);
try {
  const { fetch, checkout } = await other.pull(undefined, { cwd: clone });
  console.log(`pulled ${fetch.transferred} objects, checked out ${checkout.added.length} outputs`);
  const same = fs.readFileSync(path.join(clone, "data", "labels.csv"), "utf8") === fs.readFileSync(path.join(project, "data", "labels.csv"), "utf8");
  console.log(same ? "clone matches the original" : "MISMATCH");
  if (!same) process.exitCode = 1;
} finally {
  other.close();
  fs.rmSync(base, { recursive: true, force: true });
}
