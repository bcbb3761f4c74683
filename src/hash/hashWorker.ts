/**
 * Worker-thread entry of the hash pool (see pool.ts). Receives batches of files, hashes (and
 * optionally stores) them synchronously with one reused buffer and hasher, answers once per batch.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SyncFileHasher, serializeError } from "./hashStore.js";
import { createMd5Factory, type HashBackend } from "./md5.js";
import type { WorkerReply, WorkerRequest, WorkerResult } from "./poolProtocol.js";

const port = parentPort;
if (!port) throw new Error("hashWorker must run in a worker thread");
const { backend } = workerData as { backend: HashBackend };
const hasher = new SyncFileHasher(await createMd5Factory(backend));

/** Large files report progress at most every this many bytes. */
const BYTES_REPORT = 16 << 20;

port.on("message", (req: WorkerRequest) => {
  const abort = new Int32Array(req.abort);
  const aborted = () => Atomics.load(abort, 0) !== 0;
  const results: WorkerResult[] = [];
  // Every byte read is reported exactly once: large files every BYTES_REPORT, the rest with "done".
  let unreported = 0;
  let reported = 0;
  let total = 0;
  const onBytes = (n: number) => {
    unreported += n;
    if (unreported >= BYTES_REPORT) {
      port.postMessage({ type: "bytes", id: req.id, bytes: unreported } satisfies WorkerReply);
      reported += unreported;
      unreported = 0;
    }
  };
  for (const task of req.tasks) {
    if (aborted()) {
      results.push({ error: { message: "aborted", code: "ABORTED", dvx: true } });
      continue;
    }
    try {
      const r = hasher.hash(task, req.sink, aborted, onBytes);
      total += r.size;
      results.push(r);
    } catch (e) {
      results.push({ error: serializeError(e) });
    }
  }
  port.postMessage({ type: "done", id: req.id, results, bytes: Math.max(0, total - reported) } satisfies WorkerReply);
});
