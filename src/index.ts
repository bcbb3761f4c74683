/** dvx: a DVC-compatible, content-addressed dataset store. The public library API. */
export { Repo, type OpenOptions, type OpOptions } from "./repo/Repo.js";
export { DvxError, isDvxError, type DvxErrorCode } from "./errors.js";
export type { ProgressEvent, ProgressCallback, Phase, Counts } from "./progress.js";
export type { AddedOutput } from "./repo/add.js";
export type { CheckoutResult } from "./repo/checkout.js";
export type { CommitResult } from "./repo/commit.js";
export type { StatusResult, OutStatus } from "./repo/status.js";
export type { Output } from "./repo/outputs.js";
export type { SyncResult, SyncOptions, CloudStatus } from "./repo/sync.js";
export type { DataStatusOptions, DataStatusResult, DataStatusDiff, DataStatusRename, DataStatusGit } from "./repo/dataStatus.js";
export type { RemoteInfo } from "./repo/settings.js";
export type { ConfigLevel, ConfigValue } from "./repo/config.js";
export type { GcOptions, GcPlan, GcResult, LayoutPlan } from "./repo/gc.js";
export type { DiffResult, DiffOptions } from "./repo/diff.js";
export type { LsCacheResult, LsCacheEntry, LsCacheOptions, Presence, PresenceCount } from "./repo/lsCache.js";
export type { RevisionScope, Revision, RevisionReadError } from "./repo/revisions.js";
export type { UnreadableDir } from "./repo/usedObjects.js";
export {
  stamp,
  verifyStamp,
  parseStamp,
  formatStamp,
  dataFingerprint,
  DRIFT_KINDS,
  STAMP_FORMAT,
  STAMP_VERSION,
  STAMP_FORMATS,
  type StampRecord,
  type StampOptions,
  type StampOutput,
  type StampFormat,
  type DriftKind,
  type Difference,
  type Note,
  type VerifyOptions,
  type VerifyResult,
  type MlflowRecord,
} from "./stamp/index.js";
export type { VerifyReport } from "./cache/localCache.js";
