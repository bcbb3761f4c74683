import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { existingObjects } from "../../../src/cache/existing.js";

/** A deterministic fake oid: 32 hex digits from a number (spread over all prefixes). */
const oid = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(4);

function odbWith(present: string[]): string {
  const odb = mkdtempSync(join(tmpdir(), "dvx-existing-"));
  for (const o of present) {
    mkdirSync(join(odb, o.slice(0, 2)), { recursive: true });
    writeFileSync(join(odb, o.slice(0, 2), o.slice(2)), "x");
  }
  return odb;
}

describe("existingObjects", () => {
  it.each([10, 300, 5000])("answers exactly which of %i ids are present, whichever way it reads", (n) => {
    const ids = Array.from({ length: n }, (_, i) => oid(i));
    const present = ids.filter((_, i) => i % 3 !== 1);
    const odb = odbWith(present);
    // a directory under an object's name is not an object; a symlink to a file is; a broken one is not
    const dirAsObject = ids[1]!;
    mkdirSync(join(odb, dirAsObject.slice(0, 2), dirAsObject.slice(2)), { recursive: true });
    const linked = ids[4]!;
    writeFileSync(join(odb, "target"), "y");
    mkdirSync(join(odb, linked.slice(0, 2)), { recursive: true });
    symlinkSync(join(odb, "target"), join(odb, linked.slice(0, 2), linked.slice(2)));
    const broken = ids[7]!;
    mkdirSync(join(odb, broken.slice(0, 2)), { recursive: true });
    symlinkSync(join(odb, "nowhere"), join(odb, broken.slice(0, 2), broken.slice(2)));
    const dirOid = ids[0]!.slice(0, 32) + ".dir";
    writeFileSync(join(odb, dirOid.slice(0, 2), dirOid.slice(2)), "{}");
    const asked = [...ids, ids[0]!, dirOid, "ff" + "0".repeat(30)]; // a duplicate; a .dir; an absent prefix
    const got = existingObjects(odb, asked);
    const want = new Set([...present, linked, dirOid]);
    expect([...got].sort()).toEqual([...want].sort());
  });

  it("a big cache asked about a few ids: the answer is the same (stat path)", () => {
    const stored = Array.from({ length: 6000 }, (_, i) => oid(i));
    const odb = odbWith(stored);
    const asked = [...stored.slice(0, 300), ...Array.from({ length: 10 }, (_, i) => oid(100_000 + i))];
    expect([...existingObjects(odb, asked)].sort()).toEqual(stored.slice(0, 300).sort());
  });

  it("an absent object directory holds nothing", () => {
    expect(existingObjects(join(tmpdir(), "dvx-no-such-odb-" + process.pid), [oid(1), oid(2)]).size).toBe(0);
  });
});
