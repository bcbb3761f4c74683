/**
 * Live progress on a TTY with ink: one bar per phase (files and bytes done/total, throughput, ETA,
 * failures) with the file(s) being worked on under it. The components draw PhaseView snapshots
 * (model.ts); live.ts decides when, and inkWorker.ts runs them off the main thread. Lines are
 * sized to the width given (no ink truncation: measured at 2-4x the cost of a plain render).
 * The frame is erased when the command ends: the command then prints its one summary line, as
 * DVC's bars vanish before its own output.
 */
import React from "react";
import { render, Box, Text, useStderr } from "ink";
import { formatBytes, formatCount, formatDuration, formatEta, formatRate, phaseLabel, shortenPath } from "./format.js";
import type { PhaseView } from "./model.js";

const LABEL_WIDTH = 13;
const STATS_WIDTH = 56;

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
  // room for the numbers is reserved at a typical width, so the bar does not jump as they grow
  const room = width - LABEL_WIDTH - Math.max(STATS_WIDTH, stats.length + failed.length) - 3;
  const barWidth = room >= 6 ? Math.min(40, room) : 0;
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
        <Text>
          <Text color="green">{"✔ "}</Text>
          <Text dimColor>{p.summary}</Text>
          {p.failed ? <Text color="red">{p.failed}</Text> : null}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text>
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
        <Text dimColor>
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

export interface LiveView {
  /** draws these phases (coalesced: a frame that arrives while one is drawn replaces it) */
  update(phases: PhaseView[], width: number): void;
  /** lines to scroll above the live frame (-v) */
  writeAbove(text: string): void;
  /** erases the frame and unmounts */
  close(): Promise<void>;
}

/**
 * Mounts the progress view on a terminal stream. The CLI does this inside a worker thread
 * (inkWorker.ts), so React and layout never run on the thread doing the transfer.
 */
export function mountProgress(out: NodeJS.WriteStream, stdin: NodeJS.ReadStream, maxFps = 10): LiveView {
  const sink: { write?: (s: string) => void } = {};
  const el = (phases: PhaseView[], width: number) => (
    <Bridge sink={sink}>
      <ProgressView phases={phases} width={width} />
    </Bridge>
  );
  const instance = render(el([], 80), { stdout: out, stderr: out, stdin, patchConsole: false, exitOnCtrlC: false, maxFps });
  return {
    update: (phases, width) => instance.rerender(el(phases, width)),
    writeAbove: (text) => (sink.write ? sink.write(text) : out.write(text)),
    close: async () => {
      instance.rerender(<></>); // erase the live frame: the command prints its own summary next
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
    },
  };
}
