import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addGitignoreEntry, gitignoreEntry, removeGitignoreEntry } from "../../../src/formats/gitignore.js";
import { DVCIGNORE_INIT_TEXT } from "../../../src/formats/ignorePatterns.js";
import { FUZZ_RUNS } from "./fuzz.js";

describe("gitignore (spec 10.2)", () => {
  it("escapes special characters (DVC test vector)", () => {
    expect(gitignoreEntry("file!with*weird#naming_[1].t?t")).toBe("/file\\!with\\*weird\\#naming_\\[1\\].t\\?t");
    expect(gitignoreEntry("a\\b")).toBe("/a\\\\b");
    expect(gitignoreEntry("données")).toBe("/données");
  });
  it("builds data/.gitignore after adding data/train.csv and data/images (spec 12.4)", () => {
    const a = addGitignoreEntry(undefined, gitignoreEntry("train.csv"));
    expect(a).toBe("/train.csv\n");
    expect(addGitignoreEntry(a, gitignoreEntry("images"))).toBe("/train.csv\n/images\n");
  });
  it("appends a newline first when the file does not end with one; is idempotent", () => {
    expect(addGitignoreEntry("", "/a")).toBe("/a\n");
    expect(addGitignoreEntry("*.log", "/a")).toBe("*.log\n/a\n");
    expect(addGitignoreEntry("/a\n", "/a")).toBeUndefined();
    expect(addGitignoreEntry("x\r\n/a\r\n", "/a")).toBeUndefined();
    expect(addGitignoreEntry("/a\n/b\n", "/b")).toBeUndefined();
    // scmrepo quirk: without a final newline the entry is appended even if present
    expect(addGitignoreEntry("/a", "/a")).toBe("/a\n/a\n");
  });
  it("removes entries and reports an emptied file", () => {
    expect(removeGitignoreEntry("/a\n/b\n", "/a")).toBe("/b\n");
    expect(removeGitignoreEntry("  /a  \n/b\r\n", "/a")).toBe("/b\n");
    expect(removeGitignoreEntry("/a\n", "/a")).toBeNull();
    expect(removeGitignoreEntry("/a\n/a\n", "/a")).toBeNull();
    expect(removeGitignoreEntry("/b", "/a")).toBe("/b");
  });
  it("add then remove restores the original (with a final newline)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z/*]{1,6}$/), { maxLength: 5 }), fc.stringMatching(/^[a-z.\[\]!*#? ]{1,8}$/), (lines, name) => {
        const entry = gitignoreEntry(name.trim() || "x");
        const text = lines.filter((l) => l.trim() !== entry.trim()).map((l) => l + "\n").join("");
        const added = addGitignoreEntry(text, entry)!;
        expect(added.endsWith(`${entry}\n`)).toBe(true);
        expect(addGitignoreEntry(added, entry)).toBeUndefined();
        const removed = removeGitignoreEntry(added, entry);
        expect(removed).toBe(text === "" ? null : text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
  it("DVCIGNORE_INIT_TEXT is the text of spec 10.1", () => {
    expect(DVCIGNORE_INIT_TEXT).toBe(
      "# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n",
    );
  });
});
