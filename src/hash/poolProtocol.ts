/** Messages between the hash pool and its workers (one request and one reply per batch). */
import type { HashOutcome, HashTask, ObjectSink, SerializedError } from "./hashStore.js";

export interface WorkerRequest {
  id: number;
  tasks: HashTask[];
  sink?: ObjectSink;
  /** Int32Array[1] over a SharedArrayBuffer: non-zero = abort this job. */
  abort: SharedArrayBuffer;
}

export type WorkerResult = HashOutcome | { error: SerializedError };

export type WorkerReply =
  | { type: "done"; id: number; results: WorkerResult[]; bytes: number }
  | { type: "bytes"; id: number; bytes: number };
