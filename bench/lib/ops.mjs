/**
 * The timed operations. Each repetition replays a pipeline per tool (fresh repo, add, add again,
 * status, ..., pull); operations not asked for but needed by one that is (e.g. `add` before
 * `status`) run untimed. Within a repetition every operation is run for all tools back to back
 * (tool order rotated each repetition), so slow drifts of the machine hit all tools alike.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileContent } from "./datasets.mjs";
import { bash, countFiles, q, sh } from "./runner.mjs";

export const PIPELINE = ["add", "add-again", "status", "status-changed", "push-local", "push-s3", "checkout", "pull-local", "pull-s3", "fetch-one"];
export const ALL_OPS = ["startup", ...PIPELINE];
export const S3_OPS = new Set(["push-s3", "pull-s3", "fetch-one"]);

export const OP_LABEL = {
  startup: "startup",
  add: "add (cold: new repo, no state, empty cache)",
  "add-again": "add again, nothing changed",
  status: "status, nothing changed",
  "status-changed": "status, one file changed",
  "push-local": "push to a local-directory remote",
  "push-s3": "push to MinIO",
  checkout: "checkout into an empty workspace",
  "pull-local": "pull from a local-directory remote (empty cache and workspace)",
  "pull-s3": "pull from MinIO (empty cache and workspace)",
  "fetch-one": "fetch one file inside the tracked directory (MinIO, empty cache)",
};

export const BASELINE_LABEL = {
  add: "`find data -type f -print0 | xargs -0 -P2 md5sum > /dev/null && cp -r data DEST`",
  "add-again": "`find data -type f -printf '%i %s %T@\\n' > /dev/null` (stat every file)",
  status: "`find data -type f -printf '%i %s %T@\\n' > /dev/null` (stat every file)",
  "status-changed": "stat every file (`find -printf`) + `md5sum` of the changed file",
  "push-local": "`cp -r data REMOTE`",
  "pull-local": "`cp -r REMOTE DEST` (one copy; a pull writes cache and workspace)",
  checkout: "`cp -r data DEST`",
  "push-s3": "bench/lib/s3raw.mjs put: one PutObject per file, same concurrency (jobs)",
  "pull-s3": "bench/lib/s3raw.mjs get: one GetObject per file, same concurrency (jobs)",
  "fetch-one": "bench/lib/s3raw.mjs get of that one object (Node + SDK start-up + 1 GET)",
};

const NEEDS = {
  add: [],
  "add-again": ["add"],
  status: ["add"],
  "status-changed": ["add"],
  "push-local": ["add"],
  "push-s3": ["add"],
  checkout: ["add"],
  "pull-local": ["push-local"],
  "pull-s3": ["push-s3"],
  "fetch-one": ["push-s3"],
};

/** Operations (in pipeline order) that must run for `selected`, timed or not. */
export function closure(selected) {
  const need = new Set();
  const visit = (op) => {
    if (need.has(op)) return;
    need.add(op);
    for (const d of NEEDS[op] ?? []) visit(d);
  };
  for (const op of selected) if (op !== "startup") visit(op);
  return PIPELINE.filter((op) => need.has(op));
}

/** Paths and commands of one tool inside a dataset's work directory. */
export function toolPaths(ctx, tool) {
  const dir = join(ctx.work, tool);
  return { dir, repo: join(dir, "repo"), remote: join(dir, "remote"), site: join(dir, "site"), out: join(dir, "out") };
}

export function toolCommand(ctx, tool, args) {
  if (tool === "dvx") return { cmd: ctx.node, args: [ctx.dvxCli, ...args] };
  if (tool === "dvc") return { cmd: ctx.dvcBin, args };
  throw new Error(`not a CLI tool: ${tool}`);
}

export function toolEnv(ctx, tool) {
  return { ...ctx.env, DVC_SITE_CACHE_DIR: toolPaths(ctx, tool).site };
}

export const bucketOf = (ctx, tool) => `bench-${tool}-r${ctx.rep}`;

/** New repository with a fresh copy of the dataset in `data/` (untimed). */
export function freshRepo(ctx, tool) {
  const p = toolPaths(ctx, tool);
  rmSync(p.dir, { recursive: true, force: true });
  for (const d of [p.repo, p.site, p.remote, p.out]) mkdirSync(d, { recursive: true });
  if (tool === "baseline") return;
  bash(`cp -r ${q(ctx.ds.dir)} ${q(join(p.repo, "data"))}`);
  const env = toolEnv(ctx, tool);
  const run = (args) => {
    const c = toolCommand(ctx, tool, args);
    sh(c.cmd, c.args, { cwd: p.repo, env });
  };
  sh("git", ["init", "-q"], { cwd: p.repo, env });
  run(["init", "-q"]);
  run(["remote", "add", "local", p.remote]);
  if (ctx.minio) {
    run(["remote", "add", "s3", `s3://${bucketOf(ctx, tool)}/store`]);
    run(["remote", "modify", "s3", "endpointurl", ctx.minio.endpoint]);
    run(["remote", "modify", "--local", "s3", "access_key_id", ctx.minio.accessKey]);
    run(["remote", "modify", "--local", "s3", "secret_access_key", ctx.minio.secretKey]);
  }
}

/** The file that "status, one file changed" modifies (the middle one). */
export function changedFile(ctx) {
  return ctx.ds.files[Math.floor(ctx.ds.files.length / 2)];
}

/** Overwrites the first (up to) 4 KiB of a file in place: variant 0 restores the original bytes. */
function rewriteHead(path, ds, f, variant) {
  const n = Math.min(4096, f.size);
  const buf = fileContent(ds.name, f.index, n, variant);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, buf, 0, n, 0);
  } finally {
    closeSync(fd);
  }
}

const STAT_WALK = (dir) => `find ${q(dir)} -type f -printf '%i %s %T@\\n' > /dev/null`;

function s3raw(ctx, args) {
  return { cmd: ctx.node, args: [join(ctx.benchLib, "s3raw.mjs"), ...args], env: ctx.minio.env(ctx.env) };
}

/**
 * One step of `op` for `tool`: { prepare?, cmd, args, cwd, env, verify?, cleanup? }, or null when
 * the tool has nothing to do for it (baseline steps that only exist to be timed).
 */
export function step(ctx, op, tool, timed) {
  const p = toolPaths(ctx, tool);
  const n = ctx.ds.files.length;
  const data = join(p.repo, "data");
  if (tool === "baseline") return baselineStep(ctx, op, p, timed);
  const env = toolEnv(ctx, tool);
  const base = (args) => ({ ...toolCommand(ctx, tool, args), cwd: p.repo, env });
  const cacheCount = () => countFiles(join(p.repo, ".dvc", "cache"));
  const wsCheck = () => {
    const c = countFiles(data);
    return c === n ? null : `workspace has ${c} files, expected ${n}`;
  };
  switch (op) {
    case "add":
      return {
        ...base(["add", "data"]),
        verify: () => {
          if (!existsSync(join(p.repo, "data.dvc"))) return "no data.dvc written";
          const c = cacheCount();
          return c === n + 1 ? null : `cache holds ${c} objects, expected ${n + 1}`;
        },
      };
    case "add-again":
      return { ...base(["add", "data"]), strace: true };
    case "status":
      return { ...base(["status"]), strace: true };
    case "status-changed": {
      const f = changedFile(ctx);
      const path = join(data, f.rel);
      return {
        ...base(["status"]),
        prepare: () => rewriteHead(path, ctx.ds, f, ctx.rep + 1),
        verify: (r) => (/modified|changed/i.test(readFileSync(`${r.logBase}.out`, "utf8")) ? null : "status did not report the change"),
        cleanup: () => rewriteHead(path, ctx.ds, f, 0),
      };
    }
    case "push-local":
      return {
        ...base(["push", "-r", "local"]),
        prepare: () => {
          rmSync(p.remote, { recursive: true, force: true });
          mkdirSync(p.remote);
        },
        verify: () => {
          const c = countFiles(p.remote);
          return c === n + 1 ? null : `remote holds ${c} objects, expected ${n + 1}`;
        },
      };
    case "push-s3":
      return { ...base(["push", "-r", "s3"]) };
    case "checkout":
      return { ...base(["checkout"]), prepare: () => rmSync(data, { recursive: true, force: true }), verify: wsCheck };
    case "pull-local":
    case "pull-s3":
      return {
        ...base(["pull", "-r", op === "pull-local" ? "local" : "s3"]),
        prepare: () => {
          rmSync(join(p.repo, ".dvc", "cache"), { recursive: true, force: true });
          rmSync(data, { recursive: true, force: true });
        },
        verify: wsCheck,
      };
    case "fetch-one": {
      const f = ctx.ds.files[Math.min(1, n - 1)];
      return {
        ...base(["fetch", "-r", "s3", `data/${f.rel}`]),
        prepare: () => rmSync(join(p.repo, ".dvc", "cache"), { recursive: true, force: true }),
        verify: () => {
          const c = cacheCount();
          return c >= 1 ? { note: `cache holds ${c} object(s) afterwards` } : "nothing fetched";
        },
      };
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

function baselineStep(ctx, op, p, timed) {
  const src = ctx.ds.dir;
  const jobs = String(ctx.jobs);
  const shell = (script, extra = {}) => ({ cmd: "bash", args: ["-c", script], cwd: p.dir, env: ctx.env, ...extra });
  const dest = (name) => join(p.out, name);
  const clear = (d) => () => rmSync(d, { recursive: true, force: true });
  // Untimed baseline steps only matter when they leave state a later step reads.
  if (!timed && op !== "push-local" && op !== "push-s3") return null;
  switch (op) {
    case "add":
      return {
        ...shell(`find ${q(src)} -type f -print0 | xargs -0 -P2 md5sum > /dev/null && cp -r ${q(src)} ${q(dest("add"))}`),
        prepare: clear(dest("add")),
        cleanup: clear(dest("add")),
      };
    case "add-again":
    case "status":
      return shell(STAT_WALK(src));
    case "status-changed": {
      const f = changedFile(ctx);
      return shell(`${STAT_WALK(src)} && md5sum ${q(join(src, f.rel))} > /dev/null`);
    }
    case "checkout":
      return { ...shell(`cp -r ${q(src)} ${q(dest("co"))}`), prepare: clear(dest("co")), cleanup: clear(dest("co")) };
    case "push-local":
      return { ...shell(`cp -r ${q(src)} ${q(p.remote)}`), prepare: clear(p.remote) };
    case "pull-local":
      return { ...shell(`cp -r ${q(p.remote)} ${q(dest("pull"))}`), prepare: clear(dest("pull")), cleanup: clear(dest("pull")) };
    case "push-s3":
      return { ...s3raw(ctx, ["put", bucketOf(ctx, "baseline"), "data", src, jobs]), cwd: p.dir };
    case "pull-s3":
      return {
        ...s3raw(ctx, ["get", bucketOf(ctx, "baseline"), "data", src, dest("pull-s3"), jobs]),
        cwd: p.dir,
        prepare: clear(dest("pull-s3")),
        verify: () => {
          const c = countFiles(dest("pull-s3"));
          return c === ctx.ds.files.length ? null : `downloaded ${c} files`;
        },
        cleanup: clear(dest("pull-s3")),
      };
    case "fetch-one": {
      const f = ctx.ds.files[Math.min(1, ctx.ds.files.length - 1)];
      return {
        ...s3raw(ctx, ["get", bucketOf(ctx, "baseline"), "data", src, dest("one"), jobs, f.rel]),
        cwd: p.dir,
        prepare: clear(dest("one")),
        cleanup: clear(dest("one")),
      };
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

/**
 * Runs `cmd` under strace and counts distinct files under `dataDir` it opened for reading
 * (directories excluded): "add again" must read none of them.
 */
export function countOpenedDataFiles(c, dataDir, traceFile) {
  sh("strace", ["-f", "-qq", "-e", "trace=openat,open", "-o", traceFile, c.cmd, ...c.args], { cwd: c.cwd, env: c.env });
  const prefix = resolve(dataDir) + "/";
  const opened = new Set();
  for (const line of readFileSync(traceFile, "utf8").split("\n")) {
    const m = /open(?:at)?\((?:AT_FDCWD|\d+)?,?\s*"([^"]+)",\s*([A-Z_|]+)[^)]*\)\s*=\s*(-?\d+)/.exec(line);
    if (!m || m[2].includes("O_DIRECTORY") || Number(m[3]) < 0) continue;
    const abs = resolve(c.cwd, m[1]);
    if (abs.startsWith(prefix)) opened.add(abs);
  }
  rmSync(traceFile, { force: true });
  return opened.size;
}
