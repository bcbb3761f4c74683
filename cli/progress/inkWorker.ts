/**
 * Worker thread that owns the ink UI. The main thread (live.ts) keeps the ProgressModel and posts
 * a snapshot of it every 100 ms; React, layout and the terminal writes all happen here, so the
 * thread moving data pays only for a postMessage per tick. Frames that arrive while one is being
 * drawn are coalesced. Output goes straight to the terminal's file descriptor with blocking
 * writes: a slow terminal stalls this thread, never the transfer.
 *
 * Messages in:  {t:"frame", phases, width} | {t:"lines", text} | {t:"resize", columns, rows} | {t:"close"}
 * Messages out: {t:"ready"} | {t:"closed"} | {t:"error", message}
 */
import * as fs from "node:fs";
import { PassThrough, Writable } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import type { PhaseView } from "./model.js";

interface Init {
  fd: number;
  columns: number;
  rows: number;
  maxFps: number;
}

type Msg = { t: "frame"; phases: PhaseView[]; width: number } | { t: "lines"; text: string } | { t: "resize"; columns: number; rows: number } | { t: "close" };

const init = workerData as Init;
const port = parentPort!;
const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(init.fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") return; // the terminal went away: drop the frame
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

const out = new Writable({
  write(chunk: Buffer | string, _enc, cb) {
    writeAll(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    cb();
  },
}) as unknown as NodeJS.WriteStream;
Object.assign(out, { isTTY: true, columns: init.columns, rows: init.rows });
const stdin = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;

try {
  const { mountProgress } = await import("./ink.js");
  // Nothing is written to the terminal before the first frame: a command that ends while this
  // thread is still loading ink is closed by terminating it, with nothing to erase.
  let view: ReturnType<typeof mountProgress> | undefined;
  let latest: { phases: PhaseView[]; width: number } | undefined;
  let scheduled = false;
  const draw = () => {
    scheduled = false;
    if (!latest) return;
    const f = latest;
    latest = undefined;
    view ??= mountProgress(out, stdin, init.maxFps);
    view.update(f.phases, f.width);
  };
  port.on("message", (m: Msg) => {
    switch (m.t) {
      case "frame":
        latest = { phases: m.phases, width: m.width };
        if (!scheduled) {
          scheduled = true;
          setImmediate(draw);
        }
        break;
      case "lines":
        if (view) view.writeAbove(m.text);
        else writeAll(Buffer.from(m.text));
        break;
      case "resize":
        Object.assign(out, { columns: m.columns, rows: m.rows });
        (out as unknown as Writable).emit("resize");
        break;
      case "close":
        latest = undefined;
        void (view ? view.close() : Promise.resolve()).then(() => {
          port.postMessage({ t: "closed" });
          port.close();
        });
        break;
    }
  });
  port.postMessage({ t: "ready" });
} catch (e) {
  port.postMessage({ t: "error", message: (e as Error)?.message ?? String(e) });
}
