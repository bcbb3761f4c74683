/**
 * State: a persistent stat -> hash cache, so an unchanged file is never hashed twice (spec 7.6,
 * design.md "State").
 *
 * An entry (absolute path, hash name) -> (inode, size, mtime_ns, md5) is valid only while all
 * three stat fields still match. It is dvx's own cache, kept under `.dvc/tmp/` (which DVC never
 * reads); DVC's own state in the site cache dir is never written.
 *
 * Storage: SQLite through better-sqlite3 (synchronous, ~1 µs per prepared-statement row inside a
 * transaction), WAL journal (readers never block the writer), `synchronous = NORMAL` (a crash can
 * lose the last commits but never corrupt the file; losing cache entries only costs a re-hash),
 * a WITHOUT ROWID table keyed by (path, hash name). One million entries are ~150 MB on disk and
 * a lookup stays O(log n). Writes are batched into one IMMEDIATE transaction (the write lock is
 * taken up front, so SQLITE_BUSY goes through the busy handler instead of failing a lock upgrade)
 * with a bounded retry budget on SQLITE_BUSY/LOCKED.
 *
 * Inode and mtime_ns are 64-bit values; they are stored as signed 64-bit integers
 * (BigInt.asIntN(64)), which is lossless for comparison.
 */
import { mkdirSync, renameSync, stat, statSync, type BigIntStats } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import type { HashName } from "../odb/oid.js";

export interface FileStat {
  ino: bigint;
  size: number;
  mtimeNs: bigint;
}

export interface StatPath {
  absPath: string;
  stat: FileStat;
}

export interface StateEntry extends StatPath {
  hashName: HashName;
  md5: string;
}

export interface HashState {
  /** The recorded hash if the entry exists and ino, size and mtime_ns all match `st`. */
  get(absPath: string, st: FileStat, hashName: HashName): string | undefined;
  /** Batched {@link get}: one transaction for the whole list, results in input order. */
  getMany(items: readonly StatPath[], hashName: HashName): (string | undefined)[];
  set(absPath: string, st: FileStat, hashName: HashName, md5: string): void;
  /** Batched {@link set}: one transaction. */
  setMany(entries: readonly StateEntry[]): void;
  /**
   * A directory's recorded result if `fingerprint` (a digest of the relative path, ino, size and
   * mtime_ns of every file walked in it) is the one recorded with it.
   */
  getDir(absDir: string, hashName: HashName, fingerprint: string): DirRecord | undefined;
  setDir(absDir: string, hashName: HashName, fingerprint: string, rec: DirRecord): void;
  /**
   * The cache stamp (odbStamp.ts) recorded when the `.dir` object at `objPath` and every object
   * it lists were last proved present in the cache.
   */
  getCompleteStamp(objPath: string): string | undefined;
  setCompleteStamp(objPath: string, stamp: string): void;
  close(): void;
}

/** What `status` needs of a directory output: its `.dir` oid, total size and file count. */
export interface DirRecord {
  oid: string;
  size: number;
  nfiles: number;
}

export function toFileStat(st: BigIntStats): FileStat {
  return { ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs };
}

const statBigint = promisify(stat) as (p: string, o: { bigint: true }) => Promise<BigIntStats>;

/** `fs.stat(p, {bigint: true})` reduced to what state compares (follows symlinks, like DVC). */
export async function statFile(path: string): Promise<FileStat> {
  return toFileStat(await statBigint(path, { bigint: true }));
}

export function statFileSync(path: string): FileStat {
  return toFileStat(statSync(path, { bigint: true }));
}

/** The null object: remembers nothing (tests, remote ODBs, `--no-state` style callers). */
export class NoopState implements HashState {
  get(): string | undefined {
    return undefined;
  }
  getMany(items: readonly StatPath[]): (string | undefined)[] {
    return new Array<string | undefined>(items.length).fill(undefined);
  }
  set(): void {}
  setMany(): void {}
  getDir(): DirRecord | undefined {
    return undefined;
  }
  setDir(): void {}
  getCompleteStamp(): string | undefined {
    return undefined;
  }
  setCompleteStamp(): void {}
  close(): void {}
}

/**
 * Opens the real state on first use, so commands that look nothing up (status of a repository
 * without outputs, remote and config commands) never load SQLite.
 */
export class LazyState implements HashState {
  private state: HashState | undefined;
  constructor(private readonly openState: () => HashState) {}
  private get s(): HashState {
    return (this.state ??= this.openState());
  }
  get(absPath: string, st: FileStat, hashName: HashName): string | undefined {
    return this.s.get(absPath, st, hashName);
  }
  getMany(items: readonly StatPath[], hashName: HashName): (string | undefined)[] {
    return this.s.getMany(items, hashName);
  }
  set(absPath: string, st: FileStat, hashName: HashName, md5: string): void {
    this.s.set(absPath, st, hashName, md5);
  }
  setMany(entries: readonly StateEntry[]): void {
    if (entries.length) this.s.setMany(entries);
  }
  getDir(absDir: string, hashName: HashName, fingerprint: string): DirRecord | undefined {
    return this.s.getDir(absDir, hashName, fingerprint);
  }
  setDir(absDir: string, hashName: HashName, fingerprint: string, rec: DirRecord): void {
    this.s.setDir(absDir, hashName, fingerprint, rec);
  }
  getCompleteStamp(objPath: string): string | undefined {
    return this.s.getCompleteStamp(objPath);
  }
  setCompleteStamp(objPath: string, stamp: string): void {
    this.s.setCompleteStamp(objPath, stamp);
  }
  close(): void {
    this.state?.close();
  }
}

const SCHEMA_VERSION = 1;
const HASH_CODE: Record<HashName, number> = { md5: 0, "md5-dos2unix": 1 };
/** SQLITE_BUSY handling: the busy handler waits up to BUSY_TIMEOUT_MS per attempt, MAX_ATTEMPTS attempts. */
const BUSY_TIMEOUT_MS = 2_000;
const MAX_ATTEMPTS = 4;
const ROWS_PER_TRANSACTION = 50_000;

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

type Row = [bigint, bigint, bigint, string]; // ino, size, mtime_ns, md5

export class SqliteState implements HashState {
  private readonly db: Database.Database;
  private readonly selectStmt: Database.Statement<[string, number], Row>;
  private readonly upsertStmt: Database.Statement<[string, number, bigint, number, bigint, string]>;
  private readonly readMany: (items: readonly StatPath[], code: number) => (string | undefined)[];
  private readonly writeMany: (entries: readonly StateEntry[]) => void;

  /** Opens (creating if needed) the database at `dbPath`. Use {@link openHashState} to also
   * create the parent directory and recover from a corrupt file. */
  constructor(dbPath: string) {
    // required here, not imported: the native addon loads only when a state is opened
    const Sqlite = createRequire(import.meta.url)("better-sqlite3") as typeof Database;
    this.db = new Sqlite(dbPath, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.retry(() => {
        this.db.pragma("journal_mode = WAL");
        this.db.pragma("synchronous = NORMAL");
        this.db.pragma("cache_size = -65536");
        this.db.pragma("mmap_size = 268435456");
        this.db.pragma("temp_store = MEMORY");
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS hashes (
             path TEXT NOT NULL, hash INTEGER NOT NULL,
             ino INTEGER NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, md5 TEXT NOT NULL,
             PRIMARY KEY (path, hash)) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS dirs (
             path TEXT NOT NULL, hash INTEGER NOT NULL, fingerprint TEXT NOT NULL,
             oid TEXT NOT NULL, size INTEGER NOT NULL, nfiles INTEGER NOT NULL,
             PRIMARY KEY (path, hash)) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS complete (path TEXT PRIMARY KEY, stamp TEXT NOT NULL) WITHOUT ROWID;
           INSERT OR IGNORE INTO meta VALUES ('schema', '${SCHEMA_VERSION}');`,
        );
      });
      const schema = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
      if (schema?.value !== String(SCHEMA_VERSION)) {
        throw Object.assign(new Error(`unsupported state schema ${schema?.value}`), { code: "SQLITE_NOTADB" });
      }
      this.selectStmt = this.db
        .prepare<[string, number], Row>("SELECT ino, size, mtime_ns, md5 FROM hashes WHERE path = ? AND hash = ?")
        .raw(true)
        .safeIntegers(true);
      this.upsertStmt = this.db.prepare(
        "INSERT OR REPLACE INTO hashes (path, hash, ino, size, mtime_ns, md5) VALUES (?, ?, ?, ?, ?, ?)",
      );
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.readMany = this.db.transaction((items: readonly StatPath[], code: number) => {
      const out = new Array<string | undefined>(items.length);
      for (let i = 0; i < items.length; i++) out[i] = this.lookup(items[i]!.absPath, items[i]!.stat, code);
      return out;
    });
    const write = this.db.transaction((entries: readonly StateEntry[]) => {
      for (const e of entries) {
        this.upsertStmt.run(e.absPath, HASH_CODE[e.hashName], i64(e.stat.ino), e.stat.size, i64(e.stat.mtimeNs), e.md5);
      }
    });
    this.writeMany = (entries) => write.immediate(entries);
  }

  private lookup(absPath: string, st: FileStat, code: number): string | undefined {
    const row = this.selectStmt.get(absPath, code);
    if (row === undefined) return undefined;
    const [ino, size, mtimeNs, md5] = row;
    return ino === i64(st.ino) && size === BigInt(st.size) && mtimeNs === i64(st.mtimeNs) ? md5 : undefined;
  }

  private retry<T>(fn: () => T): T {
    for (let attempt = 1; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isBusy(e) || attempt >= MAX_ATTEMPTS) throw e;
        sleepSync(25 * attempt);
      }
    }
  }

  get(absPath: string, st: FileStat, hashName: HashName): string | undefined {
    return this.retry(() => this.lookup(absPath, st, HASH_CODE[hashName]));
  }

  getMany(items: readonly StatPath[], hashName: HashName): (string | undefined)[] {
    const code = HASH_CODE[hashName];
    if (items.length <= ROWS_PER_TRANSACTION) return this.retry(() => this.readMany(items, code));
    const out: (string | undefined)[] = [];
    for (let i = 0; i < items.length; i += ROWS_PER_TRANSACTION) {
      const part = items.slice(i, i + ROWS_PER_TRANSACTION);
      for (const r of this.retry(() => this.readMany(part, code))) out.push(r);
    }
    return out;
  }

  set(absPath: string, st: FileStat, hashName: HashName, md5: string): void {
    this.setMany([{ absPath, stat: st, hashName, md5 }]);
  }

  setMany(entries: readonly StateEntry[]): void {
    // Bounded transactions keep the WAL small and let readers in between.
    for (let i = 0; i < entries.length; i += ROWS_PER_TRANSACTION) {
      const part = entries.length <= ROWS_PER_TRANSACTION ? entries : entries.slice(i, i + ROWS_PER_TRANSACTION);
      this.retry(() => this.writeMany(part));
    }
  }

  getDir(absDir: string, hashName: HashName, fingerprint: string): DirRecord | undefined {
    const row = this.retry(() =>
      this.db
        .prepare<[string, number, string], { oid: string; size: number; nfiles: number }>("SELECT oid, size, nfiles FROM dirs WHERE path = ? AND hash = ? AND fingerprint = ?")
        .get(absDir, HASH_CODE[hashName], fingerprint),
    );
    return row ? { oid: row.oid, size: row.size, nfiles: row.nfiles } : undefined;
  }

  setDir(absDir: string, hashName: HashName, fingerprint: string, rec: DirRecord): void {
    this.retry(() =>
      this.db
        .prepare("INSERT OR REPLACE INTO dirs (path, hash, fingerprint, oid, size, nfiles) VALUES (?, ?, ?, ?, ?, ?)")
        .run(absDir, HASH_CODE[hashName], fingerprint, rec.oid, rec.size, rec.nfiles),
    );
  }

  getCompleteStamp(objPath: string): string | undefined {
    const row = this.retry(() => this.db.prepare<[string], { stamp: string }>("SELECT stamp FROM complete WHERE path = ?").get(objPath));
    return row?.stamp;
  }

  setCompleteStamp(objPath: string, stamp: string): void {
    this.retry(() => this.db.prepare("INSERT OR REPLACE INTO complete (path, stamp) VALUES (?, ?)").run(objPath, stamp));
  }

  /** Number of entries (for tests and diagnostics). */
  count(): number {
    return Number(this.db.prepare<[], [bigint]>("SELECT count(*) FROM hashes").raw(true).safeIntegers(true).get()![0]);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function isCorrupt(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB";
}

/**
 * Open the state at `dbPath` (the repository passes `<repo>/.dvc/tmp/dvx/state.db`), creating
 * the directory. A corrupt or foreign file is moved aside (`<dbPath>.corrupt-<time>`) and a
 * fresh database started: state is only a cache.
 */
export function openHashState(dbPath: string): SqliteState {
  mkdirSync(dirname(dbPath), { recursive: true });
  try {
    return new SqliteState(dbPath);
  } catch (e) {
    if (!isCorrupt(e)) throw e;
    const aside = `${dbPath}.corrupt-${Date.now()}`;
    renameSync(dbPath, aside);
    for (const ext of ["-wal", "-shm"]) {
      try {
        renameSync(dbPath + ext, aside + ext);
      } catch {
        // absent
      }
    }
    return new SqliteState(dbPath);
  }
}

const MS = 1_000_000n;
/**
 * Racy-clean rule (git's "racy git" problem): a file whose mtime is not clearly older than the
 * moment its content was read could be modified again within the same timestamp tick, keeping
 * (ino, size, mtime_ns) while changing content. Such entries must not be recorded. The window is
 * 100 ms for filesystems with sub-second timestamps (Linux stamps with a coarse clock, one jiffy
 * = 1-10 ms, behind real time) and 2 s when the mtime is a whole second (1 s / 2 s filesystems).
 * `readStartedAtMs` must be a wall-clock time (Date.now()) taken BEFORE the content was read.
 */
export function isRacy(st: FileStat, readStartedAtMs: number): boolean {
  const windowNs = st.mtimeNs % (1000n * MS) === 0n ? 2000n * MS : 100n * MS;
  return st.mtimeNs > BigInt(Math.floor(readStartedAtMs)) * MS - windowNs;
}
