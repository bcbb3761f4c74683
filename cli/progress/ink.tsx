/**
 * Live progress on a TTY with ink: a bar per phase with files/bytes, rate and ETA. Events update
 * a plain state object; ink redraws on a timer (bounded rate), never per event, so rendering
 * costs nothing proportional to the number of objects moved.
 */
import React from "react";
import { render, Box, Text } from "ink";
import type { ProgressEvent, Phase, Counts } from "../../src/progress.js";
import type { CommandContext } from "../context.js";
import type { Reporter } from "./reporter.js";
import { formatBytes, formatDuration } from "./format.js";

export interface PhaseState {
  phase: Phase;
  done: Counts;
  total?: Counts;
  failed: number;
  current?: string;
  startedAt: number;
  endedAt?: number;
}

const BAR = 30;

export function PhaseBar({ s, now }: { s: PhaseState; now: number }) {
  const frac = s.total && s.total.files > 0 ? Math.min(1, s.done.files / s.total.files) : s.endedAt ? 1 : 0;
  const filled = Math.round(frac * BAR);
  const elapsed = ((s.endedAt ?? now) - s.startedAt) / 1000;
  const rate = elapsed > 0 ? s.done.bytes / elapsed : 0;
  const eta = s.total && rate > 0 && s.total.bytes > s.done.bytes ? ((s.total.bytes - s.done.bytes) / rate) * 1000 : undefined;
  const total = s.total ? `/${s.total.files.toLocaleString("en-US")}` : "";
  return (
    <Box flexDirection="column">
      <Box>
        <Text>{s.phase.padEnd(9)}</Text>
        <Text color="green">{"█".repeat(filled)}</Text>
        <Text dimColor>{"░".repeat(BAR - filled)}</Text>
        <Text>
          {` ${Math.round(frac * 100)}% ${s.done.files.toLocaleString("en-US")}${total} files ${formatBytes(s.done.bytes)} ${formatBytes(rate)}/s`}
          {eta !== undefined ? ` ETA ${formatDuration(eta)}` : ""}
          {s.failed ? ` ${s.failed} failed` : ""}
        </Text>
      </Box>
      {s.current && !s.endedAt ? <Text dimColor>{`  ${s.current}`}</Text> : null}
    </Box>
  );
}

export function ProgressView({ phases, now }: { phases: PhaseState[]; now: number }) {
  return (
    <Box flexDirection="column">
      {phases.map((s) => (
        <PhaseBar key={s.phase} s={s} now={now} />
      ))}
    </Box>
  );
}

/** Applies one event to the phase list (pure; shared with tests). */
export function reduce(phases: PhaseState[], e: ProgressEvent, now: number): void {
  let s = phases.find((p) => p.phase === e.phase);
  if (!s) {
    s = { phase: e.phase, done: { files: 0, bytes: 0 }, failed: 0, startedAt: now };
    phases.push(s);
  }
  switch (e.type) {
    case "start":
      if (e.total) s.total = e.total;
      s.endedAt = undefined;
      break;
    case "item":
    case "bytes":
      s.done = e.done;
      if (e.total) s.total = e.total;
      if (e.path) s.current = e.path;
      break;
    case "fail":
      s.failed++;
      break;
    case "end":
      s.done = e.done;
      s.endedAt = now;
      break;
  }
}

export async function inkReporter(ctx: CommandContext, intervalMs = 100): Promise<Reporter> {
  const phases: PhaseState[] = [];
  const instance = render(<ProgressView phases={[]} now={Date.now()} />, { stdout: ctx.stderr, patchConsole: false, exitOnCtrlC: false });
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    instance.rerender(<ProgressView phases={phases.map((p) => ({ ...p }))} now={Date.now()} />);
  }, intervalMs);
  timer.unref();
  return {
    onProgress: (e) => {
      reduce(phases, e, Date.now());
      dirty = true;
    },
    close: async () => {
      clearInterval(timer);
      instance.rerender(<ProgressView phases={phases.map((p) => ({ ...p }))} now={Date.now()} />);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
    },
  };
}
