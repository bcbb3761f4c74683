/** What a command module receives, exit codes, and the one place errors become messages. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNEXPECTED: 255 } as const;

export interface CommandContext {
  args: string[];
  flags: Record<string, unknown>;
  quiet: boolean;
  verbose: boolean;
  json: boolean;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

interface ErrorLike {
  code?: string;
  message?: string;
  hint?: string;
  name?: string;
}

/** One line (plus an optional hint line) on stderr; never a stack trace unless DVX_DEBUG is set. */
export function printError(ctx: Pick<CommandContext, "stderr" | "json" | "stdout">, e: unknown): number {
  const err = (e ?? {}) as ErrorLike;
  const isDvx = err.name === "DvxError" && typeof err.code === "string";
  const message = (err.message ?? String(e)).split("\n")[0];
  if (ctx.json) ctx.stdout.write(JSON.stringify({ error: { code: isDvx ? err.code : "UNEXPECTED", message } }) + "\n");
  ctx.stderr.write(`ERROR: ${message}\n`);
  if (err.hint) ctx.stderr.write(`hint: ${err.hint}\n`);
  if (process.env.DVX_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(e.stack + "\n");
  if (!isDvx) return EXIT.UNEXPECTED;
  return err.code === "USAGE" ? EXIT.USAGE : EXIT.FAILED;
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
