/**
 * walkList keeps the walk compactly (names + typed-array stats); what it gives back per file must
 * be what the object walk gave: same files, same order (the directory record's fingerprint
 * depends on it), same paths and stats.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { walkDir, walkList } from "../../../src/repo/walk.js";

const root = mkdtempSync(join(tmpdir(), "dvx-walklist-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("walkList", () => {
  it("gives the files, paths and stats of a direct walk, in its order", () => {
    const dir = join(root, "data");
    for (let d = 0; d < 5; d++) {
      mkdirSync(join(dir, `d${d}`, "sub"), { recursive: true });
      for (let f = 0; f < 600; f++) writeFileSync(join(dir, `d${d}`, f % 2 ? "sub" : "", `f${f}.txt`), `${d}-${f}`.repeat(f % 5));
    }
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "top é.txt"), "x");
    symlinkSync(join(dir, "top é.txt"), join(dir, "link"));
    const list = walkList(dir, "data", undefined);
    const objects = walkDir(dir, "data", undefined);
    expect(list.length).toBe(3002);
    expect(objects.length).toBe(list.length);
    for (let i = 0; i < list.length; i++) {
      const o = objects[i]!;
      expect(list.rel(i)).toBe(o.rel);
      expect(list.absPath(i)).toBe(join(dir, o.rel));
      expect(list.stat(i)).toEqual({ ino: o.stat.ino, size: o.stat.size, mtimeNs: o.stat.mtimeNs });
      const st = statSync(list.absPath(i), { bigint: true });
      expect([list.ino(i), list.size(i), list.mtimeNs(i), list.mode(i)]).toEqual([st.ino, Number(st.size), st.mtimeNs, Number(st.mode)]);
    }
  });
});
