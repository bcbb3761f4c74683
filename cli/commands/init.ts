import { Repo } from "../../src/index.js";
import { EXIT, type CommandContext } from "../context.js";
import { out } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  const repo = Repo.init(ctx.cwd, { noScm: !!ctx.flags["no-scm"], force: !!ctx.flags.force });
  repo.close();
  out(ctx, `Initialized DVC repository.\n\nYou can now commit the changes to git.`);
  return EXIT.OK;
}
