/**
 * Progress as plain lines, for pipes, CI logs and dumb terminals: no escape codes, no carriage
 * returns. At most one line every `intervalMs` (for all phases together), and a closing line for
 * a phase only if it printed a progress line (short commands stay silent, long ones get a record
 * of how they ended). `verbose` adds one line per file/object and per failure. Everything goes to
 * stderr, so stdout stays clean for results and --json.
 */
import type { ProgressEvent } from "../../src/progress.js";
import { formatBytes, formatCount, formatDuration, formatEta, formatRate, phaseLabel } from "./format.js";
import { ProgressModel, type PhaseView } from "./model.js";

export function progressLine(v: PhaseView): string {
  const label = phaseLabel(v.phase);
  if (v.ended) {
    const noun = v.phase === "push" || v.phase === "fetch" ? "objects" : "files";
    return `${label.active}: done, ${label.done} ${formatCount(v.done.files)} ${noun}${v.done.bytes ? ` (${formatBytes(v.done.bytes)})` : ""} in ${formatDuration(v.elapsedMs)}, ${formatCount(v.failed)} failed`;
  }
  const parts: string[] = [];
  if (v.total) {
    parts.push(`${formatCount(v.done.files)}/${formatCount(v.total.files)} files${v.fraction !== undefined ? ` (${Math.floor(v.fraction * 100)}%)` : ""}`);
    if (v.total.bytes > 0) parts.push(`${formatBytes(v.done.bytes)}/${formatBytes(v.total.bytes)}`);
  } else {
    parts.push(`${formatCount(v.done.files)} files`);
    if (v.done.bytes) parts.push(formatBytes(v.done.bytes));
  }
  if (v.elapsedMs >= 500 && (v.bytesPerSec > 0 || v.filesPerSec > 0)) parts.push(formatRate(v));
  if (v.etaMs !== undefined) parts.push(`ETA ${formatEta(v.etaMs)}`);
  if (v.failed) parts.push(`${formatCount(v.failed)} failed`);
  return `${label.active}: ${parts.join(", ")}`;
}

/** The -v line for one event (undefined: none). */
export function verboseLine(e: ProgressEvent, model: ProgressModel): string | undefined {
  const what = (p: string | undefined, oid: string | undefined) => (p !== undefined ? model.display(p) : oid ?? "");
  if (e.type === "item") return `${phaseLabel(e.phase).done} ${what(e.path, e.oid)}`;
  if (e.type === "fail") return `failed to ${e.phase} ${what(e.path, e.oid)}: ${e.error}`;
  return undefined;
}

export interface PlainOptions {
  verbose?: boolean;
  intervalMs?: number;
  now?: () => number;
  cwd?: string;
}

export function plainReporter(out: NodeJS.WritableStream, opts: PlainOptions = {}): (e: ProgressEvent) => void {
  const interval = opts.intervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  const model = new ProgressModel(opts.cwd);
  const t0 = now();
  let lastLine = t0;
  const printed = new Set<string>();
  return (e: ProgressEvent): void => {
    const t = now();
    model.apply(e, t);
    if (opts.verbose) {
      const line = verboseLine(e, model);
      if (line !== undefined) out.write(line + "\n");
    }
    if (e.type === "end") {
      if (printed.has(e.phase)) {
        const v = model.snapshot(t).find((p) => p.phase === e.phase);
        if (v) out.write(progressLine(v) + "\n");
        printed.delete(e.phase);
      }
      return;
    }
    if (e.type !== "item" && e.type !== "bytes") return;
    if (t - lastLine < interval) return;
    lastLine = t;
    const v = model.snapshot(t).find((p) => p.phase === e.phase);
    if (!v) return;
    printed.add(e.phase);
    out.write(progressLine(v) + "\n");
  };
}
