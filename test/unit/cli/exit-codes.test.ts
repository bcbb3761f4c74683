import { describe, expect, it } from "vitest";
import { EXIT, exitCodeOf } from "../../../cli/context.js";

describe("exit codes follow DVC's main()", () => {
  it("maps error codes", () => {
    expect(exitCodeOf("USAGE")).toBe(254);
    expect(exitCodeOf("NOT_A_REPO", "push")).toBe(253);
    expect(exitCodeOf("ABORTED", "push")).toBe(252);
    expect(exitCodeOf("CONFIG_ERROR", "remote")).toBe(251);
    expect(exitCodeOf("CONFIG_ERROR", "config")).toBe(251);
    expect(exitCodeOf("CONFIG_ERROR", "push")).toBe(1); // DVC's push catches DvcException
    expect(exitCodeOf("MISSING_CACHE", "checkout")).toBe(1);
    expect(EXIT.UNEXPECTED).toBe(255);
  });
});
