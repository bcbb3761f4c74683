/**
 * What a command module receives, exit codes, and the one place errors become messages.
 *
 * Exit codes are DVC's (iterative/dvc `dvc/cli/__init__.py` main): 0 ok, 1 the command failed,
 * 251 configuration error (`remote`/`config` commands; data commands report it as 1, as DVC's
 * catch it), 252 interrupted (Ctrl-C), 253 not inside a repository, 254 bad arguments, 255
 * unexpected error.
 */
export const EXIT = { OK: 0, FAILED: 1, CONFIG: 251, INTERRUPTED: 252, NOT_A_REPO: 253, USAGE: 254, UNEXPECTED: 255 } as const;

/** Commands whose configuration errors exit 251 (DVC lets ConfigError reach main for these). */
const CONFIG_COMMANDS = new Set(["remote", "config"]);

export interface CommandContext {
  /** the command's name in cli/spec.ts (for messages and exit codes) */
  command?: string;
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
export function printError(ctx: Pick<CommandContext, "stderr" | "json" | "stdout" | "command">, e: unknown): number {
  const err = (e ?? {}) as ErrorLike;
  const isDvx = err.name === "DvxError" && typeof err.code === "string";
  const message = (err.message ?? String(e)).split("\n")[0];
  if (ctx.json) ctx.stdout.write(JSON.stringify({ error: { code: isDvx ? err.code : "UNEXPECTED", message } }) + "\n");
  ctx.stderr.write(`ERROR: ${message}\n`);
  if (err.hint) ctx.stderr.write(`hint: ${err.hint}\n`);
  if (process.env.DVX_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(e.stack + "\n");
  if (!isDvx) return EXIT.UNEXPECTED;
  return exitCodeOf(err.code!, ctx.command);
}

export function exitCodeOf(code: string, command?: string): number {
  switch (code) {
    case "USAGE":
      return EXIT.USAGE;
    case "NOT_A_REPO":
      return EXIT.NOT_A_REPO;
    case "ABORTED":
      return EXIT.INTERRUPTED;
    case "CONFIG_ERROR":
      return command && CONFIG_COMMANDS.has(command) ? EXIT.CONFIG : EXIT.FAILED;
    default:
      return EXIT.FAILED;
  }
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
