/**
 * Transfers between the local cache and a remote: plan-then-execute push and fetch, cloud status
 * and the exists-vs-traverse decision (spec 8.3-8.6).
 */
export { push } from "./push.js";
export { fetch } from "./fetch.js";
export { remoteStatus, lookupRemoteStatus, type RemoteStatusMap } from "./status.js";
export { oidsExist, chooseExistsStrategy, EXISTS_TUNING, type ExistsStrategy, type ExistsPlanInput } from "./exists.js";
export { defaultTransferJobs } from "./pool.js";
export type {
  ObjRef,
  DirRef,
  TransferRequest,
  TransferResult,
  TransferFailure,
  TransferOptions,
  StatusOptions,
  RemoteStatus,
  CacheLike,
} from "./types.js";
