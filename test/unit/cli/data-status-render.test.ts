/**
 * `dvx data status` text and JSON against what DVC 3.x (dvc/commands/data.py) prints for the same
 * status (captured from dvc 3.67 runs; DVC's hints name `dvc`, ours `dvx`).
 */
import { describe, expect, it } from "vitest";
import { compactStatus, renderDataStatus } from "../../../cli/commands/data-status.js";
import type { DataStatusResult } from "../../../src/index.js";

const empty = (): DataStatusResult => ({ not_in_cache: [], not_in_remote: [], committed: {}, uncommitted: {}, untracked: [], unchanged: [], git: { is_empty: false, is_dirty: false } });

describe("data status rendering", () => {
  it("no changes", () => {
    expect(renderDataStatus(compactStatus(empty(), {}), { is_empty: false, is_dirty: false })).toBe("No changes.");
    expect(renderDataStatus({}, { is_empty: true, is_dirty: true })).toBe(
      'No changes in an empty git repo.\n(there are changes not tracked by dvc, use "git status" to see)',
    );
  });

  it("every section, DVC's labels, hints and 8-space indent", () => {
    const st: DataStatusResult = {
      ...empty(),
      not_in_cache: ["data/"],
      committed: { renamed: [{ old: "foo", new: "bar" }] },
      uncommitted: { modified: ["data/"], added: ["data/newf"], deleted: ["bar"] },
      untracked: ["bar.dvc", "untr"],
      unchanged: ["data/"],
      git: { is_empty: false, is_dirty: true },
    };
    const shown = compactStatus(st, { unchanged: true, untracked: true });
    expect(renderDataStatus(shown, st.git)).toBe(
      [
        "Not in cache:",
        '  (use "dvx fetch <file>..." to download files)',
        "        data/",
        "",
        "DVC committed changes:",
        "  (git commit the corresponding dvc files to update the repo)",
        "        renamed: foo -> bar",
        "",
        "DVC uncommitted changes:",
        '  (use "dvx commit <file>..." to track changes)',
        '  (use "dvx checkout <file>..." to discard changes)',
        "        modified: data/",
        "        added: data/newf",
        "        deleted: bar",
        "",
        "Untracked files:",
        '  (use "git add <file> ..." or "dvx add <file>..." to commit to git or to dvc)',
        "        bar.dvc",
        "        untr",
        "",
        "DVC unchanged files:",
        "        data/",
        '(there are other changes not tracked by dvc, use "git status" to see)',
      ].join("\n"),
    );
  });

  it("--json drops empty sections and the sections not asked for (DVC's compact)", () => {
    const st: DataStatusResult = { ...empty(), not_in_remote: ["foo"], untracked: ["x"], unchanged: ["data/"], committed: { added: ["foo"] } };
    expect(compactStatus(st, {})).toEqual({ not_in_remote: ["foo"], committed: { added: ["foo"] } });
    expect(Object.keys(compactStatus(st, { untracked: true, unchanged: true }))).toEqual(["not_in_remote", "committed", "untracked", "unchanged"]);
  });

  it("colours sections only when asked (a TTY)", () => {
    const shown = compactStatus({ ...empty(), not_in_cache: ["a"] }, {});
    expect(renderDataStatus(shown, {}, false)).not.toContain("\x1b");
    expect(renderDataStatus(shown, {}, true)).toContain("\x1b[31m        a\x1b[39m");
  });
});
