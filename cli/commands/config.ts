import * as path from "node:path";
import { DvxError } from "../../src/errors.js";
import { Config, CONFIG_LEVELS } from "../../src/repo/config.js";
import { joinConfigKey, splitConfigKey } from "../../src/repo/remotes.js";
import { KNOWN_OPTIONS } from "../../src/repo/settings.js";
import { findRepoRoot } from "../../src/repo/root.js";
import { EXIT, type CommandContext } from "../context.js";
import { json, out } from "./common.js";
import { levelOf } from "./levels.js";


function show(v: string | string[]): string {
  return Array.isArray(v) ? v.join(", ") : v;
}

export async function run(ctx: CommandContext): Promise<number> {
  let dvcDir: string | undefined;
  try {
    dvcDir = path.join(findRepoRoot(ctx.cwd), ".dvc");
  } catch (e) {
    if (!ctx.flags.global && !ctx.flags.system) throw e;
  }
  const config = new Config(dvcDir);
  const explicitLevel = ctx.flags.local || ctx.flags.global || ctx.flags.system || ctx.flags.project;
  if (ctx.flags.list) {
    const levels = explicitLevel ? [levelOf(ctx)] : CONFIG_LEVELS;
    const merged = new Map<string, string>();
    for (const level of levels) for (const [section, opts] of config.doc(level)) for (const [k, v] of opts) merged.set(joinConfigKey(section, k), show(v));
    if (ctx.json) json(ctx, Object.fromEntries(merged));
    else if (merged.size) out(ctx, [...merged].map(([k, v]) => `${k}=${v}`).join("\n"));
    return EXIT.OK;
  }
  const [key, value] = ctx.args;
  if (!key) throw new DvxError("USAGE", "usage: dvx config [--local|--global|--system] [-u] KEY [VALUE] | -l");
  const [section, option] = splitConfigKey(key);
  const known = KNOWN_OPTIONS[section];
  if (known && !known.includes(option)) throw new DvxError("CONFIG_ERROR", `'${key}' is not a known option of [${section}]`, { data: { key } });
  if (!known && !/^(remote|machine|db) "/.test(section)) throw new DvxError("CONFIG_ERROR", `'${section}' is not a config section`, { data: { key } });
  if (/^remote "/.test(section) && !config.remoteNames().includes(section.slice(8, -1))) {
    throw new DvxError("CONFIG_ERROR", `remote '${section.slice(8, -1)}' doesn't exist`, { data: { key } });
  }
  if (ctx.flags.unset) {
    config.edit(levelOf(ctx), (doc) => {
      const sec = doc.get(section);
      if (!sec?.has(option)) throw new DvxError("CONFIG_ERROR", `option '${key}' is not set`, { data: { key } });
      sec.delete(option);
    });
    return EXIT.OK;
  }
  if (value === undefined) {
    const levels = explicitLevel ? [levelOf(ctx)] : CONFIG_LEVELS;
    let found: string | string[] | undefined;
    for (const level of levels) found = config.doc(level).get(section)?.get(option) ?? found;
    if (found === undefined) throw new DvxError("CONFIG_ERROR", `option '${key}' is not set`, { data: { key } });
    out(ctx, show(found));
    return EXIT.OK;
  }
  config.edit(levelOf(ctx), (doc, { storePath }) => {
    let sec = doc.get(section);
    if (!sec) doc.set(section, (sec = new Map()));
    sec.set(option, section === "cache" && option === "dir" ? storePath(value, ctx.cwd) : value);
  });
  return EXIT.OK;
}
