/**
 * Bounded concurrency: `jobs` workers take items in order until none are left (or the signal is
 * aborted: no new item starts, running ones finish). `fn` is expected to catch its own per-item
 * failures; an exception from it stops only its worker's loop and is rethrown at the end.
 */
import { availableParallelism } from "node:os";

export function defaultTransferJobs(): number {
  return 4 * Math.max(1, availableParallelism());
}

export async function runPool<T>(
  items: readonly T[],
  jobs: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stopped) {
      if (signal?.aborted) return;
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        stopped = true; // the other workers finish their current item and stop
        throw e;
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(jobs) || 1, items.length));
  if (items.length === 0) return;
  await Promise.all(Array.from({ length: n }, worker));
}
