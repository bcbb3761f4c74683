/**
 * Pick a Storage backend from a remote's URL. Local paths (no scheme, or `file://`) need no SDK;
 * the S3 and GCS backends import their SDKs lazily inside their own module, so a command on a
 * local repository never loads them (design.md).
 */
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { DvxError } from "../errors.js";
import { LocalStorage } from "./localStorage.js";
import type { RetryPolicy } from "./retry.js";
import type { RemoteConfig, Storage } from "./storage.js";

export interface OpenStorageOptions {
  /** Concurrency the caller will use (sizes connection pools). Default: remote `jobs`, else 4 x CPUs. */
  jobs?: number;
  retry?: Partial<RetryPolicy>;
  /** S3: single PUT below this size, multipart at or above (default 64 MiB). */
  multipartThreshold?: number;
  /** S3: part size (default 16 MiB, min 5 MiB, grown so there are at most 10,000 parts). */
  partSize?: number;
  /** S3: parts of one object in flight (default 4). */
  partConcurrency?: number;
  /** S3 flexible checksums; default WHEN_REQUIRED unless the AWS_* env vars say otherwise. */
  s3Checksums?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /** GCS: simple upload below this size, resumable at or above (default 8 MiB). */
  gcsResumableThreshold?: number;
}

/** DVC's default transfer concurrency: 4 x CPU count (spec 8.9). */
export function defaultJobs(): number {
  return 4 * Math.max(1, availableParallelism());
}

/** `jobs` from the option given, else the remote's `jobs` option, else 4 x CPUs. */
export function resolveJobs(remote: Pick<RemoteConfig, "options">, jobs?: number): number {
  if (jobs !== undefined && jobs > 0) return Math.floor(jobs);
  const j = remote.options.jobs;
  const n = typeof j === "string" ? Number(j) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : defaultJobs();
}

export function remoteScheme(url: string): string {
  if (/^[a-zA-Z]:[\\/]/.test(url)) return ""; // Windows drive letter
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  return m ? m[1]!.toLowerCase() : "";
}

export async function openStorage(remote: RemoteConfig, opts: OpenStorageOptions = {}): Promise<Storage> {
  const scheme = remoteScheme(remote.url);
  const jobs = resolveJobs(remote, opts.jobs);
  const retry = opts.retry ? { retry: opts.retry } : {};
  switch (scheme) {
    case "":
      return new LocalStorage(path.resolve(remote.url), { name: remote.name });
    case "file":
      return new LocalStorage(fileURLToPath(remote.url), { name: remote.name });
    case "s3":
    case "s3a": {
      const { createS3Storage } = await import("./s3Storage.js");
      return createS3Storage(remote, {
        jobs,
        ...retry,
        ...(opts.multipartThreshold !== undefined ? { multipartThreshold: opts.multipartThreshold } : {}),
        ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}),
        ...(opts.partConcurrency !== undefined ? { partConcurrency: opts.partConcurrency } : {}),
        ...(opts.s3Checksums !== undefined ? { checksums: opts.s3Checksums } : {}),
      });
    }
    case "gs":
    case "gcs": {
      const { createGcsStorage } = await import("./gcsStorage.js");
      return createGcsStorage(remote, {
        jobs,
        ...retry,
        ...(opts.gcsResumableThreshold !== undefined ? { resumableThreshold: opts.gcsResumableThreshold } : {}),
      });
    }
    case "remote":
      throw new DvxError(
        "REMOTE_ERROR",
        `remote '${remote.name}': url '${remote.url}' must be resolved against the remote it names before opening`,
        { data: { remote: remote.name, url: remote.url } },
      );
    default:
      throw new DvxError(
        "REMOTE_ERROR",
        `remote '${remote.name}': unsupported remote type '${scheme}://' (dvx supports local paths, s3:// and gs://)`,
        { data: { remote: remote.name, url: remote.url, scheme } },
      );
  }
}
