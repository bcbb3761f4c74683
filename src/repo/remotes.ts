/**
 * Remote and option management on one config level, DVC's way (`dvc remote ...`, `dvc config`).
 * Names are case-insensitive; local paths given by the user are stored relative to the config
 * file's directory.
 */
import { DvxError } from "../errors.js";
import type { Config, ConfigLevel, ConfigValue } from "./config.js";

export const SECRET_OPTIONS = new Set([
  "access_key_id", "secret_access_key", "session_token", "sse_customer_key", "password", "ask_password",
  "account_key", "sas_token", "connection_string", "client_secret", "gdrive_client_secret", "token", "key",
]);

const sectionOf = (name: string) => `remote "${name.toLowerCase()}"`;

function existsAnywhere(config: Config, name: string): boolean {
  return config.remoteNames().includes(name.toLowerCase());
}

export function remoteAdd(config: Config, level: ConfigLevel, name: string, url: string, opts: { isDefault?: boolean; force?: boolean; cwd: string }): void {
  const lname = name.toLowerCase();
  if (!/^[^"\]\[]+$/.test(name)) throw new DvxError("USAGE", `remote name '${name}' is not allowed (no quotes or brackets)`);
  config.edit(level, (doc, { storePath }) => {
    if (doc.has(sectionOf(lname)) && !opts.force) {
      throw new DvxError("CONFIG_ERROR", `remote '${lname}' already exists; use --force to overwrite it`, { data: { remote: lname } });
    }
    doc.set(sectionOf(lname), new Map<string, ConfigValue>([["url", isLocalPath(url) ? storePath(url, opts.cwd) : url]]));
    if (opts.isDefault) setOption(doc, "core", "remote", lname);
  });
}

function isLocalPath(url: string): boolean {
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url);
}

function setOption(doc: Map<string, Map<string, ConfigValue>>, section: string, key: string, value: ConfigValue): void {
  let sec = doc.get(section);
  if (!sec) {
    sec = new Map();
    doc.set(section, sec);
  }
  sec.set(key, value);
}

export function remoteModify(
  config: Config,
  level: ConfigLevel,
  name: string,
  key: string,
  value: string | undefined,
  opts: { unset?: boolean; cwd: string },
): { warning?: string } {
  const lname = name.toLowerCase();
  const lkey = key.toLowerCase();
  if (!existsAnywhere(config, lname)) throw new DvxError("CONFIG_ERROR", `remote '${lname}' doesn't exist`, { data: { remote: lname }, hint: "see 'dvx remote list'" });
  if (!opts.unset && value === undefined) throw new DvxError("USAGE", `remote modify: a value for '${key}' is required (or --unset)`);
  config.edit(level, (doc, { storePath }) => {
    if (opts.unset) {
      doc.get(sectionOf(lname))?.delete(lkey);
      return;
    }
    const pathLike = ["url", "credentialpath", "configpath", "keyfile", "cert_path", "key_path"].includes(lkey) && isLocalPath(value!);
    setOption(doc, sectionOf(lname), lkey, pathLike ? storePath(value!, opts.cwd) : value!);
  });
  if (!opts.unset && SECRET_OPTIONS.has(lkey) && level === "repo") {
    return { warning: `'${lkey}' is a secret and .dvc/config is tracked by git; prefer 'dvx remote modify --local ${lname} ${lkey} ...' (writes .dvc/config.local)` };
  }
  return {};
}

export function remoteDefault(config: Config, level: ConfigLevel, name: string | undefined, opts: { unset?: boolean }): string | undefined {
  if (name === undefined && !opts.unset) return config.defaultRemote();
  if (name !== undefined && !existsAnywhere(config, name)) throw new DvxError("CONFIG_ERROR", `remote '${name.toLowerCase()}' doesn't exist`, { data: { remote: name } });
  config.edit(level, (doc) => {
    if (opts.unset) doc.get("core")?.delete("remote");
    else setOption(doc, "core", "remote", name!.toLowerCase());
  });
  return undefined;
}

export function remoteRemove(config: Config, level: ConfigLevel, name: string): void {
  const lname = name.toLowerCase();
  if (!config.doc(level).has(sectionOf(lname))) {
    throw new DvxError("CONFIG_ERROR", `remote '${lname}' doesn't exist in the ${level} config`, { data: { remote: lname } });
  }
  config.edit(level, (doc) => {
    doc.delete(sectionOf(lname));
    if (doc.get("core")?.get("remote") === lname) doc.get("core")!.delete("remote");
  });
}

export function remoteRename(config: Config, level: ConfigLevel, from: string, to: string): void {
  const a = from.toLowerCase();
  const b = to.toLowerCase();
  if (!config.doc(level).has(sectionOf(a))) throw new DvxError("CONFIG_ERROR", `remote '${a}' doesn't exist in the ${level} config`, { data: { remote: a } });
  if (existsAnywhere(config, b)) throw new DvxError("CONFIG_ERROR", `remote '${b}' already exists`, { data: { remote: b } });
  config.edit(level, (doc) => {
    // keep the section's position: rebuild the map in order
    const entries = [...doc.entries()].map(([k, v]) => (k === sectionOf(a) ? ([sectionOf(b), v] as const) : ([k, v] as const)));
    doc.clear();
    for (const [k, v] of entries) doc.set(k, v);
    if (doc.get("core")?.get("remote") === a) doc.get("core")!.set("remote", b);
  });
}

/** `section.option` or `remote.name.option` → [section, option]. */
export function splitConfigKey(key: string): [string, string] {
  const parts = key.split(".");
  if (parts.length === 3 && ["remote", "machine", "db"].includes(parts[0]!.toLowerCase())) {
    return [`${parts[0]!.toLowerCase()} "${parts[1]!.toLowerCase()}"`, parts[2]!.toLowerCase()];
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new DvxError("USAGE", `config key '${key}' must look like 'section.option' or 'remote.NAME.option'`);
  return [parts[0].toLowerCase(), parts[1].toLowerCase()];
}

export function joinConfigKey(section: string, option: string): string {
  const m = /^(remote|machine|db) "(.*)"$/.exec(section);
  return m ? `${m[1]}.${m[2]}.${option}` : `${section}.${option}`;
}
