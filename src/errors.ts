/**
 * Typed errors. Every failure dvx reports carries a stable `code` and the file, object or remote
 * it concerns in `data`; the CLI turns them into one-line messages and exit codes (cli/), the
 * library hands them to callers unchanged.
 */
export type DvxErrorCode =
  | "NOT_A_REPO" // no .dvc/ found walking up
  | "ALREADY_INITIALIZED"
  | "PATH_OUTSIDE_REPO"
  | "PATH_IN_DVC_DIR"
  | "TARGET_IS_DVC_FILE"
  | "OVERLAPPING_OUTPUT" // target inside or around an existing output
  | "GIT_TRACKED"
  | "BROKEN_SYMLINK"
  | "IGNORED_PATH" // excluded by .dvcignore
  | "NOT_FOUND" // a target, file or object that does not exist
  | "MALFORMED_FILE" // .dvc, dvc.lock, dvc.yaml, .dir, config that cannot be parsed/validated
  | "UNSAFE_PATH" // a path from outside data that escapes the workspace
  | "CHECKOUT_CONFLICT" // local changes would be overwritten
  | "MISSING_CACHE" // object not in the cache
  | "CORRUPT_OBJECT" // object content does not match its name
  | "CONFIG_ERROR"
  | "REMOTE_ERROR" // a remote that cannot be used (bad URL, credentials, bucket, network)
  | "TRANSFER_FAILED" // some objects did not transfer
  | "LOCKED" // another dvx/dvc process holds the repository lock
  | "ABORTED" // cancelled through an AbortSignal
  | "USAGE"; // invalid arguments to a command or API call

export class DvxError extends Error {
  readonly code: DvxErrorCode;
  /** The file, object, remote... the error concerns (never secrets). */
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;

  constructor(
    code: DvxErrorCode,
    message: string,
    opts: { data?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DvxError";
    this.code = code;
    this.data = opts.data ?? {};
    this.hint = opts.hint;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), data: this.data };
  }
}

/** A parse/validation error in a file: the message names the file and, where known, the line. */
export function malformed(file: string, problem: string, line?: number): DvxError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new DvxError("MALFORMED_FILE", `${where}: ${problem}`, { data: { file, ...(line === undefined ? {} : { line }) } });
}

export function isDvxError(e: unknown, code?: DvxErrorCode): e is DvxError {
  return e instanceof DvxError && (code === undefined || e.code === code);
}
