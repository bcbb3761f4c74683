/**
 * Renderings of a stamp (docs/stamp.md "Formats"): the JSON record itself, flat `KEY=value` lines
 * for shells and CI (`env`), and the tags and params an MLflow or W&B run would log (`mlflow`).
 */
import { DvxError } from "../errors.js";
import type { StampRecord } from "./types.js";

export type StampFormat = "json" | "env" | "mlflow";
export const STAMP_FORMATS: StampFormat[] = ["json", "env", "mlflow"];

export function formatJson(record: StampRecord): string {
  return JSON.stringify(record, null, 2) + "\n";
}

/** POSIX shell quoting, only when needed: `source`-able, and read by dotenv parsers. */
export function shellValue(v: string): string {
  return /^[A-Za-z0-9_.,:/@%+=^-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** `seed` names become env key parts: upper case, anything but letters and digits -> `_`. */
export function envKeyPart(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

const str = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined ? "" : String(v));

function allPresent(record: StampRecord): { cache: string; remote: string } {
  const cached = record.data.outputs.filter((o) => o.inCache !== null);
  const pushed = record.data.outputs.filter((o) => o.inRemote !== null);
  const remote = pushed.some((o) => o.inRemote === "no")
    ? "false"
    : pushed.some((o) => o.inRemote === "unknown" || o.inRemote === "unchecked")
      ? "unknown"
      : "true";
  return { cache: String(cached.every((o) => o.inCache === true)), remote };
}

export function envPairs(record: StampRecord): Array<[string, string]> {
  const P = "DVX_STAMP_";
  const pairs: Array<[string, string]> = [];
  const put = (k: string, v: string | number | boolean | null | undefined) => pairs.push([P + k, str(v)]);
  const d = record.data;
  const present = allPresent(record);
  put("FORMAT", record.format);
  put("VERSION", record.version);
  put("CREATED_AT", record.createdAt);
  put("TOOL_VERSION", record.tool.version);
  put("DATA_FINGERPRINT", d.fingerprint);
  put("DATA_TARGETS", d.targets?.join(","));
  put("DATA_DEFAULT_REMOTE", d.defaultRemote?.name);
  put("DATA_DEFAULT_REMOTE_URL", d.defaultRemote?.url);
  put("DATA_OUTPUTS", d.outputs.length);
  put("DATA_ALL_IN_CACHE", present.cache);
  put("DATA_ALL_IN_REMOTE", present.remote);
  d.outputs.forEach((o, i) => {
    put(`DATA_${i}_PATH`, o.path);
    put(`DATA_${i}_HASH`, o.hash);
    put(`DATA_${i}_HASH_NAME`, o.hashName);
    put(`DATA_${i}_SIZE`, o.size);
    put(`DATA_${i}_NFILES`, o.nfiles);
    put(`DATA_${i}_REMOTE`, o.remote?.name);
    put(`DATA_${i}_REMOTE_URL`, o.remote?.url);
    put(`DATA_${i}_IN_CACHE`, o.inCache);
    put(`DATA_${i}_IN_REMOTE`, o.inRemote);
  });
  const c = record.code;
  put("GIT_COMMIT", c.commit);
  put("GIT_BRANCH", c.branch);
  put("GIT_DIRTY", c.dirty);
  put("GIT_DIRTY_PATHS", c.changes.map((x) => x.path).join(","));
  put("GIT_DIRTY_DIGEST", c.dirtyDigest);
  put("GIT_ORIGIN", c.origin);
  const e = record.environment;
  put("OS", e.os.platform);
  put("OS_RELEASE", e.os.release);
  put("ARCH", e.arch);
  put("CPU_MODEL", e.cpu.model);
  put("CPU_COUNT", e.cpu.count);
  put("NODE", e.node);
  put("LOCKFILES", e.lockFiles.length);
  e.lockFiles.forEach((l, i) => {
    put(`LOCKFILE_${i}_PATH`, l.path);
    put(`LOCKFILE_${i}_KIND`, l.kind);
    put(`LOCKFILE_${i}_SHA256`, l.sha256);
  });
  put("PYTHON_VERSION", e.python?.version);
  put("PIP_FREEZE_SHA256", e.python?.freezeSha256);
  put("PIP_PACKAGES", e.python?.packages?.length);
  put("IMAGE_DIGEST", e.image?.digest);
  put("GPU_DRIVER", e.gpu?.driver);
  put("CUDA_VERSION", e.gpu?.cuda);
  put("GPU_DEVICES", e.gpu?.devices.join(","));
  put("SEEDS", record.seeds.given.map((s) => `${s.name}=${s.value}`).join(","));
  for (const s of record.seeds.given) put(`SEED_${envKeyPart(s.name)}`, s.value);
  for (const [k, v] of Object.entries(record.seeds.env)) put(`ENV_${k}`, v);
  return pairs;
}

export function formatEnv(record: StampRecord): string {
  return envPairs(record).map(([k, v]) => `${k}=${shellValue(v)}\n`).join("");
}

/** MLflow key rules: letters, digits, `_ - . / space`, at most 250 characters. */
export function mlflowKey(key: string): string {
  const k = key.replace(/[^A-Za-z0-9_\-./ ]/g, "_");
  return k.length <= 250 ? k : k.slice(0, 250);
}

/** MLflow tag values hold up to 5000 characters (older servers); longer lists are cut with "...". */
function cap(v: string, n = 5000): string {
  return v.length <= n ? v : `${v.slice(0, n - 3)}...`;
}

export interface MlflowRecord {
  /** `mlflow.set_tags(tags)`; W&B: `wandb.config.update(tags)` or run tags */
  tags: Record<string, string>;
  /** `mlflow.log_params(params)`; W&B: `wandb.config.update(params)` */
  params: Record<string, string>;
}

export function mlflowRecord(record: StampRecord): MlflowRecord {
  const tags: Record<string, string> = {};
  const params: Record<string, string> = {};
  const tag = (k: string, v: string | number | boolean | null | undefined) => {
    if (v !== null && v !== undefined) tags[mlflowKey(k)] = cap(String(v));
  };
  const c = record.code;
  // MLflow's own source tags, so the UI links the run to its commit
  tag("mlflow.source.git.commit", c.commit);
  tag("mlflow.source.git.branch", c.branch);
  tag("mlflow.source.git.repoURL", c.origin);
  tag("dvx.stamp.format", record.format);
  tag("dvx.stamp.version", record.version);
  tag("dvx.stamp.created_at", record.createdAt);
  tag("dvx.tool.version", record.tool.version);
  tag("dvx.git.dirty", c.dirty);
  if (c.dirty) tag("dvx.git.dirty_paths", c.changes.map((x) => x.path).join(","));
  tag("dvx.git.dirty_digest", c.dirtyDigest);
  const d = record.data;
  const present = allPresent(record);
  tag("dvx.data.fingerprint", d.fingerprint);
  tag("dvx.data.outputs", d.outputs.length);
  tag("dvx.data.remote", d.defaultRemote?.url);
  tag("dvx.data.all_in_cache", present.cache);
  tag("dvx.data.all_in_remote", present.remote);
  for (const o of d.outputs) tag(`dvx.data.${o.path}`, o.hash ? `${o.hashName}:${o.hash}` : "uncommitted");
  const e = record.environment;
  tag("dvx.env.os", `${e.os.platform} ${e.os.release}`);
  tag("dvx.env.arch", e.arch);
  tag("dvx.env.node", e.node);
  for (const l of e.lockFiles) tag(`dvx.lock.${l.path}`, `sha256:${l.sha256}`);
  tag("dvx.env.python", e.python?.version);
  tag("dvx.env.pip_freeze_sha256", e.python?.freezeSha256);
  tag("dvx.env.image_digest", e.image?.digest);
  tag("dvx.env.gpu_driver", e.gpu?.driver);
  tag("dvx.env.cuda", e.gpu?.cuda);
  if (e.gpu) tag("dvx.env.gpu_devices", e.gpu.devices.join(","));
  // params: what a run is compared by
  params["data.fingerprint"] = d.fingerprint;
  for (const s of record.seeds.given) params[mlflowKey(s.name === "seed" ? "seed" : `seed.${s.name}`)] = s.value;
  for (const [k, v] of Object.entries(record.seeds.env)) params[mlflowKey(`env.${k}`)] = cap(v, 500);
  return { tags, params };
}

export function formatMlflow(record: StampRecord): string {
  return JSON.stringify(mlflowRecord(record), null, 2) + "\n";
}

export function formatStamp(record: StampRecord, format: StampFormat = "json"): string {
  switch (format) {
    case "json":
      return formatJson(record);
    case "env":
      return formatEnv(record);
    case "mlflow":
      return formatMlflow(record);
    default:
      throw new DvxError("USAGE", `unknown stamp format '${String(format)}' (one of: ${STAMP_FORMATS.join(", ")})`);
  }
}
