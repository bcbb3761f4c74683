/**
 * Typed progress events. Core code emits them through an `onProgress` callback; the CLI renders
 * them (ink on a TTY, plain lines otherwise, JSON for scripts) and library users consume them.
 * Nothing in src/ prints.
 */
export type Phase = "hash" | "commit" | "checkout" | "push" | "fetch" | "status" | "gc" | "verify";

export interface Counts {
  files: number;
  bytes: number;
}

export type ProgressEvent =
  /** A phase starts; `total` may be unknown (undefined) until planning finishes, then re-sent. */
  | { type: "start"; phase: Phase; total?: Counts }
  /** One item (file or object) finished; `done` is cumulative for the phase. */
  | { type: "item"; phase: Phase; path?: string; oid?: string; bytes: number; done: Counts; total?: Counts }
  /** Bytes moved inside a large item (for smooth bars on big files); cumulative per phase. */
  | { type: "bytes"; phase: Phase; path?: string; done: Counts; total?: Counts }
  /** One item failed; the phase goes on. */
  | { type: "fail"; phase: Phase; path?: string; oid?: string; error: string }
  /** The phase ended. */
  | { type: "end"; phase: Phase; done: Counts; failed: number; elapsedMs: number };

export type ProgressCallback = (event: ProgressEvent) => void;

export const noProgress: ProgressCallback = () => {};
