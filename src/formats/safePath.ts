/**
 * Validation of paths that come from outside data (.dir manifests, .dvc files, dvc.lock): a path
 * that passes can be joined below a workspace or cache directory without escaping it.
 */
import { DvxError } from "../errors.js";

export interface SafePathOptions {
  /**
   * Accept a run of leading `..` segments (`../data/x`). Paths in dvc.yaml/dvc.lock are relative to
   * a stage's `wdir` and may climb out of it; the caller must then resolve the path against its base
   * with {@link resolveRelPath}, which rejects anything that leaves the repository.
   */
  allowParent?: boolean;
}

function unsafe(p: string, source: string, reason: string): DvxError {
  const shown = p.length > 200 ? p.slice(0, 200) + "..." : p;
  return new DvxError("UNSAFE_PATH", `${source}: unsafe path '${shown}' (${reason})`, { data: { file: source, path: p } });
}

/** Throws UNSAFE_PATH unless `p` is a plain, normalised, relative posix path; returns `p`. */
export function assertSafeRelPath(p: string, source: string, opts: SafePathOptions = {}): string {
  const reason = unsafeReason(p, opts.allowParent === true);
  if (reason !== undefined) throw unsafe(p, source, reason);
  return p;
}

/** Why `p` is not a safe relative path, or undefined if it is. */
export function unsafeReason(p: string, allowParent = false): string | undefined {
  if (typeof p !== "string") return "not a string";
  if (p.length === 0) return "empty";
  if (p.includes("\0")) return "contains NUL";
  if (p.includes("\\")) return "contains a backslash";
  if (p.startsWith("/")) return "absolute";
  if (/^[A-Za-z]:/.test(p)) return "drive letter";
  let leading = true;
  for (const seg of p.split("/")) {
    if (seg === "") return "empty segment";
    if (seg === ".") return "'.' segment";
    if (seg === "..") {
      if (!(allowParent && leading)) return "'..' segment";
    } else {
      leading = false;
    }
  }
  if (leading) return "'..' segment"; // only `..` segments: never a file of its own
  return undefined;
}

/**
 * Joins posix relative paths (`base` is a repo-relative directory, "" for the root) and normalises
 * `.` and `..`; throws UNSAFE_PATH if the result leaves the root or is not a safe path.
 */
export function resolveRelPath(source: string, base: string, ...parts: string[]): string {
  const out: string[] = [];
  const all = [base, ...parts];
  for (const part of all) {
    if (part === "" || part === ".") continue;
    if (part.includes("\0") || part.includes("\\") || part.startsWith("/") || /^[A-Za-z]:/.test(part)) {
      throw unsafe(part, source, unsafeReason(part) ?? "invalid");
    }
    for (const seg of part.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") {
        if (out.length === 0) throw unsafe(all.filter((x) => x).join("/"), source, "escapes the repository");
        out.pop();
      } else {
        out.push(seg);
      }
    }
  }
  const joined = out.join("/");
  if (joined === "") throw unsafe(all.filter((x) => x).join("/"), source, "resolves to the root");
  return joined;
}

/** `./a/b` -> `a/b` (DVC writes paths without it, users sometimes do not). */
export function stripDotSlash(p: string): string {
  let s = p;
  while (s.startsWith("./")) s = s.slice(2);
  return s;
}
