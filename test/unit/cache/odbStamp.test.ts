import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { odbStamp } from "../../../src/cache/odbStamp.js";

const base = mkdtempSync(join(tmpdir(), "dvx-stamp-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const HOUR_AGO = new Date(Date.now() - 3600_000);

function odb(name: string): string {
  const dir = join(base, name);
  for (const p of ["ab", "cd"]) mkdirSync(join(dir, p), { recursive: true });
  writeFileSync(join(dir, "ab", "0".repeat(30)), "x");
  writeFileSync(join(dir, "cd", "1".repeat(30)), "y");
  return dir;
}
function age(dir: string): void {
  for (const p of ["ab", "cd", "ef"]) {
    try {
      utimesSync(join(dir, p), HOUR_AGO, HOUR_AGO);
    } catch {
      // absent
    }
  }
  utimesSync(dir, HOUR_AGO, HOUR_AGO);
}

describe("odbStamp", () => {
  it("is undefined for a missing object directory", () => {
    expect(odbStamp(join(base, "nope"))).toBeUndefined();
  });

  it("changes when an object is added to or removed from any prefix directory, or a prefix appears", () => {
    const dir = odb("a");
    age(dir);
    const s0 = odbStamp(dir)!;
    expect(s0.racy).toBe(false);
    expect(odbStamp(dir)!.value).toBe(s0.value);

    rmSync(join(dir, "cd", "1".repeat(30)));
    const s1 = odbStamp(dir)!;
    expect(s1.value).not.toBe(s0.value);
    expect(s1.racy).toBe(true); // just modified

    age(dir);
    const s2 = odbStamp(dir)!;
    writeFileSync(join(dir, "ab", "2".repeat(30)), "z");
    expect(odbStamp(dir)!.value).not.toBe(s2.value);

    age(dir);
    const s3 = odbStamp(dir)!;
    mkdirSync(join(dir, "ef"));
    expect(odbStamp(dir)!.value).not.toBe(s3.value);
  });

  it("ignores names that are not prefix directories (temp files, the legacy cache's files/ dir)", () => {
    const dir = odb("b");
    age(dir);
    const s0 = odbStamp(dir)!;
    mkdirSync(join(dir, "files"));
    utimesSync(dir, HOUR_AGO, HOUR_AGO); // the root's own mtime moved with the mkdir
    expect(odbStamp(dir)!.value).toBe(s0.value);
  });

  it("is racy when a directory's mtime is within the window of the given time", () => {
    const dir = odb("c");
    age(dir);
    expect(odbStamp(dir, HOUR_AGO.getTime() + 50)!.racy).toBe(true);
    expect(odbStamp(dir, HOUR_AGO.getTime() + 1000)!.racy).toBe(false);
  });
});
