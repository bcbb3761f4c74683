/**
 * Which git revisions an operation covers besides the workspace (`-a`, `-T`, `-A`, `--rev`,
 * `--date`). Apart from revisions.ts so that commands given no revision never load the git
 * machinery (child_process and the revision readers).
 */
export interface RevisionScope {
  /** the workspace (DVC always includes it in gc, push/fetch -a...) */
  workspace?: boolean;
  /** tips of all local branches (`-a`) */
  allBranches?: boolean;
  /** all tags (`-T`) */
  allTags?: boolean;
  /** every commit reachable from any ref except DVC's experiment refs (`-A`) */
  allCommits?: boolean;
  /** these revisions (`--rev`), each with `num - 1` first-parent ancestors (`-n`) */
  revs?: string[];
  num?: number;
  /** every commit whose commit time is at or after local midnight of this YYYY-MM-DD (`--date`) */
  date?: string;
}

/** True when the scope names any git revision (beyond the workspace). */
export function scopeHasRevisions(scope: RevisionScope): boolean {
  return !!(scope.allBranches || scope.allTags || scope.allCommits || scope.revs?.length || scope.date);
}
