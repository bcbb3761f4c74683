/** Human formats shared by the plain and ink renderers (ASCII except where noted). */
import type { Phase } from "../../src/progress.js";

/** SI units like DVC's tqdm (`612 MB`, `4.1 kB`). */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) {
    const m = Math.floor(ms / 60_000);
    const s = Math.floor((ms % 60_000) / 1000);
    return `${m}m${String(s).padStart(2, "0")}s`;
  }
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return `${h}h${String(m).padStart(2, "0")}m`;
}

/** ETA: coarser than a duration (`12s`, `3m05s`, `1h02m`). */
export function formatEta(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.ceil(ms / 1000))}s`;
  return formatDuration(ms);
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Throughput: bytes/s for large files, files/s for small ones (where the count, not the bytes,
 * is what moves: 3,000 x 30 B objects at "90 kB/s" says little).
 */
export function formatRate(v: { bytesPerSec: number; filesPerSec: number; done: { files: number; bytes: number } }): string {
  const avg = v.done.files > 0 ? v.done.bytes / v.done.files : v.bytesPerSec > 0 ? Infinity : 0;
  if (avg >= 64 * 1024 || (v.filesPerSec === 0 && v.bytesPerSec > 0)) return `${formatBytes(v.bytesPerSec)}/s`;
  const f = v.filesPerSec;
  return `${f >= 100 ? Math.round(f).toLocaleString("en-US") : f.toFixed(1)} files/s`;
}

/** Shortens a path to `width` columns by eliding its middle, keeping the file name whole if possible. */
export function shortenPath(p: string, width: number): string {
  if (width <= 0) return "";
  if (p.length <= width) return p;
  if (width <= 3) return p.slice(p.length - width);
  const keepEnd = Math.min(p.length, Math.max(Math.ceil((width - 1) * 0.6), width - 1 - 12));
  const keepStart = width - 1 - keepEnd;
  return `${p.slice(0, Math.max(0, keepStart))}…${p.slice(p.length - keepEnd)}`;
}

/** What the bar is titled while a phase runs, and the verb of its closing line. */
export const PHASE_LABEL: Record<Phase, { active: string; done: string }> = {
  hash: { active: "Hashing", done: "hashed" },
  commit: { active: "Committing", done: "committed" },
  checkout: { active: "Checking out", done: "checked out" },
  push: { active: "Pushing", done: "pushed" },
  fetch: { active: "Fetching", done: "fetched" },
  status: { active: "Checking", done: "checked" },
  gc: { active: "Collecting", done: "removed" },
  verify: { active: "Verifying", done: "verified" },
};

export function phaseLabel(phase: string): { active: string; done: string } {
  return PHASE_LABEL[phase as Phase] ?? { active: phase, done: phase };
}
