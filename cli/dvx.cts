#!/usr/bin/env node
/**
 * The `dvx` executable. A CommonJS file on purpose: `dvx --help`, `dvx <command> --help` and
 * `dvx --version` are answered from dist/cli/help.json (rendered from cli/help.ts at build time)
 * without starting Node's ES module loader, which alone costs ~40 ms here (139 ms -> 100 ms for
 * `--help`). Everything else, and any of those when help.json is missing, goes to main.js, which
 * answers them identically (test/e2e/launcher.test.ts compares the two).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface HelpTexts {
  version: string;
  main: string;
  data: string;
  commands: Record<string, string>;
  usageExit: number;
}

const isHelp = (a: string | undefined) => a === "--help" || a === "-h";

function quickAnswer(argv: string[]): { text: string; code: number } | undefined {
  if (argv.length > 3) return undefined;
  let t: HelpTexts;
  try {
    t = JSON.parse(readFileSync(join(__dirname, "help.json"), "utf8")) as HelpTexts;
  } catch {
    return undefined;
  }
  const [a, b, c] = argv;
  if (a === undefined) return { text: t.main, code: t.usageExit };
  if (b === undefined && (isHelp(a) || a === "help")) return { text: t.main, code: 0 };
  if (b === undefined && (a === "--version" || a === "-V")) return { text: `${t.version}\n`, code: 0 };
  if (a === "data") {
    if (b === undefined) return { text: t.data, code: t.usageExit };
    if (isHelp(b) && c === undefined) return { text: t.data, code: 0 };
    if (b === "status" && isHelp(c)) return t.commands["data status"] === undefined ? undefined : { text: t.commands["data status"], code: 0 };
    return undefined;
  }
  if (isHelp(b) && c === undefined && Object.hasOwn(t.commands, a)) return { text: t.commands[a]!, code: 0 };
  return undefined;
}

const answer = quickAnswer(process.argv.slice(2));
if (answer) {
  process.stdout.write(answer.text);
  process.exitCode = answer.code;
} else {
  void import("./main.js");
}
