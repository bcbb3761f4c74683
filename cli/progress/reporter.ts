/**
 * Chooses the one renderer for a command: nothing with -q or --json, plain lines when stderr is
 * not a TTY or CI is set, and the ink UI otherwise (loaded only then).
 */
import type { ProgressCallback } from "../../src/progress.js";
import type { CommandContext } from "../context.js";
import { plainReporter } from "./plain.js";

export interface Reporter {
  onProgress: ProgressCallback;
  /** stops live rendering before the summary is printed */
  close(): Promise<void>;
}

export async function createReporter(ctx: CommandContext): Promise<Reporter> {
  if (ctx.quiet || ctx.json) return { onProgress: () => {}, close: async () => {} };
  const tty = !!ctx.stderr.isTTY && !process.env.CI && process.env.TERM !== "dumb";
  if (tty && !process.env.DVX_NO_TUI) {
    try {
      const { inkReporter } = await import("./ink.js");
      return await inkReporter(ctx);
    } catch {
      // fall through to plain lines when ink cannot run here
    }
  }
  return { onProgress: plainReporter(ctx.stderr, { verbose: ctx.verbose }), close: async () => {} };
}
