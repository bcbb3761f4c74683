import * as os from "node:os";
import { EXIT, type CommandContext } from "../context.js";
import { json, out } from "./common.js";

export async function run(ctx: CommandContext): Promise<number> {
  const info: Record<string, unknown> = {
    dvx: "0.1.0",
    node: process.version,
    platform: `${os.platform()}-${os.release()}-${os.arch()}`,
    hashBackend: process.env.DVX_HASH_BACKEND === "wasm" ? "wasm (hash-wasm)" : "node (node:crypto)",
  };
  try {
    const { Repo } = await import("../../src/index.js");
    const repo = Repo.open(ctx.cwd);
    const cfg = repo.config;
    const type = cfg.get("cache", "type");
    info.repo = repo.root;
    info.cacheType = Array.isArray(type) ? type.join(",") : (type ?? "reflink,copy");
    info.remotes = Object.fromEntries(cfg.remoteNames().map((n) => {
      const url = String(cfg.section(`remote "${n}"`).get("url") ?? "");
      const m = /^([a-z0-9+.-]+):\/\//i.exec(url);
      return [n, m ? m[1] : "local"];
    }));
    repo.close();
  } catch {
    info.repo = null;
  }
  if (ctx.json) json(ctx, info);
  else out(ctx, Object.entries(info).map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? Object.entries(v).map(([a, b]) => `${a} (${b})`).join(", ") || "none" : v ?? "not in a repository"}`).join("\n"));
  return EXIT.OK;
}
