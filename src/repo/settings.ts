/**
 * The typed configuration surface of `Repo`: remotes as records, and options addressed the way
 * `dvc config` spells them (`core.remote`, `cache.type`, `remote.NAME.url`). Writes go through
 * Config.edit (atomic, configobj-compatible, paths stored relative to the config file).
 */
import { DvxError } from "../errors.js";
import { CONFIG_LEVELS, type Config, type ConfigLevel, type ConfigValue } from "./config.js";
import { joinConfigKey, splitConfigKey } from "./remotes.js";

export interface RemoteInfo {
  name: string;
  /** as configured (a local path is resolved to an absolute path) */
  url: string;
  /** URL scheme (`s3`, `gs`, `http`...) or `local` for a directory */
  kind: string;
  /** it is `core.remote` */
  isDefault: boolean;
  /** the highest-precedence config file that defines it */
  level: ConfigLevel;
}

/** Options DVC's config schema accepts in its plain sections (spec 9.2). */
export const KNOWN_OPTIONS: Record<string, string[]> = {
  core: ["remote", "checksum_jobs", "interactive", "analytics", "hardlink_lock", "no_scm", "autostage", "check_update", "site_cache_dir", "machine"],
  cache: ["dir", "type", "shared", "slow_link_warning", "verify", "protected"],
  state: ["row_limit", "row_cleanup_quota"],
  index: ["dir"],
  feature: [],
  plots: ["html_template", "out_dir", "auto_open"],
};

export function remoteKind(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!m || m[1]!.toLowerCase() === "file") return "local";
  return m[1]!.toLowerCase();
}

export function listRemotes(config: Config): RemoteInfo[] {
  const def = config.defaultRemote();
  return config.remoteNames().map((name) => {
    const section = `remote "${name}"`;
    let level: ConfigLevel = "repo";
    for (const l of CONFIG_LEVELS) if (config.doc(l).has(section)) level = l;
    const url = String(config.section(section).get("url") ?? "");
    return { name, url, kind: remoteKind(url), isDefault: name === def, level };
  });
}

/** Validates `section.option` / `remote.NAME.option` like `dvc config` and splits it. */
export function checkedKey(config: Config, key: string): [string, string] {
  const [section, option] = splitConfigKey(key);
  const known = KNOWN_OPTIONS[section];
  if (known && !known.includes(option)) throw new DvxError("CONFIG_ERROR", `'${key}' is not a known option of [${section}]`, { data: { key } });
  if (!known && !/^(remote|machine|db) "/.test(section)) throw new DvxError("CONFIG_ERROR", `'${section}' is not a config section`, { data: { key } });
  if (/^remote "/.test(section) && !config.remoteNames().includes(section.slice(8, -1))) {
    throw new DvxError("CONFIG_ERROR", `remote '${section.slice(8, -1)}' doesn't exist`, { data: { key } });
  }
  return [section, option];
}

/** Every option of one level, or merged over all levels, as `key=value` strings (lists joined). */
export function listConfig(config: Config, level?: ConfigLevel): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const l of level ? [level] : CONFIG_LEVELS) {
    for (const [section, opts] of config.doc(l)) for (const [k, v] of opts) merged[joinConfigKey(section, k)] = Array.isArray(v) ? v.join(", ") : v;
  }
  return merged;
}

export function getConfig(config: Config, key: string, level?: ConfigLevel): ConfigValue | undefined {
  const [section, option] = splitConfigKey(key);
  if (!level) return config.get(section, option);
  return config.doc(level).get(section)?.get(option);
}

export function setConfig(config: Config, key: string, value: ConfigValue, level: ConfigLevel, cwd: string): void {
  const [section, option] = checkedKey(config, key);
  config.edit(level, (doc, { storePath }) => {
    let sec = doc.get(section);
    if (!sec) doc.set(section, (sec = new Map()));
    sec.set(option, section === "cache" && option === "dir" && typeof value === "string" ? storePath(value, cwd) : value);
  });
}

export function unsetConfig(config: Config, key: string, level: ConfigLevel): void {
  const [section, option] = checkedKey(config, key);
  config.edit(level, (doc) => {
    const sec = doc.get(section);
    if (!sec?.has(option)) throw new DvxError("CONFIG_ERROR", `option '${key}' is not set`, { data: { key } });
    sec.delete(option);
  });
}
