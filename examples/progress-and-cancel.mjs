// Typed progress events and cancellation with an AbortSignal: a push is aborted part-way, then
// run again to completion (the remote keeps what the first run uploaded; nothing half-written).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DvxError, Repo } from "dvx";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "dvx-progress-"));
const project = path.join(base, "project");
fs.mkdirSync(path.join(project, "data"), { recursive: true });
for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(project, "data", `f${i}.txt`), `record ${i}\n`);

// One callback for every operation of this Repo; events are a discriminated union on `type`.
const seen = new Map(); // phase -> { items, bytes, failed }
const onProgress = (e) => {
  const s = seen.get(e.phase) ?? { items: 0, bytes: 0, failed: 0 };
  seen.set(e.phase, s);
  if (e.type === "item") {
    s.items = e.done.files; // cumulative for the phase; `e.total` once planning is done
    s.bytes = e.done.bytes;
  } else if (e.type === "fail") s.failed++;
  else if (e.type === "end") console.log(`${e.phase}: ${e.done.files} items, ${e.done.bytes} bytes, ${e.failed} failed, ${e.elapsedMs} ms`);
};

const repo = Repo.init(project, { noScm: true, onProgress });
try {
  await repo.add(["data"], { cwd: project });
  repo.addRemote("storage", path.join(base, "storage"), { default: true, cwd: project });

  // Abort after 100 uploaded objects. The signal can also come from a timeout:
  // AbortSignal.timeout(30_000).
  const controller = new AbortController();
  try {
    await repo.push(undefined, {
      jobs: 2,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "item" && e.done.files >= 100) controller.abort();
      },
    });
    console.log("push finished before it could be cancelled");
  } catch (e) {
    if (!(e instanceof DvxError && e.code === "ABORTED")) throw e;
    console.log(`push cancelled: ${e.code}`);
  }

  const again = await repo.push(); // uploads only what the first run did not
  console.log(`second push: ${again.transferred} transferred, ${again.failed.length} failed`);
  console.log(`hash events: ${seen.get("hash")?.items ?? 0} items`);
  const remote = await repo.cloudStatus();
  console.log(Object.keys(remote.status).length === 0 ? "remote is complete" : "remote is INCOMPLETE");
  if (Object.keys(remote.status).length) process.exitCode = 1;
} finally {
  repo.close();
  fs.rmSync(base, { recursive: true, force: true });
}
