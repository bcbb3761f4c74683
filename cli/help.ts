/**
 * The help texts. Besides main.ts, scripts/build-help.mjs renders them into dist/cli/help.json at
 * build time, from which the CommonJS launcher (dvx.cts) answers `dvx --help` without starting
 * Node's ES module loader.
 */
import { COMMANDS, COMMON_FLAGS, type CommandSpec, type FlagSpec } from "./spec.js";

export const VERSION = "0.1.0";

export const shown = (c: CommandSpec) => c.display ?? c.name;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => shown(c).length));
  return [
    "dvx: DVC-compatible data versioning for Node (byte-compatible with DVC 3.x repositories and remotes)",
    "",
    "usage: dvx <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${shown(c).padEnd(width)}  ${c.summary}`),
    "",
    "Run 'dvx <command> --help' for a command's options.",
    "",
  ].join("\n");
}

function flagNames(f: FlagSpec): string {
  return `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.arg ? ` ${f.arg}` : ""}${f.values ? `[=${f.values.join("|")}]` : ""}`;
}

export function commandHelp(c: CommandSpec): string {
  const flags = [...c.flags, ...COMMON_FLAGS];
  const width = Math.max(26, ...flags.map((f) => flagNames(f).length));
  const lines = flags.map((f) => `  ${flagNames(f).padEnd(width)} ${f.help}`);
  return [`usage: ${c.usage}`, "", c.summary, "", "options:", ...lines, "", `example: ${c.example}`, ""].join("\n");
}

/** `dvx data` / `dvx data --help`. */
export const DATA_HELP = "usage: dvx data status [options]\n\nCommands related to data management.\n\ncommands:\n  status  Show changes between the last git commit, the .dvc files and the workspace\n";
