import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { chooseRenderer, createReporter, isCI } from "../../../cli/progress/reporter.js";

describe("choosing the renderer", () => {
  const tty = { isTTY: true, env: { TERM: "xterm-256color" } };
  it("ink only on a TTY outside CI", () => {
    expect(chooseRenderer(tty)).toBe("ink");
    expect(chooseRenderer({ ...tty, isTTY: false })).toBe("plain");
    expect(chooseRenderer({ ...tty, env: { CI: "true" } })).toBe("plain");
    expect(chooseRenderer({ ...tty, env: { GITHUB_ACTIONS: "true", CI: "1" } })).toBe("plain");
    expect(chooseRenderer({ ...tty, env: { TERM: "dumb" } })).toBe("plain");
    expect(chooseRenderer({ ...tty, env: { DVX_NO_TUI: "1" } })).toBe("plain");
  });
  it("nothing with -q or --json", () => {
    expect(chooseRenderer({ ...tty, quiet: true })).toBe("none");
    expect(chooseRenderer({ ...tty, json: true })).toBe("none");
    expect(chooseRenderer({ isTTY: false, json: true })).toBe("none");
  });
  it("reads CI like ink's is-in-ci (CI=false and CI=0 mean not CI)", () => {
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: "false" })).toBe(false);
    expect(isCI({ CI: "0" })).toBe(false);
    expect(isCI({ CI: "" })).toBe(true);
    expect(isCI({ CONTINUOUS_INTEGRATION: "1" })).toBe(true);
    expect(isCI({ CI_PIPELINE_ID: "7" })).toBe(true);
  });
});

describe("createReporter", () => {
  const stderr = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  it("is silent with -q", async () => {
    const s = stderr();
    const chunks: Buffer[] = [];
    (s as unknown as PassThrough).on("data", (c: Buffer) => chunks.push(c));
    const r = await createReporter({ quiet: true, json: false, verbose: true, cwd: "/", stderr: s }, { env: {} });
    r.onProgress({ type: "item", phase: "push", oid: "0".repeat(32), bytes: 1, done: { files: 1, bytes: 1 } });
    await r.close();
    expect(Buffer.concat(chunks).toString()).toBe("");
  });
  it("writes plain lines when stderr is not a TTY", async () => {
    const s = stderr();
    const chunks: Buffer[] = [];
    (s as unknown as PassThrough).on("data", (c: Buffer) => chunks.push(c));
    const r = await createReporter({ quiet: false, json: false, verbose: true, cwd: "/", stderr: s }, { env: {} });
    r.onProgress({ type: "item", phase: "push", oid: "0".repeat(32), bytes: 1, done: { files: 1, bytes: 1 } });
    await r.close();
    expect(Buffer.concat(chunks).toString()).toBe(`pushed ${"0".repeat(32)}\n`);
  });
  it("never loads ink for a command that ends before the UI is due", async () => {
    const s = Object.assign(new PassThrough(), { isTTY: true, columns: 100 }) as unknown as NodeJS.WriteStream;
    const chunks: Buffer[] = [];
    (s as unknown as PassThrough).on("data", (c: Buffer) => chunks.push(c));
    const r = await createReporter({ quiet: false, json: false, verbose: false, cwd: "/", stderr: s }, { env: { TERM: "xterm" }, deferMs: 60_000 });
    r.onProgress({ type: "start", phase: "hash", total: { files: 1, bytes: 1 } });
    await r.close();
    expect(Buffer.concat(chunks).toString()).toBe("");
  });
});
