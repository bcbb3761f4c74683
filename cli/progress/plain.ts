/**
 * Progress as plain lines, for pipes, CI and dumb terminals: no escape codes, at most one line
 * per phase every `intervalMs`, plus the phase's last line. Lines go to stderr so stdout stays
 * clean for results and --json.
 */
import type { ProgressEvent, Phase, Counts } from "../../src/progress.js";
import { formatBytes } from "./format.js";

export function plainReporter(out: NodeJS.WritableStream, opts: { verbose?: boolean; intervalMs?: number; now?: () => number } = {}) {
  const interval = opts.intervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  const last = new Map<Phase, number>();
  const totals = new Map<Phase, Counts | undefined>();
  const line = (phase: Phase, done: Counts, total: Counts | undefined) => {
    const t = total ? `/${total.files.toLocaleString("en-US")}` : "";
    out.write(`${phase}: ${done.files.toLocaleString("en-US")}${t} files, ${formatBytes(done.bytes)}\n`);
  };
  return (e: ProgressEvent): void => {
    switch (e.type) {
      case "start":
        totals.set(e.phase, e.total);
        last.set(e.phase, now());
        return;
      case "item": {
        if (e.total) totals.set(e.phase, e.total);
        if (opts.verbose && e.path) out.write(`${e.phase}: ${e.path}\n`);
        const t = now();
        if (t - (last.get(e.phase) ?? 0) >= interval) {
          last.set(e.phase, t);
          line(e.phase, e.done, totals.get(e.phase));
        }
        return;
      }
      case "fail":
        out.write(`${e.phase}: failed ${e.path ?? e.oid ?? ""}: ${e.error}\n`);
        return;
      case "end":
        return;
      default:
        return;
    }
  };
}
