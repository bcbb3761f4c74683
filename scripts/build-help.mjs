// Renders the CLI's help texts into dist/cli/help.json for the CommonJS launcher (cli/dvx.cts),
// which answers `dvx --help` & co. from it. Part of `npm run build`, after tsc.
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli");
const { commandHelp, DATA_HELP, mainHelp, shown, VERSION } = await import(join(dist, "help.js"));
const { COMMANDS } = await import(join(dist, "spec.js"));
const { EXIT } = await import(join(dist, "context.js"));
const commands = {};
for (const c of COMMANDS) commands[shown(c)] = commandHelp(c);
const out = join(dist, "help.json");
writeFileSync(`${out}.tmp`, JSON.stringify({ version: VERSION, main: mainHelp(), data: DATA_HELP, commands, usageExit: EXIT.USAGE }));
renameSync(`${out}.tmp`, out);
