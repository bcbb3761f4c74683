import type { CommandContext } from "../context.js";
import type { ConfigLevel } from "../../src/repo/config.js";

/** --local / --global / --system / --project → config level (default: repo). */
export function levelOf(ctx: CommandContext): ConfigLevel {
  if (ctx.flags.local) return "local";
  if (ctx.flags.global) return "global";
  if (ctx.flags.system) return "system";
  return "repo";
}
