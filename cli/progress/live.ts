/**
 * The live UI, main-thread side. Events fold into the ProgressModel (O(1) each); every
 * `intervalMs` a snapshot (a few small objects) is posted to the ink worker (inkWorker.ts), which
 * draws it. So the thread running the transfer never runs React, layout or terminal writes.
 *
 * Measured (docs/cli.md, "Overhead of the live UI"): with ink on the main thread, a 3,001-object
 * push to a local remote in tmux took 41 s against 18 s with -q on a loaded 2-vCPU machine (ink's
 * render cost ~2-8 ms of CPU a frame, plus blocking writes to a slow pty). In the worker the
 * difference is within the noise of the runs while a core is free for it; on a saturated 2-vCPU
 * machine the worker's ~1.2-2 s of CPU still competes with the transfer (docs/cli.md has the figures).
 */
import * as fs from "node:fs";
import { Worker } from "node:worker_threads";
import type { ProgressEvent } from "../../src/progress.js";
import { ProgressModel } from "./model.js";
import { verboseLine } from "./plain.js";
import type { Reporter } from "./reporter.js";

export interface LiveOptions {
  verbose?: boolean;
  cwd?: string;
  intervalMs?: number;
  model?: ProgressModel;
  /** -v lines collected before the UI came up */
  early?: string[];
  /** where the worker writes frames (default 2: stderr, which must be the terminal) */
  fd?: number;
}

/**
 * Starts the worker and resolves once ink is loaded in it (rejects if it cannot run). `signal`
 * abandons the start: the worker is terminated before it has drawn anything.
 */
export async function startLive(stderr: NodeJS.WriteStream, opts: LiveOptions = {}, signal?: AbortSignal): Promise<Reporter> {
  const model = opts.model ?? new ProgressModel(opts.cwd);
  const intervalMs = opts.intervalMs ?? 100;
  const worker = new Worker(new URL("./inkWorker.js", import.meta.url), {
    workerData: { fd: opts.fd ?? 2, columns: stderr.columns || 80, rows: stderr.rows || 24, maxFps: Math.ceil(1000 / intervalMs) },
    env: workerEnv(),
    stdout: false,
    stderr: false,
  });
  worker.unref();
  let closedResolve: () => void = () => {};
  const closed = new Promise<void>((r) => (closedResolve = r));
  await new Promise<void>((resolve, reject) => {
    const abandon = () => {
      void worker.terminate();
      reject(new Error("progress UI no longer needed"));
    };
    if (signal?.aborted) abandon();
    signal?.addEventListener("abort", abandon, { once: true });
    worker.on("message", (m: { t: string; message?: string }) => {
      if (m.t === "ready") resolve();
      else if (m.t === "error") reject(new Error(m.message));
      else if (m.t === "closed") closedResolve();
    });
    worker.on("error", reject);
    worker.on("exit", () => {
      closedResolve();
      reject(new Error("progress worker exited"));
    });
  });
  let pending: string[] = opts.early ?? []; // the same array the reporter fills until we are up
  const width = () => Math.max(40, (stderr.columns || 80) - 1);
  const tick = () => {
    if (pending.length) {
      worker.postMessage({ t: "lines", text: pending.join("\n") + "\n" });
      pending = [];
    }
    worker.postMessage({ t: "frame", phases: model.snapshot(Date.now()), width: width() });
  };
  const onResize = () => worker.postMessage({ t: "resize", columns: stderr.columns, rows: stderr.rows });
  stderr.on("resize", onResize);
  // if the process dies with the UI up (an uncaught error, process.exit), give the cursor back
  const onExit = () => {
    try {
      fs.writeSync(opts.fd ?? 2, "\x1b[?25h\n");
    } catch {
      // nothing more to do on the way out
    }
  };
  process.on("exit", onExit);
  // the first frame goes out after one interval: a caller that no longer wants the UI can still
  // close() it before anything is drawn
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  let done = false;
  return {
    onProgress: (e: ProgressEvent) => {
      model.apply(e, Date.now());
      if (opts.verbose) {
        const line = verboseLine(e, model);
        if (line !== undefined) pending.push(line);
      }
    },
    close: async () => {
      if (done) return;
      done = true;
      clearInterval(timer);
      stderr.off("resize", onResize);
      process.off("exit", onExit);
      if (pending.length) worker.postMessage({ t: "lines", text: pending.join("\n") + "\n" });
      pending = [];
      worker.postMessage({ t: "close" });
      // the worker erases the frame; never wait forever for a stuck terminal
      await Promise.race([closed, new Promise((r) => setTimeout(r, 3000).unref())]);
      await worker.terminate();
    },
  };
}

/**
 * The worker's environment. React's production build costs a third of the development build per
 * frame. CI markers are dropped: the reporter has already chosen the live UI (it does not when CI
 * is set, unless a caller such as a test starts it directly), and ink, seeing CI, would hold every
 * frame back until unmount.
 */
function workerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "production" };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  return env;
}
