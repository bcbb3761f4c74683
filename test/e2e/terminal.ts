/**
 * A real terminal for end-to-end tests: a private tmux server (its own socket, so a user's tmux
 * is never touched) running one shell in a fixed-size window, typed into with send-keys and read
 * with capture-pane. Waits poll the screen until a predicate holds or a generous deadline passes;
 * nothing here asserts on time.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export const TMUX = ["/usr/bin/tmux", "/usr/local/bin/tmux"].find((p) => fs.existsSync(p));

/** The environment of a person at a terminal: no CI variables, a real TERM. */
export function interactiveEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === "CI" || k === "CONTINUOUS_INTEGRATION" || k.startsWith("CI_") || k === "DVX_NO_TUI" || k.startsWith("TMUX")) continue;
    env[k] = v;
  }
  return { ...env, TERM: "xterm-256color", PS1: "$ ", ...extra };
}

let counter = 0;

export class Terminal {
  readonly socket = `dvx-e2e-${process.pid}-${++counter}`;
  private started = false;

  constructor(
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
    readonly cols = 120,
    readonly rows = 30,
  ) {}

  private tmux(args: string[]) {
    const r = spawnSync(TMUX!, ["-L", this.socket, "-f", "/dev/null", ...args], { encoding: "utf8", env: this.env, cwd: this.cwd });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  start(): this {
    this.tmux(["new-session", "-d", "-x", String(this.cols), "-y", String(this.rows), "-c", this.cwd, "bash --norc --noprofile"]);
    this.started = true;
    return this;
  }

  /** Types a command line and presses Enter. */
  run(line: string): void {
    this.tmux(["send-keys", "-t", "0", "-l", line]);
    this.tmux(["send-keys", "-t", "0", "Enter"]);
  }

  key(name: string): void {
    this.tmux(["send-keys", "-t", "0", name]);
  }

  /** The visible screen as text (tmux resolves every escape sequence; what a person sees). */
  screen(): string {
    return this.tmux(["capture-pane", "-p", "-t", "0"]);
  }

  clear(): void {
    this.run("clear");
    this.tmux(["clear-history", "-t", "0"]);
  }

  /** Polls the screen until `pred` returns something truthy; returns it (or throws with the last screen). */
  async waitFor<T>(pred: (screen: string) => T | undefined | false | null, what: string, deadlineMs = 120_000, everyMs = 40): Promise<T> {
    const until = Date.now() + deadlineMs;
    let last = "";
    for (;;) {
      last = this.screen();
      const v = pred(last);
      if (v) return v;
      if (Date.now() > until) throw new Error(`terminal never showed ${what}; last screen:\n${last}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  stop(): void {
    if (this.started) spawnSync(TMUX!, ["-L", this.socket, "kill-server"]);
    this.started = false;
  }
}
