/**
 * DVC's layered configuration (spec 9): system < global < repo (.dvc/config) < local
 * (.dvc/config.local), merged key by key. Path options that are relative resolve against the
 * directory of the config file that set them, and are written back relative to it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { parseConfig, serializeConfig, type ConfigDoc } from "../formats/dvcConfig.js";
import { readTextFile, writeFileAtomic } from "./atomicWrite.js";

export type ConfigLevel = "system" | "global" | "repo" | "local";
export const CONFIG_LEVELS: ConfigLevel[] = ["system", "global", "repo", "local"];
export type ConfigValue = string | string[];

/** Options whose values are filesystem paths (resolved against the config file's directory). */
const PATH_OPTIONS = new Set(["url", "credentialpath", "configpath", "keyfile", "cert_path", "key_path", "gdrive_service_account_json_file_path", "gdrive_user_credentials_file", "dir"]);

export interface RemoteSpec {
  name: string;
  /** absolute local path, or a URL with a scheme */
  url: string;
  options: Record<string, ConfigValue>;
}

export function hasScheme(url: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url);
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

export function configFiles(dvcDir: string | undefined): Record<ConfigLevel, string | undefined> {
  const globalDir = process.env.DVC_GLOBAL_CONFIG_DIR ?? path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "dvc");
  const systemDir = process.env.DVC_SYSTEM_CONFIG_DIR ?? "/etc/xdg/dvc";
  return {
    system: path.join(systemDir, "config"),
    global: path.join(globalDir, "config"),
    repo: dvcDir ? path.join(dvcDir, "config") : undefined,
    local: dvcDir ? path.join(dvcDir, "config.local") : undefined,
  };
}

export class Config {
  readonly files: Record<ConfigLevel, string | undefined>;
  private readonly docs = new Map<ConfigLevel, ConfigDoc>();

  constructor(dvcDir: string | undefined) {
    this.files = configFiles(dvcDir);
    for (const level of CONFIG_LEVELS) this.docs.set(level, this.load(level));
  }

  private load(level: ConfigLevel): ConfigDoc {
    const file = this.files[level];
    if (!file) return new Map();
    let text: string;
    try {
      text = readTextFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw e;
    }
    return parseConfig(text, file);
  }

  /** The raw document of one level (section -> key -> value), as written in its file. */
  doc(level: ConfigLevel): ConfigDoc {
    return this.docs.get(level)!;
  }

  /** Value of `section.key` merged over levels, path options resolved to absolute paths. */
  get(section: string, key: string): ConfigValue | undefined {
    let value: ConfigValue | undefined;
    for (const level of CONFIG_LEVELS) {
      const v = this.docs.get(level)!.get(section.toLowerCase())?.get(key.toLowerCase());
      if (v !== undefined) value = this.resolvePath(level, key, v);
    }
    return value;
  }

  /** All merged values of a section. */
  section(section: string): Map<string, ConfigValue> {
    const out = new Map<string, ConfigValue>();
    for (const level of CONFIG_LEVELS) {
      const sec = this.docs.get(level)!.get(section.toLowerCase());
      if (!sec) continue;
      for (const [k, v] of sec) out.set(k, this.resolvePath(level, k, v));
    }
    return out;
  }

  /** Where a level's relative paths are anchored. */
  levelDir(level: ConfigLevel): string | undefined {
    const f = this.files[level];
    return f ? path.dirname(f) : undefined;
  }

  private resolvePath(level: ConfigLevel, key: string, v: ConfigValue): ConfigValue {
    if (typeof v !== "string" || !PATH_OPTIONS.has(key) || v === "" || hasScheme(v)) return v;
    const expanded = expandHome(v);
    if (path.isAbsolute(expanded)) return expanded;
    return path.resolve(this.levelDir(level)!, expanded);
  }

  remoteNames(): string[] {
    const names = new Set<string>();
    for (const level of CONFIG_LEVELS) {
      for (const sec of this.docs.get(level)!.keys()) {
        const m = /^remote "(.*)"$/.exec(sec);
        if (m) names.add(m[1]!);
      }
    }
    return [...names];
  }

  defaultRemote(): string | undefined {
    const v = this.get("core", "remote");
    return typeof v === "string" && v !== "" ? v.toLowerCase() : undefined;
  }

  /** Resolves a remote by name (or the default), following `remote://other/sub` URLs. */
  remote(name?: string, seen: Set<string> = new Set()): RemoteSpec {
    const wanted = (name ?? this.defaultRemote())?.toLowerCase();
    if (!wanted) {
      throw new DvxError("CONFIG_ERROR", "no remote given and no default remote set", {
        hint: "use '-r NAME' or set one with 'dvx remote default NAME'",
      });
    }
    const sec = this.section(`remote "${wanted}"`);
    const url = sec.get("url");
    if (sec.size === 0 || typeof url !== "string" || url === "") {
      throw new DvxError("CONFIG_ERROR", `remote '${wanted}' is not defined${sec.size ? " (it has no url)" : ""}`, {
        data: { remote: wanted },
        hint: "see 'dvx remote list'",
      });
    }
    const options: Record<string, ConfigValue> = {};
    for (const [k, v] of sec) if (k !== "url") options[k] = v;
    const ref = /^remote:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
    if (ref) {
      if (seen.has(wanted)) throw new DvxError("CONFIG_ERROR", `remote '${wanted}' refers to itself through remote://`, { data: { remote: wanted } });
      seen.add(wanted);
      const base = this.remote(ref[1], seen);
      const sub = ref[2] ?? "";
      const joined = sub ? (hasScheme(base.url) ? `${base.url.replace(/\/+$/, "")}/${sub}` : path.join(base.url, sub)) : base.url;
      return { name: wanted, url: joined, options: { ...base.options, ...options } };
    }
    return { name: wanted, url: url.startsWith("file://") ? url.slice("file://".length) : url, options };
  }

  /**
   * Edit one level's document and write it back atomically. Values set for path options are
   * given relative to `cwd` (as typed by the user) and stored relative to the config file's
   * directory, like DVC.
   */
  edit(level: ConfigLevel, fn: (doc: ConfigDoc, helpers: { storePath: (value: string, cwd: string) => string }) => void): void {
    const file = this.files[level];
    if (!file) throw new DvxError("CONFIG_ERROR", `no ${level} config outside a repository`);
    const doc = this.docs.get(level)!;
    const dir = path.dirname(file);
    const storePath = (value: string, cwd: string): string => {
      if (value === "" || hasScheme(value) || value.startsWith("~") || path.isAbsolute(value)) return value;
      return path.relative(dir, path.resolve(cwd, value)).split(path.sep).join("/") || ".";
    };
    fn(doc, { storePath });
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, serializeConfig(doc));
  }
}
