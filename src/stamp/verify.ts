/**
 * `dvx stamp verify`: compares the repository as it is now with a stamp and lists every difference
 * (docs/stamp.md "Verify"). The current state is taken with the same machinery as `dvx stamp`
 * (same targets, Python only if the stamp has it), plus a workspace check (`Repo.status`) that
 * `dvx stamp` leaves out for speed. `createdAt` is never compared.
 */
import * as path from "node:path";
import { DvxError, isDvxError, malformed } from "../errors.js";
import type { Repo } from "../repo/Repo.js";
import { changedBetween, commitExists, isAncestor } from "./code.js";
import { selectStampOutputs } from "./collect.js";
import { dataFingerprint } from "./digest.js";
import { collectSeeds } from "./environment.js";
import { STAMP_FORMAT, STAMP_VERSION, type StampOptions, type StampOutput, type StampRecord } from "./types.js";

/** Every kind of difference, stable names for `ignore` and for CI. */
export const DRIFT_KINDS = [
  "data.changed",
  "data.removed",
  "data.added",
  "data.workspace",
  "data.cache",
  "data.remote",
  "code.commit",
  "code.dirty",
  "env.lockfile",
  "env.node",
  "env.platform",
  "env.python",
  "env.pip",
  "env.gpu",
  "env.image",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface Difference {
  kind: DriftKind;
  /** the output, lock file or changed path it concerns */
  path?: string;
  /** what the stamp recorded */
  expected?: unknown;
  /** what there is now */
  actual?: unknown;
  message: string;
}

/** Something worth knowing that does not fail verification. */
export interface Note {
  topic: string;
  message: string;
}

export interface VerifyOptions {
  /** where the stamp was read from (absolute); that path is allowed to be new or changed */
  stampFile?: string;
  /** drift kinds to leave out, or their prefixes (`env`, `data.remote`); skipped checks are not run */
  ignore?: string[];
  jobs?: number;
  /** the current container image digest (default $DVX_IMAGE_DIGEST) */
  imageDigest?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface VerifyResult {
  /** true when there is no (unignored) difference */
  ok: boolean;
  stamp: { createdAt: string; version: number; fingerprint: string; commit: string | null };
  differences: Difference[];
  notes: Note[];
  /** differences left out by `ignore` */
  ignored: number;
  /** the repository's state now, as a stamp */
  current: StampRecord;
}

function fail(source: string, problem: string): never {
  throw malformed(source, `not a valid dvx stamp: ${problem}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Structural check of a parsed stamp (the parts verify relies on); throws MALFORMED_FILE. */
export function assertStamp(value: unknown, source = "stamp"): asserts value is StampRecord {
  if (!isObj(value)) fail(source, "expected a JSON object (stamps in env or mlflow format cannot be verified; write one with --format json)");
  if (value.format !== STAMP_FORMAT) fail(source, `"format" is ${JSON.stringify(value.format)}, expected "${STAMP_FORMAT}"`);
  if (typeof value.version !== "number" || !Number.isInteger(value.version)) fail(source, `"version" must be an integer`);
  if (value.version > STAMP_VERSION) {
    throw new DvxError("MALFORMED_FILE", `${source}: stamp format version ${value.version} is newer than this dvx understands (${STAMP_VERSION})`, { data: { file: source }, hint: "upgrade dvx" });
  }
  if (value.version < 1) fail(source, `unknown version ${value.version}`);
  const { data, code, environment, seeds } = value;
  if (!isObj(data) || !Array.isArray(data.outputs) || typeof data.fingerprint !== "string") fail(source, `"data" needs "outputs" and "fingerprint"`);
  if (!(data.targets === null || (Array.isArray(data.targets) && data.targets.every((t) => typeof t === "string")))) fail(source, `"data.targets" must be null or a list of paths`);
  data.outputs.forEach((o, i) => {
    if (!isObj(o) || typeof o.path !== "string" || typeof o.hashName !== "string" || !(o.hash === null || typeof o.hash === "string")) {
      fail(source, `data.outputs[${i}] needs "path", "hashName" and "hash"`);
    }
  });
  if (!isObj(code) || !Array.isArray(code.changes) || !Array.isArray(code.ignoredPaths)) fail(source, `"code" needs "changes" and "ignoredPaths"`);
  if (!isObj(environment) || !Array.isArray(environment.lockFiles) || typeof environment.node !== "string" || !isObj(environment.os)) {
    fail(source, `"environment" needs "os", "node" and "lockFiles"`);
  }
  if (!isObj(seeds) || !Array.isArray(seeds.given) || !isObj(seeds.env)) fail(source, `"seeds" needs "given" and "env"`);
}

/** Parses stamp JSON text (as written by `dvx stamp --format json`). */
export function parseStamp(text: string, source = "stamp"): StampRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(source, "the file is not JSON (stamps in env or mlflow format cannot be verified; write one with --format json)");
  }
  assertStamp(value, source);
  return value;
}

function ignoredBy(kind: string, ignore: string[]): boolean {
  return ignore.some((i) => kind === i || kind.startsWith(i + "."));
}

export function validateIgnore(ignore: string[]): void {
  const prefixes = new Set(DRIFT_KINDS.flatMap((k) => [k, k.split(".")[0]!]));
  for (const i of ignore) {
    if (!prefixes.has(i)) throw new DvxError("USAGE", `unknown drift kind '${i}' (one of: data, code, env, ${DRIFT_KINDS.join(", ")})`);
  }
}

const short = (h: string | null | undefined): string => (h ? (h.startsWith("sha256:") ? h.slice(7, 19) : h.slice(0, 12)) : "none");

function pkgName(line: string): string {
  const m = /^(-e\s+)?([A-Za-z0-9_.\-[\]]+)\s*(==|===|@|>=|~=)/.exec(line);
  return (m ? m[2]! : line).toLowerCase().replace(/[-_.]+/g, "-");
}

/** added/removed/changed packages between two `pip freeze` lists. */
export function pipDelta(before: string[], after: string[]): { added: string[]; removed: string[]; changed: Array<{ from: string; to: string }> } {
  const a = new Map(before.map((l) => [pkgName(l), l]));
  const b = new Map(after.map((l) => [pkgName(l), l]));
  const added = [...b].filter(([k]) => !a.has(k)).map(([, v]) => v);
  const removed = [...a].filter(([k]) => !b.has(k)).map(([, v]) => v);
  const changed = [...a].filter(([k, v]) => b.has(k) && b.get(k) !== v).map(([k, v]) => ({ from: v, to: b.get(k)! }));
  return { added, removed, changed };
}

function describeOut(o: StampOutput): string {
  return `${o.hashName}:${o.hash ?? "(not committed)"}`;
}

export async function verifyStamp(repo: Repo, record: StampRecord, opts: VerifyOptions = {}): Promise<VerifyResult> {
  assertStamp(record);
  const ignore = opts.ignore ?? [];
  validateIgnore(ignore);
  const env = opts.env ?? process.env;
  const skip = (kind: DriftKind) => ignoredBy(kind, ignore);
  const differences: Difference[] = [];
  const notes: Note[] = [];
  let ignoredCount = 0;
  const add = (d: Difference) => {
    if (skip(d.kind)) ignoredCount++;
    else differences.push(d);
  };

  // ---- the current state, taken like the stamp was
  const root = repo.root;
  const stampRel = opts.stampFile ? path.relative(root, path.resolve(opts.stampFile)).split(path.sep).join("/") : undefined;
  const exempt = new Set([...(record.code.ignoredPaths ?? []), ...(stampRel && !stampRel.startsWith("..") && !path.isAbsolute(stampRel) ? [stampRel] : [])]);
  const outs = repo.outputs();
  let targets: string[] | undefined;
  const goneTargets: string[] = [];
  if (record.data.targets) {
    targets = [];
    for (const t of record.data.targets) {
      try {
        selectStampOutputs(root, outs, [path.resolve(root, t)]);
        targets.push(t);
      } catch (e) {
        if (!isDvxError(e, "NOT_FOUND")) throw e;
        goneTargets.push(t);
        add({ kind: "data.removed", path: t, expected: t, actual: null, message: `${t}: the stamp's target is no longer tracked` });
      }
    }
  }
  const noneLeft = targets !== undefined && targets.length === 0;
  const stampOpts: StampOptions = {
    python: !!record.environment.python && !(skip("env.python") && skip("env.pip")),
    remote: !skip("data.remote") && !noneLeft,
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.imageDigest !== undefined ? { imageDigest: opts.imageDigest } : {}),
    ...(opts.stampFile ? { stampFile: opts.stampFile } : {}),
    ignoreChanges: [...exempt].map((p) => path.join(root, p)),
    env,
  };
  const current = await repo.stamp(noneLeft ? undefined : targets, { ...stampOpts, cwd: root, ...(opts.signal ? { signal: opts.signal } : {}) });
  const currentOuts = noneLeft ? [] : current.data.outputs;

  // ---- data
  const now = new Map(currentOuts.map((o) => [o.path, o]));
  const then = new Map(record.data.outputs.map((o) => [o.path, o]));
  const unchanged: StampOutput[] = [];
  for (const r of record.data.outputs) {
    const c = now.get(r.path);
    if (!c && goneTargets.some((t) => t === r.path || t === r.declaredIn || t.startsWith(r.path + "/") || r.path.startsWith(t + "/"))) continue; // said above
    if (!c) {
      add({ kind: "data.removed", path: r.path, expected: describeOut(r), actual: null, message: `${r.path}: tracked in the stamp (${r.declaredIn}), not tracked now` });
      continue;
    }
    if (c.hash !== r.hash || c.hashName !== r.hashName) {
      add({ kind: "data.changed", path: r.path, expected: describeOut(r), actual: describeOut(c), message: `${r.path}: ${c.declaredIn} records ${describeOut(c)}, the stamp ${describeOut(r)}` });
      continue;
    }
    unchanged.push(c);
    if (c.inCache === false) add({ kind: "data.cache", path: c.path, expected: true, actual: false, message: `${c.path}: not (entirely) in the local cache (dvx fetch/pull restores it)` });
    if (c.inRemote === "no") add({ kind: "data.remote", path: c.path, expected: "yes", actual: "no", message: `${c.path}: not (entirely) on remote '${c.remote?.name}'${c.inCache ? " (dvx push uploads it)" : ""}` });
    if (c.inRemote === "unknown") add({ kind: "data.remote", path: c.path, expected: "yes", actual: "unknown", message: `${c.path}: remote '${c.remote?.name}' could not be checked: ${c.remoteError ?? "unknown error"}` });
    if (r.remote?.url && c.remote?.url && r.remote.url !== c.remote.url) {
      notes.push({ topic: "data.remote", message: `${c.path}: remote URL was ${r.remote.url}, is now ${c.remote.url}` });
    }
  }
  for (const c of currentOuts) {
    if (!then.has(c.path)) add({ kind: "data.added", path: c.path, expected: null, actual: describeOut(c), message: `${c.path}: tracked now (${c.declaredIn}), not in the stamp` });
  }
  if (!skip("data.workspace") && unchanged.length) {
    const st = await repo.status(unchanged.map((o) => o.path || "."), { cwd: root, ...(opts.signal ? { signal: opts.signal } : {}) });
    for (const entries of Object.values(st)) {
      for (const e of entries) {
        if (typeof e !== "object") continue;
        for (const [p, s] of Object.entries(e["changed outs"] ?? {})) {
          if (s === "not in cache") continue; // reported as data.cache
          add({ kind: "data.workspace", path: p, expected: "unchanged", actual: s, message: `${p}: ${s} in the workspace (dvx checkout restores it)` });
        }
      }
    }
  }
  if (dataFingerprint(record.data.outputs) !== record.data.fingerprint) {
    notes.push({ topic: "data", message: `the stamp's fingerprint ${record.data.fingerprint} does not match its own list of outputs (edited by hand?)` });
  }

  // ---- code
  const rc = record.code;
  const cc = current.code;
  if (rc.vcs === null) {
    notes.push({ topic: "code", message: "the stamp has no git information (made outside git)" });
  } else if (cc.vcs === null) {
    add({ kind: "code.commit", expected: rc.commit, actual: null, message: `not a git work tree now; the stamp was made at commit ${rc.commit ?? "(none)"}` });
  } else {
    if (rc.commit !== cc.commit) {
      const onlyStamp = (): boolean => {
        if (!rc.commit || !cc.commit || !commitExists(root, rc.commit) || !isAncestor(root, rc.commit, cc.commit)) return false;
        const changed = changedBetween(root, rc.commit, cc.commit);
        return changed !== null && changed.every((p) => exempt.has(p));
      };
      if (onlyStamp()) {
        notes.push({ topic: "code", message: `HEAD ${cc.commit!.slice(0, 12)} descends from the stamp's commit ${rc.commit!.slice(0, 12)} and differs from it only in the stamp file` });
      } else {
        const missing = rc.commit && !commitExists(root, rc.commit) ? " (that commit is not in this clone: git fetch)" : "";
        add({ kind: "code.commit", expected: rc.commit, actual: cc.commit, message: `HEAD is ${cc.commit ?? "(no commit)"}, the stamp was made at ${rc.commit ?? "(no commit)"}${missing}` });
      }
    }
    if (rc.dirty) {
      if (cc.dirty && cc.dirtyDigest === rc.dirtyDigest) {
        notes.push({ topic: "code", message: `the stamp was taken with uncommitted changes (${rc.changes.map((c) => c.path).join(", ")}); the same changes are present now` });
      } else {
        add({
          kind: "code.dirty",
          expected: rc.changes.map((c) => c.path),
          actual: cc.changes.map((c) => c.path),
          message: `the stamp was taken with uncommitted changes to ${rc.changes.map((c) => c.path).join(", ")}; ${cc.dirty ? `the uncommitted changes now differ (${cc.changes.map((c) => c.path).join(", ")})` : "they are not present now"}`,
        });
      }
    } else if (cc.dirty) {
      add({ kind: "code.dirty", expected: [], actual: cc.changes.map((c) => c.path), message: `uncommitted changes: ${cc.changes.map((c) => `${c.path} (${c.status.trim()})`).join(", ")}` });
    }
  }

  // ---- environment
  const re = record.environment;
  const ce = current.environment;
  const locksThen = new Map(re.lockFiles.map((l) => [l.path, l]));
  const locksNow = new Map(ce.lockFiles.map((l) => [l.path, l]));
  for (const l of re.lockFiles) {
    const n = locksNow.get(l.path);
    if (!n) add({ kind: "env.lockfile", path: l.path, expected: l.sha256, actual: null, message: `${l.path}: lock file removed` });
    else if (n.sha256 !== l.sha256) add({ kind: "env.lockfile", path: l.path, expected: l.sha256, actual: n.sha256, message: `${l.path}: changed (sha256 ${short(l.sha256)} -> ${short(n.sha256)})` });
  }
  for (const l of ce.lockFiles) {
    if (!locksThen.has(l.path)) add({ kind: "env.lockfile", path: l.path, expected: null, actual: l.sha256, message: `${l.path}: new lock file, not in the stamp` });
  }
  if (re.node !== ce.node) add({ kind: "env.node", expected: re.node, actual: ce.node, message: `Node ${ce.node}, the stamp has ${re.node}` });
  if (re.os.platform !== ce.os.platform || re.arch !== ce.arch) {
    add({ kind: "env.platform", expected: `${re.os.platform}-${re.arch}`, actual: `${ce.os.platform}-${ce.arch}`, message: `platform ${ce.os.platform}-${ce.arch}, the stamp has ${re.os.platform}-${re.arch}` });
  }
  if (re.python && ce.python) {
    const rp = re.python;
    const cp = ce.python;
    if (rp.version !== cp.version) {
      add({ kind: "env.python", expected: rp.version, actual: cp.version, message: cp.version ? `Python ${cp.version}, the stamp has ${rp.version ?? "none"}` : `no Python interpreter now (${cp.error ?? cp.command}), the stamp has ${rp.version}` });
    }
    if (rp.freezeSha256 !== cp.freezeSha256) {
      const d = pipDelta(rp.packages ?? [], cp.packages ?? []);
      const parts = [
        ...d.changed.map((c) => `${c.from} -> ${c.to}`),
        ...d.added.map((a) => `+${a}`),
        ...d.removed.map((r) => `-${r}`),
      ];
      add({
        kind: "env.pip",
        expected: rp.freezeSha256,
        actual: cp.freezeSha256,
        message: cp.packages === null ? `pip freeze could not be run now (${cp.error ?? "unknown error"})` : `pip freeze differs: ${parts.join(", ") || "same packages, different order"}`,
      });
    }
  }
  if (re.gpu || ce.gpu) {
    const g = (x: typeof re.gpu) => (x ? `driver ${x.driver ?? "?"}, CUDA ${x.cuda ?? "?"}, ${x.devices.join(" + ") || "no devices"}` : "no GPU (nvidia-smi not found)");
    if (JSON.stringify(re.gpu) !== JSON.stringify(ce.gpu)) add({ kind: "env.gpu", expected: re.gpu, actual: ce.gpu, message: `GPU: ${g(ce.gpu)}; the stamp has ${g(re.gpu)}` });
  }
  if (re.image) {
    if (!ce.image) notes.push({ topic: "env.image", message: `the stamp records image ${re.image.digest}; the current one is unknown (pass --image-digest or set DVX_IMAGE_DIGEST)` });
    else if (ce.image.digest !== re.image.digest) add({ kind: "env.image", expected: re.image.digest, actual: ce.image.digest, message: `image ${ce.image.digest}, the stamp has ${re.image.digest}` });
  }

  // ---- seeds: inputs of the run, not state of the repository; reported, never failing
  const seedsNow = collectSeeds([], env).env;
  for (const name of new Set([...Object.keys(record.seeds.env), ...Object.keys(seedsNow)])) {
    const a = record.seeds.env[name];
    const b = seedsNow[name];
    if (a !== b) notes.push({ topic: "seeds", message: `${name} is ${b === undefined ? "unset" : `'${b}'`} now, was ${a === undefined ? "unset" : `'${a}'`} in the stamp` });
  }
  if (record.seeds.given.length) notes.push({ topic: "seeds", message: `seeds of the run: ${record.seeds.given.map((s) => `${s.name}=${s.value}`).join(", ")}` });

  return {
    ok: differences.length === 0,
    stamp: { createdAt: record.createdAt, version: record.version, fingerprint: record.data.fingerprint, commit: record.code.commit },
    differences,
    notes,
    ignored: ignoredCount,
    current,
  };
}
