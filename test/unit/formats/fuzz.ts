/** Shared settings for property tests: DVX_FUZZ_RUNS (default 1000; CI sets 10000). */
import { DvxError } from "../../../src/errors.js";

const parsed = Number.parseInt(process.env["DVX_FUZZ_RUNS"] ?? "", 10);
export const FUZZ_RUNS = Number.isFinite(parsed) && parsed > 0 ? parsed : 1000;

/** Runs fn; rethrows anything that is not a DvxError (parsers must only throw DvxError). */
export function onlyDvxErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DvxError)) throw e;
  }
}

/**
 * For properties that parse and re-emit whole YAML documents several times per run (the `yaml`
 * parser costs ~0.3 ms per small document): a quarter of FUZZ_RUNS, at least 100.
 */
export const FUZZ_RUNS_YAML = Math.max(100, Math.ceil(FUZZ_RUNS / 4));
