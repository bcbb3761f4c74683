/**
 * `.dvcignore` (spec 10.3): DVC's `DvcIgnorePatterns`/`DvcIgnoreFilter` semantics on top of
 * pathspec 0.12's `GitWildMatchPattern` (gitignore wildmatch), ported pattern by pattern:
 *
 * - lines are `strip()`ped on both sides; empty lines and lines starting with `#` are skipped;
 * - built-in root patterns `.hg/`, `.git/`, `.git`, `.dvc/` come first;
 * - a nested `.dvcignore` is merged into the root list with its rules rewritten relative to the
 *   root (dvc/pathspec_math.py `change_rule`), parents before children, so deeper rules win;
 *   a `.dvcignore` that is itself ignored by the rules above it is not read;
 * - the last matching rule decides; dir-only rules (`foo/`) never match files;
 * - every prefix of a path is checked: once a directory is ignored, everything below it is.
 *
 * As in DVC, an entry is judged with the rules of the nearest `.dvcignore` at or above its parent
 * directory (so a directory's own `.dvcignore` applies to its contents, not to the directory).
 * Rules are compiled to RegExps once, consecutive rules of the same kind are joined into one
 * alternation (as DVC does), and results for directories are memoised, so checking a file costs
 * one match pass over the rules for its own name.
 */
import { malformed } from "../errors.js";

/** The `.dvcignore` that `dvc init` writes (spec 10.1). */
export const DVCIGNORE_INIT_TEXT =
  "# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n";

const DEFAULT_PATTERNS = [".hg/", ".git/", ".git", ".dvc/"];

// Python str.strip() whitespace.
const PY_STRIP = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const PY_LSTRIP = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function pyStrip(s: string): string {
  return s.replace(PY_STRIP, "");
}

// Python's `$` (no MULTILINE): end of string or before a final "\n". Python's `.`: not "\n".
const END = "(?=\\n?$)";
const ANY = "[^\\n]";

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? "\\" + ch : ch;
}

class PatternError extends Error {}

/** pathspec 0.12.1 GitWildMatchPattern._translate_segment_glob, emitting JavaScript syntax. */
function translateSegmentGlob(pattern: string[]): string {
  let escape = false;
  let regex = "";
  let i = 0;
  const end = pattern.length;
  while (i < end) {
    const char = pattern[i]!;
    i += 1;
    if (escape) {
      escape = false;
      regex += escapeRegex(char);
    } else if (char === "\\") {
      escape = true;
    } else if (char === "*") {
      regex += "[^/]*";
    } else if (char === "?") {
      // one code point (the RegExps run without the slower `u` flag)
      regex += "(?:[\\ud800-\\udbff][\\udc00-\\udfff]|[^/])";
    } else if (char === "[") {
      let j = i;
      if (j < end && (pattern[j] === "!" || pattern[j] === "^")) j += 1;
      if (j < end && pattern[j] === "]") j += 1;
      while (j < end && pattern[j] !== "]") j += 1;
      if (j < end) {
        j += 1;
        let expr = "[";
        if (pattern[i] === "!" || pattern[i] === "^") {
          expr += "^";
          i += 1;
        }
        // Python's re takes a leading ']' in a class literally; JavaScript needs it escaped.
        let body = pattern.slice(i, j - 1);
        let lead = "";
        if (body[0] === "]") {
          lead = "\\]";
          body = body.slice(1);
        }
        expr += lead + body.map((c) => (c === "\\" ? "\\\\" : c === "[" ? "\\[" : c)).join("") + "]";
        regex += expr;
        i = j;
      } else {
        regex += "\\[";
      }
    } else {
      regex += escapeRegex(char);
    }
  }
  if (escape) throw new PatternError("escape character found with no next character to escape");
  return regex;
}

/**
 * pathspec 0.12.1 GitWildMatchPattern.pattern_to_regex: [regex source, include] where include is
 * true for an ignore rule and false for a `!` rule; null for a no-op line.
 */
export function patternToRegex(patternIn: string): [string, boolean] | null {
  let pattern = patternIn.endsWith("\\ ") ? patternIn.replace(PY_LSTRIP, "") : pyStrip(patternIn);
  if (pattern.startsWith("#") || pattern === "/" || pattern === "") return null;
  let include = true;
  if (pattern.startsWith("!")) {
    include = false;
    pattern = pattern.slice(1);
  }
  let overrideRegex: string | undefined;
  const segs = pattern.split("/");
  const isDirPattern = segs[segs.length - 1] === "";
  for (let i = segs.length - 1; i > 0; i--) {
    if (segs[i - 1] === "**" && segs[i] === "**") segs.splice(i, 1);
  }
  if (segs.length === 2 && segs[0] === "**" && !segs[1]) overrideRegex = `^${ANY}+/${ANY}*${END}`;
  if (!segs[0]) segs.shift();
  else if (segs.length === 1 || (segs.length === 2 && !segs[1])) {
    if (segs[0] !== "**") segs.unshift("**");
  }
  if (segs.length === 0) throw new PatternError("pattern normalizes to nothing");
  if (!segs[segs.length - 1] && segs.length > 1) segs[segs.length - 1] = "**";
  if (overrideRegex !== undefined) return [overrideRegex, include];
  const out: string[] = ["^"];
  let needSlash = false;
  const end = segs.length - 1;
  segs.forEach((seg, i) => {
    if (seg === "**") {
      if (i === 0 && i === end) out.push(`[^/]+(?:/${ANY}*)?`);
      else if (i === 0) {
        out.push(`(?:${ANY}+/)?`);
        needSlash = false;
      } else if (i === end) {
        out.push(isDirPattern ? `/${ANY}*` : `/${ANY}*`);
      } else {
        out.push(`(?:/${ANY}+)?`);
        needSlash = true;
      }
    } else if (seg === "*") {
      if (needSlash) out.push("/");
      out.push("[^/]+");
      if (i === end) out.push(`(?:/${ANY}*)?`);
      needSlash = true;
    } else {
      if (needSlash) out.push("/");
      out.push(translateSegmentGlob(Array.from(seg)));
      if (i === end) out.push(`(?:/${ANY}*)?`);
      needSlash = true;
    }
  });
  out.push(END);
  return [out.join(""), include];
}

/** dvc/pathspec_math.py change_rule: a rule of `<rel>/.dvcignore` rewritten for the root. */
export function changeRule(ruleIn: string, rel: string): string {
  let rule = pyStrip(ruleIn);
  if (rule.startsWith("#")) return rule;
  const notIgnore = rule.startsWith("!");
  if (notIgnore) rule = rule.slice(1);
  let matchAll: boolean;
  if (rule.slice(0, -1).includes("/") && !rule.startsWith("**/")) {
    if (rule.startsWith("/")) rule = rule.slice(1);
    matchAll = false;
  } else {
    if (rule.startsWith("**/")) rule = rule.slice(3);
    matchAll = true;
  }
  if (rule.startsWith("\\")) rule = rule.slice(1);
  rule = matchAll ? `/**/${rule}` : `/${rule}`;
  rule = notIgnore ? `!/${rel}${rule}` : `/${rel}${rule}`;
  // pathspec.util.normalize_file
  if (rule.startsWith("/")) rule = rule.slice(1);
  else if (rule.startsWith("./")) rule = rule.slice(2);
  return rule;
}

interface Rule {
  regex: string;
  ignore: boolean;
  dirOnly: boolean;
}

interface Group {
  re: RegExp;
  ignore: boolean;
  dirOnly: boolean;
}

function compileGroups(rules: Rule[], source: (i: number) => [string, number | undefined]): Group[] {
  const groups: Group[] = [];
  let i = 0;
  while (i < rules.length) {
    const first = rules[i]!;
    let j = i;
    const parts: string[] = [];
    while (j < rules.length && rules[j]!.ignore === first.ignore && rules[j]!.dirOnly === first.dirOnly) {
      try {
        new RegExp(rules[j]!.regex);
      } catch (e) {
        const [file, line] = source(j);
        throw malformed(file, `invalid pattern (${(e as Error).message})`, line);
      }
      parts.push(rules[j]!.regex);
      j++;
      // DVC does not join '!' rules; joining them would not change the outcome, but keep groups small.
      if (!first.ignore) break;
    }
    groups.push({ re: new RegExp(parts.length === 1 ? parts[0]! : parts.map((p) => `(?:${p})`).join("|")), ignore: first.ignore, dirOnly: first.dirOnly });
    i = j;
  }
  return groups;
}

export interface IgnoreFile {
  /** Repo-relative posix directory of the .dvcignore, "" for the root. */
  dir: string;
  text: string;
}

/** The merged, compiled rules in effect for one directory (DVC's trie value). */
class RuleSet {
  private readonly groups: Group[];
  private readonly dirCache = new Map<string, boolean>();

  constructor(
    readonly rules: readonly Rule[],
    readonly patterns: readonly string[],
    private readonly sources: readonly [string, number | undefined][],
  ) {
    this.groups = compileGroups(rules as Rule[], (i) => sources[i]!);
  }

  sourceOf(i: number): [string, number | undefined] {
    return this.sources[i]!;
  }

  /** DvcIgnorePatterns._ignore: every prefix is checked with these rules. */
  check(path: string, isDir: boolean): boolean {
    const slash = path.lastIndexOf("/");
    if (slash !== -1 && this.dirIgnored(path.slice(0, slash))) return true;
    return isDir ? this.dirIgnored(path) : this.matches(path, false);
  }

  private dirIgnored(dir: string): boolean {
    const cached = this.dirCache.get(dir);
    if (cached !== undefined) return cached;
    const slash = dir.lastIndexOf("/");
    const result = (slash !== -1 && this.dirIgnored(dir.slice(0, slash))) || this.matches(dir, true);
    if (this.dirCache.size > 1_000_000) this.dirCache.clear();
    this.dirCache.set(dir, result);
    return result;
  }

  /** DvcIgnorePatterns._find_matching_pattern: the last matching rule decides. */
  private matches(path: string, isDir: boolean): boolean {
    const withSlash = isDir && !path.endsWith("/") ? `${path}/` : undefined;
    for (let g = this.groups.length - 1; g >= 0; g--) {
      const group = this.groups[g]!;
      if (group.dirOnly && !isDir) continue;
      if (group.re.test(path) || (withSlash !== undefined && group.re.test(withSlash))) return group.ignore;
    }
    return false;
  }
}

export class IgnoreRules {
  /** Directory ("" = root) -> rules in effect for paths directly or indirectly inside it. */
  private readonly sets: Map<string, RuleSet>;
  private readonly deepest: number;
  private readonly single: RuleSet | undefined;
  private readonly setCache = new Map<string, RuleSet>();

  private constructor(sets: Map<string, RuleSet>) {
    this.sets = sets;
    this.single = sets.size === 1 ? sets.get("") : undefined;
    let d = 0;
    for (const k of sets.keys()) d = Math.max(d, depth(k));
    this.deepest = d;
  }

  /**
   * Builds the rules of a repository from its `.dvcignore` files (any order; each with its
   * directory). `subrepos` are directories that contain their own `.dvc/` (ignored, spec 10.3).
   */
  static compile(files: IgnoreFile[], opts: { subrepos?: string[] } = {}): IgnoreRules {
    const normDir = (d: string) => d.replace(/^(?:\.\/)+/, "").replace(/^\/+|\/+$/g, "").replace(/^\.$/, "");
    type Src = { dir: string; lines: [string, string, number | undefined][] };
    const byDir = new Map<string, Src>();
    const srcFor = (dir: string) => {
      let s = byDir.get(dir);
      if (!s) byDir.set(dir, (s = { dir, lines: [] }));
      return s;
    };
    for (const f of files) {
      const dir = normDir(f.dir);
      const file = dir ? `${dir}/.dvcignore` : ".dvcignore";
      const src = srcFor(dir);
      f.text.split("\n").forEach((raw, n) => {
        const line = pyStrip(raw);
        if (line && !line.startsWith("#")) src.lines.push([line, file, n + 1]);
      });
    }
    // Sub-repositories: `/<name>/` in their parent directory, after that directory's own rules.
    const subLines = new Map<string, [string, string, number | undefined][]>();
    for (const s of (opts.subrepos ?? []).map(normDir).filter((d) => d !== "")) {
      const slash = s.lastIndexOf("/");
      const parent = slash === -1 ? "" : s.slice(0, slash);
      const list = subLines.get(parent) ?? [];
      list.push([`/${s.slice(slash + 1)}/`, `<sub-repo ${s}>`, undefined]);
      subLines.set(parent, list);
      srcFor(parent);
    }
    const sets = new Map<string, RuleSet>();
    const base: Rule[] = [];
    const basePatterns: string[] = [];
    const baseSources: [string, number | undefined][] = [];
    for (const p of DEFAULT_PATTERNS) pushRule(base, basePatterns, baseSources, p, "<built-in>", undefined);
    sets.set("", new RuleSet(base, basePatterns, baseSources));
    const dirs = [...byDir.keys()].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const dir of dirs) {
      const parentSet = lookup(sets, dir);
      const own = byDir.get(dir)!.lines;
      const file = dir ? `${dir}/.dvcignore` : ".dvcignore";
      // DVC does not read a .dvcignore that the rules above it ignore.
      const lines = own.length && !(dir !== "" && parentSet.check(file, false)) ? own : [];
      const all = [...lines, ...(subLines.get(dir) ?? [])];
      if (all.length === 0) continue;
      const rules = parentSet.rules.slice();
      const patterns = parentSet.patterns.slice();
      const sources = rules.map((_, i) => parentSet.sourceOf(i));
      for (const [line, src, n] of all) pushRule(rules, patterns, sources, dir === "" ? line : changeRule(line, dir), src, n);
      sets.set(dir, new RuleSet(rules, patterns, sources));
    }
    return new IgnoreRules(sets);
  }

  /** The rules (after rewriting) that apply to entries of `relDir`, for diagnostics. */
  patternsFor(relDir: string): readonly string[] {
    return lookup(this.sets, relDir).patterns;
  }

  /**
   * Whether a repo-relative posix path is ignored, as DVC decides it for an entry of its parent
   * directory: with the rules of the nearest .dvcignore at or above that directory, checking
   * every prefix (an entry of an ignored directory is ignored).
   */
  isIgnored(relPath: string, isDir: boolean): boolean {
    const path = relPath.charCodeAt(relPath.length - 1) === 0x2f ? relPath.replace(/\/+$/, "") : relPath;
    if (path === "") return false;
    if (this.single) return this.single.check(path, isDir);
    const slash = path.lastIndexOf("/");
    const parent = slash === -1 ? "" : path.slice(0, slash);
    let set = this.setCache.get(parent);
    if (set === undefined) {
      set = lookup(this.sets, parent, this.deepest);
      if (this.setCache.size > 1_000_000) this.setCache.clear();
      this.setCache.set(parent, set);
    }
    return set.check(path, isDir);
  }
}

function pushRule(
  rules: Rule[],
  patterns: string[],
  sources: [string, number | undefined][],
  pattern: string,
  file: string,
  line: number | undefined,
): void {
  let r: [string, boolean] | null;
  try {
    r = patternToRegex(pattern);
  } catch (e) {
    throw malformed(file, `invalid pattern '${pattern.slice(0, 100)}' (${(e as Error).message})`, line);
  }
  if (!r) return;
  rules.push({ regex: r[0], ignore: r[1], dirOnly: pattern.endsWith("/") });
  patterns.push(pattern);
  sources.push([file, line]);
}

/** The rule set of the deepest directory at or above `dir` that has one. */
function lookup(sets: Map<string, RuleSet>, dir: string, maxDepth = Infinity): RuleSet {
  let d = dir;
  let parts = d === "" ? 0 : d.split("/").length;
  while (parts > maxDepth) {
    d = d.slice(0, d.lastIndexOf("/"));
    parts--;
  }
  for (;;) {
    const s = sets.get(d);
    if (s) return s;
    if (d === "") return sets.get("")!;
    const slash = d.lastIndexOf("/");
    d = slash === -1 ? "" : d.slice(0, slash);
  }
}

function depth(dir: string): number {
  return dir === "" ? 0 : dir.split("/").length;
}
