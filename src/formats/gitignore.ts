/**
 * `.gitignore` entries for outputs (spec 10.2), as scmrepo writes them: `/` + the path relative
 * to the .gitignore's directory with gitignore metacharacters backslash-escaped (pathspec
 * `GitWildMatchPattern.escape`, which since pathspec 1.0 also escapes `\`).
 */

/** Python str.strip() whitespace. */
const PY_STRIP =
  /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** `data/file.csv` (relative to the .gitignore's directory; usually a basename) -> `/file.csv`. */
export function gitignoreEntry(name: string): string {
  const entry = name.startsWith("/") ? name : `/${name}`;
  return entry.replace(/[\\[\]!*#?]/g, (c) => `\\${c}`);
}

/** Lines as Python's text-mode readlines() returns them (universal newlines), ends kept. */
function readLines(text: string): string[] {
  const t = text.replace(/\r\n?/g, "\n");
  const lines = t.split(/(?<=\n)/);
  return lines.filter((l) => l !== "");
}

/**
 * scmrepo `_add_entry_to_gitignore`: appends `entry\n` unless that exact line is present; a
 * non-empty text without a final newline gets `\n` first (and then, as in scmrepo, the entry is
 * appended even if present). Returns the new text, or undefined when nothing changes.
 */
export function addGitignoreEntry(text: string | undefined, entry: string): string | undefined {
  const current = text ?? "";
  if (current === "") return `${entry}\n`;
  const last = current[current.length - 1];
  const prefix = last === "\n" || last === "\r" ? "" : "\n";
  const newEntry = `${prefix}${entry}\n`;
  if (readLines(current).includes(newEntry)) return undefined;
  return current + newEntry;
}

/**
 * scmrepo `ignore_remove`: drops every line whose stripped text equals the stripped entry.
 * Returns the new text (line endings normalised to "\n", as Python's text mode does), or null
 * when no line is left (the file should be deleted).
 */
export function removeGitignoreEntry(text: string, entry: string): string | null {
  const target = entry.replace(PY_STRIP, "");
  const kept = readLines(text).filter((l) => l.replace(PY_STRIP, "") !== target);
  return kept.length === 0 ? null : kept.join("");
}
