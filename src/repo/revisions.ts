/**
 * Pointer files at other git revisions, read straight from git's object database (no checkout):
 * which revisions a scope names (DVC's `brancher`/`iter_revs`: `-a`, `-T`, `-A`, `--rev -n`,
 * `--date`), and the outputs every `.dvc` file and `dvc.yaml`+`dvc.lock` declares at a revision.
 *
 * Reading: ONE `git cat-file --batch` process serves every revision of an operation (not one
 * process per revision, let alone per file). Commits are read 256 at a time: their root trees in
 * one pipelined batch, then the trees below them level by level (one batch per level for all of
 * them), then every candidate blob in one batch. What a tree holds (the pointer files below it)
 * is memoised by tree id, so `gc -A` over a long history reads each distinct tree once: a commit
 * that changed one directory costs the trees on the path to it, where `git ls-tree -r` per commit
 * would re-list everything. Measured: 401 commits over 250 directories, ~1,000 tree reads and a
 * few dozen round trips.
 *
 * As in DVC's collection: `.dvcignore` rules of the revision apply (all of its `.dvcignore`
 * files, spec 10.3), `.git`/`.dvc`/`.hg` and sub-repositories (directories holding a `.dvc/`
 * directory) are skipped, and a pointer file inside a directory that is an output of a pointer
 * file above it is not read. Failures are per revision and typed, so callers decide: gc refuses
 * to delete anything when any selected revision could not be read.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as path from "node:path";
import { DvxError } from "../errors.js";
import { IgnoreRules } from "../formats/ignorePatterns.js";
import { parseYaml } from "../formats/yamlRead.js";
import { outputsOfDvcFileText, outputsOfPipelineText, type Output } from "./outputs.js";
import { isWithin } from "./root.js";
import { scopeHasRevisions, type RevisionScope } from "./revisionScope.js";

export { scopeHasRevisions, type RevisionScope };

// --- running git ------------------------------------------------------------------------------

interface GitBufResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function gitBuf(cwd: string, args: string[]): GitBufResult {
  const r = spawnSync("git", args, { cwd, maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) return { code: 127, stdout: Buffer.alloc(0), stderr: r.error.message };
  return { code: r.status ?? 1, stdout: r.stdout ?? Buffer.alloc(0), stderr: (r.stderr ?? Buffer.alloc(0)).toString("utf8") };
}

function gitLines(cwd: string, args: string[], what: string): string[] {
  const r = gitBuf(cwd, args);
  if (r.code !== 0) {
    throw new DvxError("USAGE", `git ${what} failed: ${r.stderr.trim().split("\n")[0] || `exit ${r.code}`}`, { data: { args } });
  }
  return r.stdout.toString("utf8").split("\n").filter((l) => l !== "");
}

// --- revision scopes --------------------------------------------------------------------------

export interface Revision {
  /** full commit id */
  sha: string;
  /** the names that selected it (branch, tag, rev as given, or the sha), in order */
  names: string[];
}


/** Where the DVC repository sits inside its git work tree ("" or "sub/dir/"). */
export function gitPrefix(root: string): string {
  const r = gitBuf(root, ["rev-parse", "--show-prefix"]);
  if (r.code !== 0) {
    throw new DvxError("USAGE", `${root} is not inside a git repository: revisions (-a, -T, -A, --rev, --date) need git`, {
      data: { root },
      hint: r.stderr.trim().split("\n")[0],
    });
  }
  return r.stdout.toString("utf8").trim();
}

const EXP_REFS = "--exclude=refs/exps/*";

/** The commits a scope selects, grouped by commit (DVC's `iter_revs` + `group_by`), in first-seen order. */
export function resolveRevisions(root: string, scope: RevisionScope): Revision[] {
  if (!scopeHasRevisions(scope)) return [];
  gitPrefix(root); // a clear error outside git
  const found: [string, string][] = []; // [sha, name]
  const num = scope.num ?? 1;
  if (!Number.isInteger(num) || num < 1) throw new DvxError("USAGE", `--num must be a positive integer, got '${String(scope.num)}'`);
  for (const rev of scope.revs ?? []) {
    if (rev.includes("\n") || rev.startsWith("-")) throw new DvxError("USAGE", `invalid Git revision '${rev}'`);
    const r = gitBuf(root, ["rev-list", "--first-parent", `--max-count=${num}`, `${rev}^{commit}`, "--"]);
    if (r.code !== 0) {
      throw new DvxError("NOT_FOUND", `unknown Git revision '${rev}'`, { data: { rev } });
    }
    r.stdout
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .forEach((sha, i) => found.push([sha, i === 0 ? rev : sha]));
  }
  if (scope.allCommits) {
    for (const sha of gitLines(root, ["rev-list", EXP_REFS, "--all"], "rev-list --all")) found.push([sha, sha]);
  } else {
    if (scope.allBranches) {
      for (const line of gitLines(root, ["for-each-ref", "--format=%(objectname) %(refname:short)", "refs/heads/"], "for-each-ref")) {
        const sp = line.indexOf(" ");
        found.push([line.slice(0, sp), line.slice(sp + 1)]);
      }
    }
    if (scope.allTags) {
      const fmt = "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname:short)";
      for (const line of gitLines(root, ["for-each-ref", fmt, "refs/tags/"], "for-each-ref")) {
        const [type, sha, ptype, psha, ...name] = line.split(" ");
        // a lightweight tag names a commit directly; an annotated one is peeled once
        if (type === "commit") found.push([sha!, name.join(" ")]);
        else if (type === "tag" && ptype === "commit") found.push([psha!, name.join(" ")]);
      }
    }
  }
  if (scope.date) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(scope.date);
    if (!m) throw new DvxError("USAGE", `--date must be YYYY-MM-DD, got '${scope.date}'`);
    // DVC: datetime.strptime(date, "%Y-%m-%d").timestamp(), i.e. local midnight
    const since = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() / 1000;
    for (const line of gitLines(root, ["log", EXP_REFS, "--all", "--format=%H %ct"], "log --all")) {
      const [sha, ct] = line.split(" ");
      if (Number(ct) >= since) found.push([sha!, sha!]);
    }
  }
  const bySha = new Map<string, string[]>();
  for (const [sha, name] of found) {
    const names = bySha.get(sha);
    if (!names) bySha.set(sha, [name]);
    else if (!names.includes(name)) names.push(name);
  }
  return [...bySha].map(([sha, names]) => ({ sha, names }));
}

// --- git cat-file --batch ---------------------------------------------------------------------

export interface GitObject {
  oid: string;
  type: string;
  data: Buffer;
}

interface Pending {
  resolve(o: GitObject | undefined): void;
  reject(e: Error): void;
}

/**
 * One long-lived `git cat-file --batch`: requests are written as lines, answers come back in the
 * same order (`<oid> <type> <size>\n<bytes>\n`, or `<name> missing\n`), so any number of requests
 * can be in flight at once.
 */
export class GitObjectReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: { oid: string; type: string; size: number } | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(readonly cwd: string) {
    this.child = spawn("git", ["cat-file", "--batch"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.child.stderr.on("data", (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString("utf8");
    });
    this.child.stdout.on("data", (b: Buffer) => {
      this.chunks.push(b);
      this.buffered += b.length;
      try {
        this.pump();
      } catch (e) {
        this.fail(e as Error);
      }
    });
    this.child.on("error", (e) => this.fail(new DvxError("USAGE", `cannot run git: ${e.message}`)));
    this.child.stdin.on("error", () => {}); // reported through 'close'
    this.child.on("close", (code) => {
      if (!this.closed || this.pending.length) this.fail(new DvxError("USAGE", `git cat-file exited (${code}): ${stderr.trim().split("\n")[0] ?? ""}`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  /** Bytes [0, n) of the buffered output, consumed. */
  private take(n: number): Buffer {
    let out: Buffer;
    if (this.chunks[0]!.length >= n) {
      const first = this.chunks[0]!;
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }

  private newlineAt(): number {
    let offset = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(0x0a);
      if (i !== -1) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  private pump(): void {
    for (;;) {
      if (!this.header) {
        const nl = this.newlineAt();
        if (nl === -1) return;
        const line = this.take(nl + 1).toString("utf8", 0, nl);
        if (!this.pending.length) throw new Error(`git cat-file: unexpected output '${line.slice(0, 100)}'`);
        if (/ (missing|ambiguous)$/.test(line)) {
          this.pending.shift()!.resolve(undefined);
          continue;
        }
        const [oid, type, size] = line.split(" ");
        const n = Number(size);
        if (!oid || !type || !Number.isSafeInteger(n) || n < 0) throw new Error(`git cat-file: bad header '${line.slice(0, 100)}'`);
        this.header = { oid, type, size: n };
      }
      const h = this.header;
      if (this.buffered < h.size + 1) return;
      const data = h.size === 0 ? Buffer.alloc(0) : Buffer.from(this.take(h.size));
      this.take(1); // the newline after the content
      this.header = undefined;
      this.pending.shift()!.resolve({ oid: h.oid, type: h.type, data });
    }
  }

  /** Objects by name (`<oid>`, `<rev>^{tree}`, `<rev>:<path>`); undefined for a missing one. */
  get(names: string[]): Promise<(GitObject | undefined)[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("GitObjectReader is closed"));
    for (const n of names) {
      if (n.includes("\n") || n === "") throw new DvxError("USAGE", `invalid git object name '${n.slice(0, 100)}'`);
    }
    const promises = names.map(
      (_) =>
        new Promise<GitObject | undefined>((resolve, reject) => {
          this.pending.push({ resolve, reject });
        }),
    );
    if (names.length) this.child.stdin.write(names.join("\n") + "\n");
    return Promise.all(promises);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin.end();
  }
}

// --- trees ------------------------------------------------------------------------------------

interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** Entries of a git tree object (`<mode> <name>\0<raw id>` repeated; id 20 bytes, 32 with sha256). */
export function parseTree(data: Buffer, idBytes: number): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    const nul = data.indexOf(0x00, sp + 1);
    if (sp === -1 || nul === -1 || nul + 1 + idBytes > data.length) throw new Error("malformed git tree object");
    out.push({
      mode: data.toString("latin1", i, sp),
      name: data.toString("utf8", sp + 1, nul),
      oid: data.toString("hex", nul + 1, nul + 1 + idBytes),
    });
    i = nul + 1 + idBytes;
  }
  return out;
}

const isTree = (e: TreeEntry) => e.mode === "40000" || e.mode === "040000";
const isBlob = (e: TreeEntry) => e.mode === "100644" || e.mode === "100755" || e.mode === "100664";
const SKIP_DIRS = new Set([".git", ".dvc", ".hg"]);

/** Names whose blobs matter for collecting outputs. */
function isPointerName(name: string): boolean {
  return (name.endsWith(".dvc") && name !== ".dvc") || name === "dvc.yaml" || name === "dvc.lock" || name === ".dvcignore";
}

/** A pointer-ish file somewhere below a tree: [path relative to the tree, blob id]. */
type Found = readonly [string, string];
const NONE: readonly Found[] = Object.freeze([]);

// --- reading a revision ------------------------------------------------------------------------

export interface RevisionReadError {
  rev: string;
  file?: string;
  error: string;
}

export interface RevisionOutputs {
  rev: Revision;
  outputs: Output[];
}

/**
 * Reads outputs at git revisions of the repository at `root`. Keep one per operation (it holds the
 * cat-file process and the tree/blob memos) and `close()` it.
 */
export class RevisionReader {
  private readonly objects: GitObjectReader;
  private readonly prefix: string;
  /** tree id -> pointer files below it (trees that are sub-repositories -> none) */
  private readonly summaries = new Map<string, readonly Found[]>();
  /** parsed trees waiting to be summarised */
  private readonly parsed = new Map<string, { entries: TreeEntry[]; subrepo: boolean }>();
  private readonly blobs = new Map<string, string>();
  private readonly dvcFileMemo = new Map<string, Output[]>();
  /** pointer files per commit (or why they cannot be read), filled by `prefetch` */
  private readonly filesBySha = new Map<string, Map<string, string> | Error>();
  /** objects read so far (diagnostics and tests: unchanged trees are not read twice) */
  readonly stats = { trees: 0, blobs: 0 };

  constructor(readonly root: string) {
    this.prefix = gitPrefix(root);
    this.objects = new GitObjectReader(root);
  }

  close(): void {
    this.objects.close();
  }

  /** Fetches every tree below `roots` that is neither summarised nor parsed yet, level by level. */
  private async loadTrees(roots: string[]): Promise<void> {
    // roots are always parsed (a tree summarised as a sub-repository elsewhere has no summary as a root)
    let frontier = [...new Set(roots)].filter((t) => !this.parsed.has(t));
    while (frontier.length) {
      const objs = await this.objects.get(frontier);
      this.stats.trees += frontier.length;
      const next = new Set<string>();
      objs.forEach((o, i) => {
        const oid = frontier[i]!;
        if (!o || o.type !== "tree") throw new Error(`git tree ${oid} is missing from the object database`);
        const entries = parseTree(o.data, oid.length / 2);
        const subrepo = entries.some((e) => e.name === ".dvc" && isTree(e));
        this.parsed.set(oid, { entries, subrepo });
        if (subrepo && !roots.includes(oid)) return; // not descended (unless it is the repo root itself)
        for (const e of entries) {
          if (isTree(e) && !SKIP_DIRS.has(e.name) && !this.summaries.has(e.oid) && !this.parsed.has(e.oid)) next.add(e.oid);
        }
      });
      frontier = [...next];
    }
  }

  private summarize(tree: string, asRoot: boolean): readonly Found[] {
    if (!asRoot) {
      const memo = this.summaries.get(tree);
      if (memo) return memo;
    }
    const p = this.parsed.get(tree);
    if (!p) throw new Error(`git tree ${tree} was not loaded`);
    let found: Found[] | undefined;
    if (asRoot || !p.subrepo) {
      for (const e of p.entries) {
        if (isBlob(e) && isPointerName(e.name)) (found ??= []).push([e.name, e.oid]);
        else if (isTree(e) && !SKIP_DIRS.has(e.name)) {
          const sub = this.summarize(e.oid, false);
          if (sub.length) {
            found ??= [];
            for (const [rel, oid] of sub) found.push([`${e.name}/${rel}`, oid]);
          }
        }
      }
    }
    const result = found ?? NONE;
    if (!asRoot) {
      this.summaries.set(tree, result);
      this.parsed.delete(tree);
    }
    return result;
  }

  private async readBlobs(oids: string[]): Promise<void> {
    const want = [...new Set(oids)].filter((o) => !this.blobs.has(o));
    if (!want.length) return;
    const objs = await this.objects.get(want);
    this.stats.blobs += want.length;
    objs.forEach((o, i) => {
      if (!o || o.type !== "blob") throw new Error(`git blob ${want[i]} is missing from the object database`);
      this.blobs.set(want[i]!, o.data.toString("utf8"));
    });
  }

  private rootSpec(sha: string): string {
    return this.prefix ? `${sha}:${this.prefix.replace(/\/$/, "")}` : `${sha}^{tree}`;
  }

  /** The pointer files below a loaded root tree (undefined root: the repo did not exist then). */
  private filesOfRoot(sha: string, root: GitObject | undefined): Map<string, string> {
    if (!root || root.type !== "tree") return new Map(); // the DVC repo did not exist at this commit
    const isDvcRepo = this.parsed.get(root.oid)!.subrepo; // the root holds `.dvc/`
    const files = this.summarize(root.oid, true);
    if (!isDvcRepo) {
      // No `.dvc/` at this commit: before `dvc init`, DVC's brancher skips it. But pointer files
      // without `.dvc/` (e.g. `.dvc/` never committed) would make gc forget every object they
      // use, so that is an error, not a silent skip.
      const pointer = files.find(([rel]) => !rel.endsWith(".dvcignore"));
      if (pointer) {
        throw new DvxError("NOT_A_REPO", `${pointer[0]}: commit ${sha.slice(0, 8)} has pointer files but no .dvc/ directory`, {
          data: { file: pointer[0], rev: sha },
        });
      }
      return new Map();
    }
    return new Map(files.map(([rel, oid]) => [rel, oid]));
  }

  /**
   * Reads what many commits need in a few pipelined batches: their root trees, every tree below
   * them not seen before (one batch per level, all commits together), then every candidate blob.
   */
  private async prefetch(shas: string[]): Promise<void> {
    const todo = [...new Set(shas)].filter((s) => !this.filesBySha.has(s));
    if (!todo.length) return;
    const roots = await this.objects.get(todo.map((s) => this.rootSpec(s)));
    const rootOids = [...new Set(roots.filter((r) => r?.type === "tree").map((r) => r!.oid))];
    await this.loadTrees(rootOids);
    todo.forEach((sha, i) => {
      try {
        this.filesBySha.set(sha, this.filesOfRoot(sha, roots[i]));
      } catch (e) {
        this.filesBySha.set(sha, e as Error);
      }
    });
    for (const r of rootOids) this.parsed.delete(r); // after all: commits may share a root tree
    const blobs = new Set<string>();
    for (const sha of todo) {
      const f = this.filesBySha.get(sha);
      if (f instanceof Map) for (const oid of f.values()) blobs.add(oid);
    }
    await this.readBlobs([...blobs]);
  }

  /** The pointer files (`.dvc`, `dvc.yaml`, `dvc.lock`, `.dvcignore`) at a commit: repo-relative path -> blob id. */
  async pointerFiles(sha: string): Promise<Map<string, string>> {
    if (!this.filesBySha.has(sha)) await this.prefetch([sha]);
    const f = this.filesBySha.get(sha)!;
    if (f instanceof Error) throw f;
    return f;
  }

  /**
   * Every output declared at commit `sha`. Throws (DvxError MALFORMED_FILE / UNSAFE_PATH naming the
   * file, or a git error) when any pointer file of that revision cannot be read.
   */
  async outputsAt(sha: string): Promise<Output[]> {
    const files = await this.pointerFiles(sha);
    const ignoreFiles = [...files].filter(([rel]) => rel === ".dvcignore" || rel.endsWith("/.dvcignore"));
    await this.readBlobs(ignoreFiles.map(([, oid]) => oid));
    const rules = IgnoreRules.compile(
      ignoreFiles.map(([rel, oid]) => ({ dir: rel === ".dvcignore" ? "" : rel.slice(0, -"/.dvcignore".length), text: this.blobs.get(oid)! })),
    );
    const pointers = [...files.keys()]
      .filter((rel) => {
        const name = rel.slice(rel.lastIndexOf("/") + 1);
        return name !== "dvc.lock" && name !== ".dvcignore" && !rules.isIgnored(rel, false);
      })
      // parents before children, as DVC walks (so outputs of a directory's pointer files are known
      // before anything inside them is considered)
      .sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : a > b ? 1 : 0));
    const lockOf = (yamlRel: string) => files.get(yamlRel === "dvc.yaml" ? "dvc.lock" : `${yamlRel.slice(0, -"dvc.yaml".length)}dvc.lock`);
    await this.readBlobs(pointers.flatMap((rel) => [files.get(rel)!, ...(rel.endsWith("dvc.yaml") && lockOf(rel) ? [lockOf(rel)!] : [])]));
    const outs: Output[] = [];
    const outPaths: string[] = [];
    for (const rel of pointers) {
      const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
      if (dir && outPaths.some((p) => p !== "" && isWithin(dir, p))) continue; // inside another output
      const found = rel.endsWith(".dvc") ? this.dvcFileOutputs(rel, files.get(rel)!) : await this.pipelineOutputs(sha, rel, files.get(rel)!, lockOf(rel));
      for (const o of found) outPaths.push(o.path);
      outs.push(...found);
    }
    outs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return outs;
  }

  private dvcFileOutputs(rel: string, oid: string): Output[] {
    const key = `${rel}\0${oid}`;
    let outs = this.dvcFileMemo.get(key);
    if (!outs) this.dvcFileMemo.set(key, (outs = outputsOfDvcFileText(rel, this.blobs.get(oid)!)));
    return outs.map((o) => ({ ...o }));
  }

  /**
   * dvc.yaml may read vars files (`params.yaml`, `vars:`); those are fetched from the same commit on
   * demand: parse, note which files were asked for and are not known yet, fetch them, parse again.
   */
  private async pipelineOutputs(sha: string, rel: string, yamlOid: string, lockOid: string | undefined): Promise<Output[]> {
    const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    const vars = new Map<string, unknown>();
    for (let attempt = 0; attempt < 8; attempt++) {
      const missing = new Set<string>();
      const readVars = (p: string): unknown => {
        const joined = path.posix.normalize(dir ? `${dir}/${p}` : p);
        if (joined.startsWith("../") || joined === ".." || path.posix.isAbsolute(joined)) return undefined;
        if (!vars.has(joined)) {
          missing.add(joined);
          return undefined;
        }
        return vars.get(joined);
      };
      let outs: Output[] | undefined;
      let err: unknown;
      try {
        outs = outputsOfPipelineText(rel, this.blobs.get(yamlOid)!, lockOid ? this.blobs.get(lockOid) : undefined, { readVars });
      } catch (e) {
        err = e;
      }
      if (!missing.size) {
        if (err) throw err;
        return outs!;
      }
      const names = [...missing];
      const objs = await this.objects.get(names.map((n) => `${sha}:${this.prefix}${n}`));
      objs.forEach((o, i) => {
        const n = names[i]!;
        if (!o || o.type !== "blob") return void vars.set(n, undefined);
        // YAML and JSON vars files; other formats (toml, py) are not read (an unresolved reference then fails the revision)
        vars.set(n, /\.(ya?ml|json)$/i.test(n) ? parseYaml(o.data.toString("utf8"), `${n}@${sha.slice(0, 8)}`) : undefined);
      });
    }
    throw new DvxError("MALFORMED_FILE", `${rel}: too many levels of vars files`, { data: { file: rel } });
  }

  /**
   * Outputs at each revision; a revision that cannot be read is reported in `errors` (with the
   * file when known) instead of outputs.
   */
  async outputsAtEach(revs: Revision[]): Promise<{ results: RevisionOutputs[]; errors: RevisionReadError[] }> {
    const results: RevisionOutputs[] = [];
    const errors: RevisionReadError[] = [];
    const CHUNK = 256; // commits whose trees and blobs are fetched together
    for (let i = 0; i < revs.length; i += CHUNK) {
      const chunk = revs.slice(i, i + CHUNK);
      try {
        await this.prefetch(chunk.map((r) => r.sha));
      } catch {
        // a failing batch: each commit below is read (and fails) on its own, with its own error
      }
      for (const rev of chunk) {
        try {
          results.push({ rev, outputs: await this.outputsAt(rev.sha) });
        } catch (e) {
          const file = (e as DvxError).data?.file;
          errors.push({ rev: rev.names.join(","), ...(typeof file === "string" ? { file } : {}), error: (e as Error).message.split("\n")[0]! });
        } finally {
          this.filesBySha.delete(rev.sha);
        }
      }
    }
    return { results, errors };
  }
}
