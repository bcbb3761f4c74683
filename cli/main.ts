#!/usr/bin/env node
/**
 * dvx command line. Parses arguments, prints help, and hands over to one command module loaded on
 * demand (so `dvx --help` never loads the data layer, ink or the cloud SDKs).
 */
import { parseArgs } from "node:util";
import { COMMANDS, COMMON_FLAGS, findCommand, suggest, type CommandSpec, type FlagSpec } from "./spec.js";
import { EXIT, printError, type CommandContext } from "./context.js";

const VERSION = "0.1.0";

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "dvx: DVC-compatible data versioning for Node (byte-compatible with DVC 3.x repositories and remotes)",
    "",
    "usage: dvx <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'dvx <command> --help' for a command's options.",
    "",
  ].join("\n");
}

function flagLine(f: FlagSpec): string {
  const names = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.arg ? ` ${f.arg}` : ""}`;
  return `  ${names.padEnd(26)} ${f.help}`;
}

export function commandHelp(c: CommandSpec): string {
  return [`usage: ${c.usage}`, "", c.summary, "", "options:", ...[...c.flags, ...COMMON_FLAGS].map(flagLine), "", `example: ${c.example}`, ""].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.OK;
  }
  // `dvx data status` is spelled like DVC's
  const cmdName = name === "data" && rest[0] === "status" ? (rest.shift(), "data-status") : name;
  const spec = findCommand(cmdName);
  if (!spec) {
    const s = suggest(name, COMMANDS.map((c) => c.name));
    process.stderr.write(`ERROR: unknown command '${name}'${s ? `; did you mean '${s}'?` : ""}\nRun 'dvx --help' for the list of commands.\n`);
    return EXIT.USAGE;
  }
  const flags = [...spec.flags, ...COMMON_FLAGS];
  const options: Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }> = {};
  for (const f of flags) options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    let hint = "";
    if (m) {
      const s = suggest(m[1]!.replace(/^-+/, ""), flags.map((f) => f.name));
      if (s) hint = `; did you mean '--${s}'?`;
    }
    process.stderr.write(`ERROR: dvx ${spec.name}: ${m ? `unknown option '${m[1]}'${hint}` : msg.split("\n")[0]}\nRun 'dvx ${spec.name} --help' for its options.\n`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(spec));
    return EXIT.OK;
  }
  const ctx: CommandContext = {
    args: parsed.positionals,
    flags: parsed.values,
    quiet: !!parsed.values.quiet,
    verbose: !!parsed.values.verbose,
    json: !!parsed.values.json,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
  };
  try {
    const mod = (await import(`./commands/${spec.module}.js`)) as { run(ctx: CommandContext): Promise<number> };
    return await mod.run(ctx);
  } catch (e) {
    return printError(ctx, e);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ERROR: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = EXIT.UNEXPECTED;
  },
);
