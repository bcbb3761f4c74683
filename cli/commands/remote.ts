import { DvxError } from "../../src/errors.js";
import { Config } from "../../src/repo/config.js";
import { remoteAdd, remoteDefault, remoteModify, remoteRemove, remoteRename } from "../../src/repo/remotes.js";
import { findRepoRoot } from "../../src/repo/root.js";
import * as path from "node:path";
import { EXIT, type CommandContext } from "../context.js";
import { suggest } from "../spec.js";
import { json, out } from "./common.js";

const REMOTE_SUBCOMMANDS = ["add", "modify", "default", "list", "remove", "rename"];
import { levelOf } from "./levels.js";

function need(args: string[], n: number, usage: string): void {
  if (args.length < n) throw new DvxError("USAGE", `usage: dvx remote ${usage}`);
}

export async function run(ctx: CommandContext): Promise<number> {
  const [sub, ...args] = ctx.args;
  const level = levelOf(ctx);
  const inRepo = level === "repo" || level === "local" || sub === "list" || sub === "default";
  let dvcDir: string | undefined;
  try {
    dvcDir = path.join(findRepoRoot(ctx.cwd), ".dvc");
  } catch (e) {
    if (inRepo && (level === "repo" || level === "local")) throw e;
  }
  const config = new Config(dvcDir);
  switch (sub) {
    case "add":
      need(args, 2, "add [-d] [--local] NAME URL");
      remoteAdd(config, level, args[0]!, args[1]!, { isDefault: !!ctx.flags.default, force: !!ctx.flags.force, cwd: ctx.cwd });
      return EXIT.OK;
    case "modify": {
      need(args, 2, "modify [--local] [--unset] NAME OPTION [VALUE]");
      const r = remoteModify(config, level, args[0]!, args[1]!, args[2], { unset: !!ctx.flags.unset, cwd: ctx.cwd });
      if (r.warning) ctx.stderr.write(`WARNING: ${r.warning}\n`);
      return EXIT.OK;
    }
    case "default": {
      const name = remoteDefault(config, level, args[0], { unset: !!ctx.flags.unset });
      if (args[0] === undefined && !ctx.flags.unset) {
        if (!name) throw new DvxError("CONFIG_ERROR", "no default remote set");
        out(ctx, name);
      }
      return EXIT.OK;
    }
    case "list": {
      const names = config.remoteNames();
      const def = config.defaultRemote();
      const rows = names.map((n) => ({ name: n, url: String(config.doc("local").get(`remote "${n}"`)?.get("url") ?? config.doc("repo").get(`remote "${n}"`)?.get("url") ?? config.doc("global").get(`remote "${n}"`)?.get("url") ?? config.doc("system").get(`remote "${n}"`)?.get("url") ?? ""), default: n === def }));
      if (ctx.json) json(ctx, rows);
      else if (rows.length) out(ctx, rows.map((r) => `${r.name}\t${r.url}${r.default ? "\t(default)" : ""}`).join("\n"));
      return EXIT.OK;
    }
    case "remove":
      need(args, 1, "remove NAME");
      remoteRemove(config, level, args[0]!);
      return EXIT.OK;
    case "rename":
      need(args, 2, "rename OLD NEW");
      remoteRename(config, level, args[0]!, args[1]!);
      return EXIT.OK;
    default: {
      const s = sub ? suggest(sub, REMOTE_SUBCOMMANDS) : undefined;
      throw new DvxError("USAGE", `dvx remote: expected one of ${REMOTE_SUBCOMMANDS.join(", ")}${sub ? `, got '${sub}'` : ""}${s ? `; did you mean 'remote ${s}'?` : ""}`);
    }
  }
}
