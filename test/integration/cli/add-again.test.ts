/**
 * add (and commit) of a directory unchanged since it was last recorded, while the cache is known
 * to hold it whole (repo/cacheComplete.ts): nothing is hashed, read or stored. As soon as the cache
 * loses an object, the next add finds and restores it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Repo } from "../../../src/index.js";
import type { ProgressEvent } from "../../../src/progress.js";
import { tmpRepo, writeTree } from "../../helpers/cli.js";

const HOUR_AGO = new Date(Date.now() - 3600_000);

/** Object directories an hour old: out of the racy window, so a proof can be recorded. */
function settleCache(dir: string): void {
  const odb = path.join(dir, ".dvc/cache/files/md5");
  for (const name of fs.readdirSync(odb)) fs.utimesSync(path.join(odb, name), HOUR_AGO, HOUR_AGO);
  fs.utimesSync(odb, HOUR_AGO, HOUR_AGO);
}

async function addPhases(dir: string): Promise<Set<string>> {
  const phases = new Set<string>();
  const repo = Repo.open(dir);
  try {
    await repo.add(["data"], { cwd: dir, onProgress: (e: ProgressEvent) => void phases.add(e.phase) });
  } finally {
    repo.close();
  }
  return phases;
}

describe("add again of an unchanged directory", () => {
  it("skips hashing and storing once the cache is known to hold it, and notices a lost object", async () => {
    const dir = tmpRepo();
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`data/d${i % 4}/f${i}.txt`] = `file ${i}\n`;
    writeTree(dir, files);
    for (const f of Object.keys(files)) fs.utimesSync(path.join(dir, f), HOUR_AGO, HOUR_AGO); // state may record them
    expect(await addPhases(dir)).toContain("hash");
    const dvcFile = fs.readFileSync(path.join(dir, "data.dvc"), "utf8");
    settleCache(dir);
    expect(await addPhases(dir)).toContain("hash"); // proves the cache holds everything and records it
    expect(await addPhases(dir)).not.toContain("hash"); // answered from the records
    expect(fs.readFileSync(path.join(dir, "data.dvc"), "utf8")).toBe(dvcFile);

    // an object goes missing (gc, a user): its prefix directory changes, the record no longer counts
    const odb = path.join(dir, ".dvc/cache/files/md5");
    const victimDir = fs.readdirSync(odb).find((p) => fs.readdirSync(path.join(odb, p)).some((n) => !n.endsWith(".dir")))!;
    const victim = path.join(odb, victimDir, fs.readdirSync(path.join(odb, victimDir)).find((n) => !n.endsWith(".dir"))!);
    fs.rmSync(victim);
    expect(await addPhases(dir)).toContain("hash");
    expect(fs.existsSync(victim)).toBe(true);
    expect(fs.readFileSync(path.join(dir, "data.dvc"), "utf8")).toBe(dvcFile);

    // and a changed file is hashed and recorded as such
    settleCache(dir);
    await addPhases(dir);
    writeTree(dir, { "data/d0/f0.txt": "changed\n" });
    expect(await addPhases(dir)).toContain("hash");
    expect(fs.readFileSync(path.join(dir, "data.dvc"), "utf8")).not.toBe(dvcFile);
  });
});
