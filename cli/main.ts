#!/usr/bin/env node
/**
 * dvx command line. Parses arguments, prints help, and hands over to one command module loaded on
 * demand (so `dvx --help` never loads the data layer, ink or the cloud SDKs).
 */
import { parseArgs } from "node:util";
import { COMMANDS, COMMON_FLAGS, findCommand, suggest, type FlagSpec } from "./spec.js";
import { EXIT, printError, type CommandContext } from "./context.js";
import { commandHelp, DATA_HELP, mainHelp, shown, VERSION } from "./help.js";

/** `--flag=VALUE` for boolean flags that take an optional value (FlagSpec.values). */
function optionalValues(args: string[], flags: FlagSpec[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a === "--") {
      out.push(...args.slice(args.indexOf(a)));
      break;
    }
    const m = /^--([^=]+)=(.*)$/.exec(a);
    const f = m ? flags.find((x) => x.name === m[1] && x.values) : undefined;
    if (!m || !f) {
      out.push(a);
      continue;
    }
    if (!f.values!.includes(m[2]!)) throw new Error(`argument --${f.name}: invalid choice: '${m[2]}' (choose from ${f.values!.map((v) => `'${v}'`).join(", ")})`);
    if (m[2] !== f.values![0]) out.push(`--${f.name}`);
  }
  return out;
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
  if (name === "data" && rest[0] !== "status") {
    const sub = rest[0];
    if (sub === undefined || sub === "--help" || sub === "-h") {
      process.stdout.write(DATA_HELP);
      return sub === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const s = suggest(sub, ["status"]);
    process.stderr.write(`ERROR: unknown command 'data ${sub}'${s ? `; did you mean 'data ${s}'?` : ""}\nRun 'dvx data --help' for the list of commands.\n`);
    return EXIT.USAGE;
  }
  const cmdName = name === "data" ? (rest.shift(), "data-status") : name;
  const spec = findCommand(cmdName);
  if (!spec) {
    const s = suggest(name, COMMANDS.map((c) => shown(c)));
    process.stderr.write(`ERROR: unknown command '${name}'${s ? `; did you mean '${s}'?` : ""}\nRun 'dvx --help' for the list of commands.\n`);
    return EXIT.USAGE;
  }
  const flags = [...spec.flags, ...COMMON_FLAGS];
  const options: Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }> = {};
  for (const f of flags) options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: optionalValues(rest, flags), options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    let hint = "";
    if (m) {
      const s = suggest(m[1]!.replace(/^-+/, ""), flags.map((f) => f.name));
      if (s) hint = `; did you mean '--${s}'?`;
    }
    process.stderr.write(`ERROR: dvx ${shown(spec)}: ${m ? `unknown option '${m[1]}'${hint}` : msg.split("\n")[0]}\nRun 'dvx ${shown(spec)} --help' for its options.\n`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(spec));
    return EXIT.OK;
  }
  const ctx: CommandContext = {
    command: spec.name,
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

// If the event loop drains while the command is still pending (a promise nobody will ever settle,
// e.g. a network library waiting on a dead socket), Node exits with status 0 as if it had
// succeeded. Never let that pass for success.
let settled = false;
process.on("exit", (code) => {
  if (settled || code !== 0) return; // an explicit process.exit(n) (second Ctrl-C) keeps its status
  process.stderr.write("ERROR: unexpected error: dvx stopped before the command finished (an operation never completed); nothing was reported as done\n");
  process.exitCode = EXIT.UNEXPECTED;
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (e) => {
    settled = true;
    process.stderr.write(`ERROR: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = EXIT.UNEXPECTED;
  },
);
