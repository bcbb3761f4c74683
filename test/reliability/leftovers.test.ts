/**
 * What a kill leaves behind, made deterministic: the states the random-kill suites can only hit
 * by chance, built by hand, each followed by the re-run that must complete.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpRepo, writeTree } from "../helpers/cli.js";
import { tmpFilesUnder } from "./helpers.js";

describe("leftovers of a killed process", () => {
  it("a partial temp file of a killed checkout inside a tracked directory does not block the re-run", () => {
    const repo = tmpRepo();
    writeTree(repo, { "data/a.txt": "a\n", "data/sub/b.txt": "b\n" });
    expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
    // killed while copying data/sub/b.txt: its temp sibling holds part of the bytes
    fs.rmSync(path.join(repo, "data/sub/b.txt"));
    fs.writeFileSync(path.join(repo, "data/sub/.b.txt.AbCdEfGhIjKlMnOp.tmp"), "partial");
    const r = dvx(["checkout"], { cwd: repo });
    expect(r.stderr).not.toMatch(/local changes/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(repo, "data/sub/b.txt"), "utf8")).toBe("b\n");
    expect(tmpFilesUnder(path.join(repo, "data"))).toEqual([]);
  });

  it("a partial temp file of a killed checkout of a file output is removed when the file is written", () => {
    const repo = tmpRepo();
    writeTree(repo, { "model.bin": "weights\n" });
    expect(dvx(["add", "-q", "model.bin"], { cwd: repo }).code).toBe(0);
    fs.rmSync(path.join(repo, "model.bin"));
    fs.writeFileSync(path.join(repo, ".model.bin.AbCdEfGhIjKlMnOp.tmp"), "wei");
    fs.writeFileSync(path.join(repo, ".other.bin.AbCdEfGhIjKlMnOp.tmp"), "not ours to judge");
    const r = dvx(["checkout"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, "model.bin"), "utf8")).toBe("weights\n");
    expect(fs.existsSync(path.join(repo, ".model.bin.AbCdEfGhIjKlMnOp.tmp"))).toBe(false);
    expect(fs.existsSync(path.join(repo, ".other.bin.AbCdEfGhIjKlMnOp.tmp"))).toBe(true);
  });
});
