/**
 * The reproducibility record ("stamp") written by `dvx stamp`: data, code, environment and seeds of
 * a training run. Version 1 of the format; docs/stamp.md is the reference and
 * docs/stamp.schema.json its JSON Schema. Field order here is the order in the written JSON.
 *
 * Compatibility rule: fields may be added within version 1 (readers ignore what they do not know);
 * removing or changing the meaning of a field bumps `version`, and `verifyStamp` refuses versions
 * it does not know.
 */
import type { HashName } from "../odb/oid.js";

export const STAMP_FORMAT = "dvx-stamp";
export const STAMP_VERSION = 1;

/** Presence of an output's data on its remote. */
export type RemotePresence = "yes" | "no" | "unknown" | "unchecked";

export interface StampRemote {
  name: string;
  /** the remote's URL as configured (local paths absolute); user:password@ removed */
  url: string | null;
}

export interface StampOutput {
  /** repo-relative posix path of the data */
  path: string;
  /** the `.dvc` file, or the `dvc.yaml` of a pipeline stage */
  declaredIn: string;
  /** stage name (dvc.lock outputs), else null */
  stage: string | null;
  /** the md5 (with `.dir` for directories) the pointer file records; null when never committed */
  hash: string | null;
  hashName: HashName;
  size: number | null;
  nfiles: number | null;
  isDir: boolean;
  /** `cache: false` outputs are in git, not the cache: presence fields are null */
  cache: boolean;
  push: boolean;
  /** the remote the output is pushed to (its own `remote:`, else the default), null when none */
  remote: StampRemote | null;
  /** the local cache holds every object (the `.dir` and all its files); null for `cache: false` or no hash */
  inCache: boolean | null;
  /** the remote holds it; null for `cache: false`, `push: false` outputs, or no hash or no remote */
  inRemote: RemotePresence | null;
  /** why `inRemote` is "unknown" */
  remoteError?: string;
}

export interface StampData {
  /** repo-relative targets the stamp was limited to, or null for every tracked output */
  targets: string[] | null;
  /** "sha256:<hex>", see docs/stamp.md "Data fingerprint" */
  fingerprint: string;
  defaultRemote: StampRemote | null;
  outputs: StampOutput[];
}

export interface StampChange {
  path: string;
  /** git's two-letter porcelain v1 status, e.g. " M", "??", "D " */
  status: string;
}

export interface StampCode {
  /** "git", or null outside git (`no_scm` repositories, git missing) */
  vcs: "git" | null;
  /** HEAD commit, null before the first commit */
  commit: string | null;
  /** current branch, null on a detached HEAD */
  branch: string | null;
  dirty: boolean | null;
  /** uncommitted changes (untracked files included, git-ignored files excluded) */
  changes: StampChange[];
  /** "sha256:<hex>" over the dirty paths' work-tree contents (docs/stamp.md), null when clean */
  dirtyDigest: string | null;
  /** URL of the `origin` remote (credentials removed), null when none */
  origin: string | null;
  /** repo-relative paths left out of `changes` (the stamp file itself) */
  ignoredPaths: string[];
}

export interface StampLockFile {
  path: string;
  kind: string;
  sha256: string;
  size: number;
}

export interface StampPython {
  /** the command that was run (DVX_PYTHON, $VIRTUAL_ENV/bin/python, python3 or python) */
  command: string;
  /** e.g. "3.11.7"; null when no interpreter could be run */
  version: string | null;
  /** `pip freeze` lines in pip's order; null when pip could not be run */
  packages: string[] | null;
  /** "sha256:<hex>" over the packages joined with "\n" plus a final "\n" */
  freezeSha256: string | null;
  error?: string;
}

export interface StampImage {
  /** "sha256:<hex>" */
  digest: string;
  /** the `name` of `name@sha256:...` when given that way */
  reference: string | null;
  /** "flag" (--image-digest) or "env:<NAME>" */
  source: string;
}

export interface StampGpu {
  driver: string | null;
  cuda: string | null;
  devices: string[];
}

export interface StampEnvironment {
  os: { platform: string; type: string; release: string };
  arch: string;
  cpu: { model: string; count: number };
  node: string;
  lockFiles: StampLockFile[];
  python: StampPython | null;
  image: StampImage | null;
  gpu: StampGpu | null;
}

export interface StampSeed {
  name: string;
  value: string;
}

export interface StampSeeds {
  given: StampSeed[];
  /** seed-related environment variables that were set (sorted by name) */
  env: Record<string, string>;
}

export interface StampRecord {
  format: typeof STAMP_FORMAT;
  version: typeof STAMP_VERSION;
  /** ISO 8601 UTC; the only field that differs between two stamps of the same state */
  createdAt: string;
  tool: { name: "dvx"; version: string };
  data: StampData;
  code: StampCode;
  environment: StampEnvironment;
  seeds: StampSeeds;
}

export interface StampOptions {
  /** seeds as `N` or `NAME=N` strings, or objects */
  seeds?: Array<string | StampSeed>;
  /** also record the Python interpreter and `pip freeze` */
  python?: boolean;
  /** container image digest (`sha256:...` or `name@sha256:...`); default: $DVX_IMAGE_DIGEST */
  imageDigest?: string;
  /** check presence on remotes (default true) */
  remote?: boolean;
  jobs?: number;
  /** where the record will be written (absolute); left out of the dirty-tree check */
  stampFile?: string;
  /** more absolute paths to leave out of the dirty-tree check */
  ignoreChanges?: string[];
  /** environment to read seeds, DVX_PYTHON, DVX_IMAGE_DIGEST, VIRTUAL_ENV from (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** clock (default: now) */
  now?: Date;
}
