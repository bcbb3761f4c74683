/**
 * The files of a walked directory, kept compactly: `add` of a 200,000-file tree holds every walked
 * file until the manifest is written, and one object per file (relative and absolute path strings,
 * a stat object with two BigInts) cost about 330 bytes of heap each. Here a file is its name (the
 * string readdir returned), the index of its directory, and its stat fields in typed arrays:
 * about 80 bytes. Paths and stat objects are built on demand, one file at a time.
 */
import { normalize } from "node:path";
import type { FileStat } from "../hash/state.js";

const INITIAL_CAPACITY = 1024;

export class FileList {
  /** Directory paths relative to the walked directory, "" for itself. */
  private readonly dirs: string[] = [];
  /** `dirs[d] + "/"` (or "" for the root): the prefix of a file's relative path. */
  private readonly dirPrefixes: string[] = [];
  private readonly names: string[] = [];
  private dirOf = new Uint32Array(INITIAL_CAPACITY);
  private inos = new BigUint64Array(INITIAL_CAPACITY);
  private mtimes = new BigInt64Array(INITIAL_CAPACITY);
  private sizes = new Float64Array(INITIAL_CAPACITY);
  private modes = new Uint32Array(INITIAL_CAPACITY);
  private readonly absPrefix: string;

  constructor(readonly absDir: string) {
    // what path.join(absDir, rel) gives, without normalizing every file's path
    const norm = normalize(absDir);
    this.absPrefix = norm.endsWith("/") ? norm : `${norm}/`;
  }

  get length(): number {
    return this.names.length;
  }

  /** Registers a directory (relative path, "" for the walked one); returns its index. */
  addDir(rel: string): number {
    this.dirs.push(rel);
    this.dirPrefixes.push(rel ? `${rel}/` : "");
    return this.dirs.length - 1;
  }

  push(dir: number, name: string, ino: bigint, size: number, mtimeNs: bigint, mode: number): void {
    const i = this.names.length;
    if (i === this.dirOf.length) this.grow();
    this.names.push(name);
    this.dirOf[i] = dir;
    this.inos[i] = ino;
    this.sizes[i] = size;
    this.mtimes[i] = mtimeNs;
    this.modes[i] = mode;
  }

  /** posix path relative to the walked directory */
  rel(i: number): string {
    return this.dirPrefixes[this.dirOf[i]!]! + this.names[i]!;
  }

  absPath(i: number): string {
    return this.absPrefix + this.rel(i);
  }

  size(i: number): number {
    return this.sizes[i]!;
  }

  ino(i: number): bigint {
    return this.inos[i]!;
  }

  mtimeNs(i: number): bigint {
    return this.mtimes[i]!;
  }

  mode(i: number): number {
    return this.modes[i]!;
  }

  /** What state compares, as a fresh object. */
  stat(i: number): FileStat {
    return { ino: this.inos[i]!, size: this.sizes[i]!, mtimeNs: this.mtimes[i]! };
  }

  private grow(): void {
    const n = this.dirOf.length * 2;
    this.dirOf = grown(this.dirOf, n);
    this.inos = grown(this.inos, n);
    this.mtimes = grown(this.mtimes, n);
    this.sizes = grown(this.sizes, n);
    this.modes = grown(this.modes, n);
  }
}

type Column = Uint32Array | BigUint64Array | BigInt64Array | Float64Array;

/** A copy of `a` with room for `n` elements. */
function grown<T extends Column>(a: T, n: number): T {
  const b = new (a.constructor as new (length: number) => T)(n);
  (b as { set(src: T): void }).set(a);
  return b;
}
