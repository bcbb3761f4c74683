/**
 * Chooses the one renderer for a command, once:
 *   -q or --json                      nothing
 *   stderr not a TTY, CI, TERM=dumb   plain lines at a bounded rate (plain.ts)
 *   otherwise                         the ink UI (ink.tsx)
 * The live UI starts only when a command on a TTY is still running after `deferMs` (default
 * 150 ms), so quick commands (a clean `dvx status`) never start it; it then loads ink and React
 * in a worker thread (live.ts, inkWorker.ts), off the thread doing the work. Events that arrive
 * before the UI is up are already in the model it draws.
 */
import type { ProgressCallback, ProgressEvent } from "../../src/progress.js";
import { ProgressModel } from "./model.js";
import { plainReporter, verboseLine } from "./plain.js";

export interface Reporter {
  onProgress: ProgressCallback;
  /** stops live rendering (erasing the live frame) before the command prints its summary */
  close(): Promise<void>;
}

export interface ReporterOptions {
  verbose?: boolean;
  intervalMs?: number;
  cwd?: string;
  model?: ProgressModel;
}

export type RendererKind = "none" | "plain" | "ink";

/** Same rule as ink's `is-in-ci`, so we never start ink where it would only print a last frame. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CI === "0" || env.CI === "false") return false;
  return "CI" in env || "CONTINUOUS_INTEGRATION" in env || Object.keys(env).some((k) => k.startsWith("CI_"));
}

export function chooseRenderer(opts: { quiet?: boolean; json?: boolean; isTTY?: boolean; env?: NodeJS.ProcessEnv }): RendererKind {
  const env = opts.env ?? process.env;
  if (opts.quiet || opts.json) return "none";
  if (!opts.isTTY || isCI(env) || env.TERM === "dumb" || env.DVX_NO_TUI) return "plain";
  return "ink";
}

/**
 * Test hook: `DVX_TEST_PROGRESS_DELAY_MS=N` blocks for N ms on every finished item, slowing the
 * operation down so a test can watch it live in a real terminal. Never set it otherwise.
 */
function withTestDelay(cb: ProgressCallback, env: NodeJS.ProcessEnv): ProgressCallback {
  const ms = Number(env.DVX_TEST_PROGRESS_DELAY_MS);
  if (!(ms > 0)) return cb;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (e: ProgressEvent) => {
    if (e.type === "item") Atomics.wait(cell, 0, 0, ms);
    cb(e);
  };
}

export async function createReporter(ctx: { quiet: boolean; json: boolean; verbose: boolean; cwd: string; stderr: NodeJS.WriteStream }, opts: { deferMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Reporter> {
  const env = opts.env ?? process.env;
  const kind = chooseRenderer({ quiet: ctx.quiet, json: ctx.json, isTTY: !!ctx.stderr.isTTY, env });
  if (kind === "none") return { onProgress: withTestDelay(() => {}, env), close: async () => {} };
  if (kind === "plain") return { onProgress: withTestDelay(plainReporter(ctx.stderr, { verbose: ctx.verbose, cwd: ctx.cwd }), env), close: async () => {} };
  return deferredInk(ctx, opts.deferMs ?? 150, env);
}

/** Collects events in a model; starts the live UI on it if the command is still running after `deferMs`. */
function deferredInk(ctx: { verbose: boolean; cwd: string; stderr: NodeJS.WriteStream }, deferMs: number, env: NodeJS.ProcessEnv): Reporter {
  const model = new ProgressModel(ctx.cwd);
  let live: Reporter | undefined;
  let early: string[] = []; // -v lines before the UI is up
  let fallback: ((e: ProgressEvent) => void) | undefined;
  const startup = new AbortController();
  const timer = setTimeout(() => {
    import("./live.js")
      .then(({ startLive }) => startLive(ctx.stderr, { verbose: ctx.verbose, cwd: ctx.cwd, model, early }, startup.signal))
      .then(
        (r) => {
          if (startup.signal.aborted) return r.close(); // closed while starting: nothing drawn yet
          early = [];
          live = r;
        },
        () => {
          if (startup.signal.aborted) return;
          // no worker threads or no ink here: plain lines from now on
          fallback = plainReporter(ctx.stderr, { verbose: ctx.verbose, cwd: ctx.cwd });
        },
      );
  }, deferMs);
  timer.unref();
  const onProgress = (e: ProgressEvent) => {
    if (live) return live.onProgress(e);
    if (fallback) return fallback(e);
    model.apply(e, Date.now());
    if (ctx.verbose && (e.type === "item" || e.type === "fail")) {
      const line = verboseLine(e, model);
      if (line !== undefined) early.push(line);
    }
  };
  return {
    onProgress: withTestDelay(onProgress, env),
    close: async () => {
      clearTimeout(timer);
      // never wait for a UI that is still loading: it has drawn nothing, so it is just dropped
      if (!live) startup.abort();
      await live?.close();
      if (early.length) ctx.stderr.write(early.join("\n") + "\n");
      early = [];
    },
  };
}
