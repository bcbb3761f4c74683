/**
 * Live progress on a TTY with ink: one bar per phase (files and bytes done/total, throughput, ETA,
 * failures) with the file(s) being worked on under it. Events only update the ProgressModel; a
 * timer redraws at most `intervalMs` apart (10 per second), so the cost of drawing does not grow
 * with the number of objects moved. The frame is erased when the command ends: the command then
 * prints its one summary line, as DVC's bars vanish before its own output.
 */
import React from "react";
import { render, Box, Text, useStderr } from "ink";
import type { ProgressEvent } from "../../src/progress.js";
import { formatBytes, formatCount, formatDuration, formatEta, formatRate, phaseLabel, shortenPath } from "./format.js";
import { ProgressModel, type PhaseView } from "./model.js";
import { verboseLine } from "./plain.js";
import type { Reporter, ReporterOptions } from "./reporter.js";

const LABEL_WIDTH = 13;

/** The text pieces of one phase's line at a given width (pure; the ink components only colour them). */
export function barParts(v: PhaseView, width: number) {
  const label = phaseLabel(v.phase);
  const pct = v.fraction !== undefined ? `${String(Math.floor(v.fraction * 100)).padStart(3)}%` : "";
  const files = v.total ? `${formatCount(v.done.files)}/${formatCount(v.total.files)} files` : `${formatCount(v.done.files)} files`;
  const bytes = v.total && v.total.bytes > 0 ? `${formatBytes(v.done.bytes)}/${formatBytes(v.total.bytes)}` : v.done.bytes > 0 ? formatBytes(v.done.bytes) : "";
  const rate = v.elapsedMs >= 500 && (v.bytesPerSec > 0 || v.filesPerSec > 0) ? formatRate(v) : "";
  const eta = v.etaMs !== undefined && v.elapsedMs >= 1000 ? `ETA ${formatEta(v.etaMs)}` : "";
  const stats = (v.total || v.done.files > 0 ? [pct, files, bytes, rate, eta] : ["preparing…"]).filter(Boolean).join("  ");
  const failed = v.failed ? `  ${formatCount(v.failed)} failed` : "";
  const room = width - LABEL_WIDTH - stats.length - failed.length - 3;
  const barWidth = room >= 8 ? Math.min(40, room) : 0;
  const filled = v.fraction !== undefined ? Math.round(v.fraction * barWidth) : 0;
  const summary = `${label.done} ${formatCount(v.done.files)} ${v.phase === "push" || v.phase === "fetch" ? "objects" : "files"}${v.done.bytes ? ` (${formatBytes(v.done.bytes)})` : ""} in ${formatDuration(v.elapsedMs)}`;
  return {
    label: label.active.padEnd(LABEL_WIDTH - 1),
    barWidth,
    filled,
    indeterminate: v.fraction === undefined,
    stats,
    failed,
    summary,
    current: v.ended || !v.current.length ? "" : shortenPath(v.current.slice(0, 2).join(", "), Math.max(0, width - 4)),
  };
}

export function PhaseBar({ view, width }: { view: PhaseView; width: number }) {
  const p = barParts(view, width);
  if (view.ended) {
    return (
      <Box>
        <Text wrap="truncate">
          <Text color="green">{"✔ "}</Text>
          <Text dimColor>{p.summary}</Text>
          {p.failed ? <Text color="red">{p.failed}</Text> : null}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{p.label} </Text>
        {p.barWidth ? (
          p.indeterminate ? (
            <Text dimColor>{"░".repeat(p.barWidth)}</Text>
          ) : (
            <>
              <Text color="green">{"█".repeat(p.filled)}</Text>
              <Text dimColor>{"░".repeat(p.barWidth - p.filled)}</Text>
            </>
          )
        ) : null}
        <Text>{(p.barWidth ? " " : "") + p.stats}</Text>
        {p.failed ? <Text color="red">{p.failed}</Text> : null}
      </Text>
      {p.current ? (
        <Text dimColor wrap="truncate">
          {"  ↳ " + p.current}
        </Text>
      ) : null}
    </Box>
  );
}

export function ProgressView({ phases, width }: { phases: PhaseView[]; width: number }) {
  return (
    <Box flexDirection="column">
      {phases.map((v) => (
        <PhaseBar key={v.phase} view={v} width={width} />
      ))}
    </Box>
  );
}

/** Holds ink's "write above the live frame" function for -v lines. */
function Bridge({ sink, children }: { sink: { write?: (s: string) => void }; children: React.ReactNode }) {
  sink.write = useStderr().write;
  return <>{children}</>;
}

export function inkReporter(stderr: NodeJS.WriteStream, opts: ReporterOptions = {}): Reporter {
  const model = opts.model ?? new ProgressModel(opts.cwd);
  const intervalMs = opts.intervalMs ?? 100;
  const sink: { write?: (s: string) => void } = {};
  let pending: string[] = [];
  const width = () => Math.max(40, (stderr.columns || 80) - 1);
  const frame = () => (
    <Bridge sink={sink}>
      <ProgressView phases={model.snapshot(Date.now())} width={width()} />
    </Bridge>
  );
  const instance = render(frame(), { stdout: stderr, stderr, patchConsole: false, exitOnCtrlC: false, maxFps: Math.ceil(1000 / intervalMs) });
  const flushVerbose = () => {
    if (!pending.length) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    if (sink.write) sink.write(text);
    else stderr.write(text);
  };
  const timer = setInterval(() => {
    flushVerbose();
    instance.rerender(frame());
  }, intervalMs);
  timer.unref();
  let closed = false;
  return {
    onProgress: (e: ProgressEvent) => {
      model.apply(e, Date.now());
      if (opts.verbose) {
        const line = verboseLine(e, model);
        if (line !== undefined) pending.push(line);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flushVerbose();
      // erase the live frame: the command prints its own summary line next
      instance.rerender(<></>);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
    },
  };
}
