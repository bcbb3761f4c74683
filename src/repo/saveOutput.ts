/**
 * Saving an output: hash it (storing objects unless --no-commit) and produce the entry to write.
 * Legacy rule (spec 2.4): an entry without `hash:` whose data is unchanged under md5-dos2unix
 * stays legacy; a changed one becomes `hash: md5`.
 */
import type { HashName } from "../odb/oid.js";
import { buildOutput, type BuiltOutput } from "./buildOutput.js";
import type { RepoContext } from "./context.js";
import { DvxError } from "../errors.js";

export interface SavedOutput {
  rel: string;
  hashName: HashName;
  built: BuiltOutput;
  /** the entry values to write (path excluded) */
  md5: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
  changed: boolean;
}

export async function saveOutput(
  ctx: RepoContext,
  rel: string,
  previous: { hashName: HashName; md5?: string } | undefined,
  opts: { store: boolean },
): Promise<SavedOutput> {
  let hashName: HashName = "md5";
  let built: BuiltOutput | undefined;
  if (previous?.hashName === "md5-dos2unix" && previous.md5) {
    // Check the legacy hash first without storing; keep legacy only if nothing changed.
    const legacy = await buildOutput(ctx, rel, "md5-dos2unix", { store: false });
    if (legacy.exists && legacy.oid === previous.md5) {
      hashName = "md5-dos2unix";
      built = opts.store ? await buildOutput(ctx, rel, "md5-dos2unix", { store: true }) : legacy;
    }
  }
  built ??= await buildOutput(ctx, rel, hashName, { store: opts.store });
  if (!built.exists) {
    throw new DvxError("NOT_FOUND", `${rel}: does not exist`, { data: { path: rel } });
  }
  return {
    rel,
    hashName,
    built,
    md5: built.oid!,
    size: built.size!,
    nfiles: built.isDir ? built.nfiles : undefined,
    isexec: !built.isDir && built.isexec ? true : undefined,
    changed: previous?.md5 !== built.oid || previous?.hashName !== hashName,
  };
}
