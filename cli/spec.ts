/**
 * The command table: names, flags, help text and examples, following DVC's flags so a DVC user's
 * muscle memory works. Kept free of heavy imports so `dvx --help` starts in bare-node time; each
 * command's code is loaded only when it runs.
 */
export interface FlagSpec {
  name: string;
  short?: string;
  type: "boolean" | "string";
  multiple?: boolean;
  help: string;
  /** value placeholder in help */
  arg?: string;
  /**
   * A boolean flag that also takes `--name=VALUE` (argparse's nargs="?", e.g. DVC's
   * `--untracked-files [{no,all}]`): the first value turns it off, the others on.
   */
  values?: string[];
}

export interface CommandSpec {
  name: string;
  /** how it is typed, when that differs from `name` (`data status`) */
  display?: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  example: string;
  /** module under cli/commands/ exporting `run(ctx)` */
  module: string;
}

export const COMMON_FLAGS: FlagSpec[] = [
  { name: "quiet", short: "q", type: "boolean", help: "print nothing on success" },
  { name: "verbose", short: "v", type: "boolean", help: "print a line per file/object" },
  { name: "help", short: "h", type: "boolean", help: "show this help" },
];

const JOBS: FlagSpec = { name: "jobs", short: "j", type: "string", arg: "N", help: "parallel transfers (default: remote's jobs or 4 x CPUs)" };
const REMOTE: FlagSpec = { name: "remote", short: "r", type: "string", arg: "NAME", help: "remote to use (default: core.remote)" };
const JSON_FLAG: FlagSpec = { name: "json", type: "boolean", help: "print the result as JSON" };
const RECURSIVE: FlagSpec = { name: "recursive", short: "R", type: "boolean", help: "treat directory targets as sets of outputs" };
/** DVC's revision scope flags (push/pull/fetch/ls-cache; gc adds -w, -n, --date). */
const REVISION_FLAGS: FlagSpec[] = [
  { name: "all-branches", short: "a", type: "boolean", help: "also the outputs of the tips of all git branches" },
  { name: "all-tags", short: "T", type: "boolean", help: "also the outputs of all git tags" },
  { name: "all-commits", short: "A", type: "boolean", help: "also the outputs of all git commits" },
  { name: "rev", type: "string", multiple: true, arg: "REV", help: "also the outputs of this git revision (repeatable)" },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: "init",
    summary: "Initialize a dvx/DVC repository in the current directory",
    usage: "dvx init [--no-scm] [-f]",
    flags: [
      { name: "no-scm", type: "boolean", help: "initialize without git" },
      { name: "force", short: "f", type: "boolean", help: "re-initialize, removing the existing .dvc/ (and local cache)" },
    ],
    example: "git init && dvx init",
    module: "init",
  },
  {
    name: "add",
    summary: "Track files or directories: hash them into the cache and write .dvc files",
    usage: "dvx add TARGET... [--no-commit] [--glob]",
    flags: [
      { name: "no-commit", type: "boolean", help: "write the .dvc file but do not store data in the cache" },
      { name: "glob", type: "boolean", help: "expand wildcard targets" },
      JSON_FLAG,
    ],
    example: "dvx add data/images data/labels.csv",
    module: "add",
  },
  {
    name: "status",
    summary: "Show outputs that changed in the workspace or are missing from the cache (-c: from a remote)",
    usage: "dvx status [TARGET...] [-c [-r NAME]] [--json]",
    flags: [
      { name: "cloud", short: "c", type: "boolean", help: "compare the cache with a remote instead of the workspace" },
      REMOTE,
      JOBS,
      RECURSIVE,
      JSON_FLAG,
    ],
    example: "dvx status --json",
    module: "status",
  },
  {
    name: "data-status",
    display: "data status",
    summary: "Show changes between the last git commit, the .dvc files and the workspace (DVC 3's 'dvc data status')",
    usage: "dvx data status [TARGET...] [--granular] [--unchanged] [--untracked-files] [--not-in-remote [-r NAME]] [--json]",
    flags: [
      { name: "granular", type: "boolean", help: "also list the files inside tracked directories" },
      { name: "unchanged", type: "boolean", help: "also list unchanged tracked files" },
      { name: "untracked-files", type: "boolean", values: ["no", "all"], help: "also list files git does not track (--untracked-files=no: don't)" },
      { name: "not-in-remote", type: "boolean", help: "also list what the remote lacks" },
      { name: "no-remote-refresh", type: "boolean", help: "accepted for DVC compatibility (dvx always asks the remote)" },
      { name: "remote", short: "r", type: "string", arg: "NAME", help: "remote for --not-in-remote (default: core.remote)" },
      { name: "jobs", short: "j", type: "string", arg: "N", help: "parallel remote existence checks (default: remote's jobs or 4 x CPUs)" },
      JSON_FLAG,
    ],
    example: "dvx data status --granular --not-in-remote --json",
    module: "data-status",
  },
  {
    name: "checkout",
    summary: "Restore tracked data in the workspace from the cache",
    usage: "dvx checkout [TARGET...] [-f] [--relink] [--summary]",
    flags: [
      { name: "force", short: "f", type: "boolean", help: "overwrite local changes without asking" },
      { name: "relink", type: "boolean", help: "re-create links/copies even for unchanged files" },
      { name: "summary", type: "boolean", help: "print only DVC's one-line summary ('1 file added and 2 files deleted')" },
      RECURSIVE,
      JSON_FLAG,
    ],
    example: "dvx checkout data/images/cat.png",
    module: "checkout",
  },
  {
    name: "commit",
    summary: "Record changes of tracked outputs in their .dvc files / dvc.lock and the cache",
    usage: "dvx commit [TARGET...] [-f]",
    flags: [{ name: "force", short: "f", type: "boolean", help: "commit without asking" }, RECURSIVE, JSON_FLAG],
    example: "dvx commit data.dvc",
    module: "commit",
  },
  {
    name: "remove",
    summary: "Stop tracking outputs: delete .dvc files and their .gitignore entries",
    usage: "dvx remove TARGET.dvc... [--outs]",
    flags: [{ name: "outs", type: "boolean", help: "also delete the outputs from the workspace" }],
    example: "dvx remove data.dvc",
    module: "remove",
  },
  {
    name: "push",
    summary: "Upload tracked data from the cache to a remote",
    usage: "dvx push [TARGET...] [-r NAME] [-j N] [-a] [-T] [-A] [--rev REV]",
    flags: [REMOTE, JOBS, RECURSIVE, ...REVISION_FLAGS, JSON_FLAG],
    example: "dvx push -r storage",
    module: "push",
  },
  {
    name: "pull",
    summary: "Download tracked data from a remote and check it out",
    usage: "dvx pull [TARGET...] [-r NAME] [-j N] [-f] [-a] [-T] [-A] [--rev REV]",
    flags: [REMOTE, JOBS, RECURSIVE, { name: "force", short: "f", type: "boolean", help: "overwrite local changes" }, ...REVISION_FLAGS, JSON_FLAG],
    example: "dvx pull data/images/cat.png",
    module: "pull",
  },
  {
    name: "fetch",
    summary: "Download tracked data from a remote into the cache",
    usage: "dvx fetch [TARGET...] [-r NAME] [-j N] [-a] [-T] [-A] [--rev REV]",
    flags: [REMOTE, JOBS, RECURSIVE, ...REVISION_FLAGS, JSON_FLAG],
    example: "dvx fetch -r storage",
    module: "fetch",
  },
  {
    name: "remote",
    summary: "Manage remotes: add, modify, default, list, remove, rename",
    usage: "dvx remote add [-d] [--local] NAME URL | modify [--local] [--unset] NAME KEY [VALUE] | default [NAME] | list | remove NAME | rename OLD NEW",
    flags: [
      { name: "default", short: "d", type: "boolean", help: "(add) make it the default remote" },
      { name: "force", short: "f", type: "boolean", help: "(add) overwrite an existing remote" },
      { name: "local", type: "boolean", help: "write to .dvc/config.local (not tracked by git)" },
      { name: "global", type: "boolean", help: "write to the global config" },
      { name: "system", type: "boolean", help: "write to the system config" },
      { name: "project", type: "boolean", help: "write to .dvc/config (default)" },
      { name: "unset", short: "u", type: "boolean", help: "(modify, default) remove the option" },
      JSON_FLAG,
    ],
    example: "dvx remote add -d storage s3://bucket/dvcstore",
    module: "remote",
  },
  {
    name: "config",
    summary: "Get, set or list configuration options (core.*, cache.*, remote.NAME.*)",
    usage: "dvx config [--local|--global|--system] [-u] KEY [VALUE] | -l",
    flags: [
      { name: "local", type: "boolean", help: "use .dvc/config.local" },
      { name: "global", type: "boolean", help: "use the global config" },
      { name: "system", type: "boolean", help: "use the system config" },
      { name: "project", type: "boolean", help: "use .dvc/config (default)" },
      { name: "unset", short: "u", type: "boolean", help: "remove the option" },
      { name: "list", short: "l", type: "boolean", help: "list all options" },
      JSON_FLAG,
    ],
    example: "dvx config cache.type hardlink,symlink",
    module: "config",
  },
  {
    name: "gc",
    summary: "Delete cache (and with -c remote) objects that no output of the chosen revisions uses",
    usage: "dvx gc (-w | -a | -T | -A | --rev REV [-n N] | --date YYYY-MM-DD)... [-c [-r NAME]] [-f] [--dry] [--json]",
    flags: [
      { name: "workspace", short: "w", type: "boolean", help: "keep what the workspace uses (always kept)" },
      { name: "all-branches", short: "a", type: "boolean", help: "keep what the tips of all git branches use" },
      { name: "all-tags", short: "T", type: "boolean", help: "keep what all git tags use" },
      { name: "all-commits", short: "A", type: "boolean", help: "keep what all git commits use" },
      { name: "rev", type: "string", multiple: true, arg: "REV", help: "keep what this git revision uses (repeatable)" },
      { name: "num", short: "n", type: "string", arg: "N", help: "with --rev: also its N-1 first-parent ancestors" },
      { name: "date", type: "string", arg: "YYYY-MM-DD", help: "keep what commits made on or after this date use" },
      { name: "cloud", short: "c", type: "boolean", help: "also delete unused objects from a remote (requires -f)" },
      REMOTE,
      { name: "force", short: "f", type: "boolean", help: "delete without asking" },
      { name: "dry", type: "boolean", help: "only list what would be deleted and how many bytes" },
      { name: "skip-failed", type: "boolean", help: "local gc: go on without revisions whose pointer files cannot be read" },
      { name: "drop-unreadable-dirs", type: "boolean", help: "let the files of used directories whose .dir cannot be read be deleted (DVC's -f)" },
      { name: "offline", type: "boolean", help: "do not read missing .dir manifests from remotes" },
      JOBS,
      JSON_FLAG,
    ],
    example: "dvx gc -a -T --dry",
    module: "gc",
  },
  {
    name: "diff",
    summary: "Show data added, deleted, modified or renamed between git revisions, or a revision and the workspace",
    usage: "dvx diff [A_REV] [B_REV] [--targets PATH...] [--json] [--show-hash] [--md] [--hide-missing]",
    flags: [
      { name: "targets", type: "string", multiple: true, arg: "PATH", help: "compare only these tracked paths (repeatable; also takes the following positional paths)" },
      JSON_FLAG,
      { name: "show-hash", type: "boolean", help: "show the hash of each entry" },
      { name: "md", type: "boolean", help: "print a Markdown table" },
      { name: "hide-missing", type: "boolean", help: "do not list entries missing from the cache" },
    ],
    example: "dvx diff HEAD~1 --json --show-hash",
    module: "diff",
  },
  {
    name: "ls-cache",
    summary: "Show which objects of the outputs (at revisions) are in the cache and on a remote",
    usage: "dvx ls-cache [TARGET...] [-a] [-T] [-A] [--rev REV] [-c] [-r NAME] [--json]",
    flags: [
      ...REVISION_FLAGS,
      { name: "workspace", short: "w", type: "boolean", help: "include the workspace (the default without revision flags)" },
      { name: "cloud", short: "c", type: "boolean", help: "also check the default remote (or -r NAME)" },
      REMOTE,
      JOBS,
      JSON_FLAG,
    ],
    example: "dvx ls-cache --rev v1.0 -c",
    module: "ls-cache",
  },
  {
    name: "stamp",
    summary: "Record (or verify) the data, code, environment and seeds of a training run in one stamp",
    usage: "dvx stamp [TARGET...] [--seed [NAME=]N ...] [-o FILE] [--format json|env|mlflow] [--python] [--image-digest D]\n       dvx stamp verify FILE [--json] [--ignore KIND ...]",
    flags: [
      { name: "seed", type: "string", multiple: true, arg: "[NAME=]N", help: "a random seed of the run (repeatable)" },
      { name: "out", short: "o", type: "string", arg: "FILE", help: "write the stamp to FILE instead of stdout" },
      { name: "format", type: "string", arg: "FMT", help: "json (default, the record), env (KEY=value lines) or mlflow (tags and params)" },
      { name: "python", type: "boolean", help: "also record the Python version and pip freeze (interpreter: $DVX_PYTHON, the active venv, python3)" },
      { name: "image-digest", type: "string", arg: "D", help: "container image digest (default: $DVX_IMAGE_DIGEST)" },
      { name: "no-remote", type: "boolean", help: "do not ask remotes whether they hold the data" },
      { name: "ignore", type: "string", multiple: true, arg: "KIND", help: "verify: leave out a kind of drift (data.remote, env.gpu, env...) (repeatable)" },
      JOBS,
      JSON_FLAG,
    ],
    example: "dvx stamp --seed 42 -o runs/42/stamp.json && dvx stamp verify runs/42/stamp.json",
    module: "stamp",
  },
  {
    name: "cache",
    summary: "Re-hash every cache object and report (or --quarantine) those whose content no longer matches their name",
    usage: "dvx cache verify [--quarantine] [-j N] [--json]",
    flags: [
      { name: "quarantine", type: "boolean", help: "move corrupt objects to <cache>/.dvx-quarantine/ (fetch/pull then restores good copies)" },
      { name: "jobs", short: "j", type: "string", arg: "N", help: "hashing threads (default: CPUs)" },
      JSON_FLAG,
    ],
    example: "dvx cache verify --quarantine",
    module: "cache",
  },
  {
    name: "version",
    summary: "Show dvx, Node and platform versions, hash backend, cache type and remotes (for bug reports)",
    usage: "dvx version [--json]",
    flags: [JSON_FLAG],
    example: "dvx version",
    module: "version",
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || (name === "rm" && c.name === "remove"));
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function suggest(word: string, choices: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
