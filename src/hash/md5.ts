/**
 * MD5 and md5-dos2unix (spec 2.2, 2.3): hashers, one-shot byte hashing and streaming file hashing.
 *
 * Two MD5 backends: `node` (node:crypto, OpenSSL assembly, ~750 MB/s here, the default) and
 * `wasm` (hash-wasm, ~565 MB/s, for runtimes without node:crypto MD5, e.g. FIPS builds).
 *
 * `md5-dos2unix` is DVC 2.x's legacy hash: CRLF -> LF inside each exact 2^20-byte chunk of the
 * file when the data is "text". Two variants exist (spec 2.3):
 *   - "2.x": text-ness decided ONCE from the first 512 bytes of the file (what 2.x wrote; the
 *     default, used to verify legacy entries);
 *   - "3.x": decided per 1 MiB chunk from that chunk's first 512 bytes (DVC 3.x's reimplementation).
 * Both agree for files <= 1 MiB. Chunk boundaries are those of the FILE, whatever the read sizes.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import { DvxError } from "../errors.js";
import type { HashName } from "../odb/oid.js";
import { isTextBlock, TEXT_BLOCK_SIZE } from "./isText.js";

export type HashBackend = "node" | "wasm";
export type Dos2UnixVariant = "2.x" | "3.x";

export interface Md5Hasher {
  update(b: Uint8Array): void;
  /** Lowercase hex. The hasher must not be used after digest(). */
  digest(): string;
}

/** DVC reads (and converts) files in chunks of exactly this many bytes. */
export const DOS2UNIX_CHUNK = 1 << 20;

/** Files up to this size are read with one sync read; larger ones stream (ts-stack.md §2). */
export const SMALL_FILE_MAX = 4 << 20;
/** createReadStream highWaterMark for large files: 4 MiB measured fastest (752 MB/s, ts-stack §2). */
export const STREAM_CHUNK = 4 << 20;

class NodeMd5 implements Md5Hasher {
  private readonly h = createHash("md5");
  update(b: Uint8Array): void {
    this.h.update(b);
  }
  digest(): string {
    return this.h.digest("hex");
  }
}

interface WasmHasher {
  init(): unknown;
  update(data: Uint8Array): unknown;
  digest(outputType?: "hex"): string;
}

async function loadWasm(): Promise<WasmHasher> {
  const { createMD5 } = await import("hash-wasm");
  return (await createMD5()) as WasmHasher;
}

class WasmMd5 implements Md5Hasher {
  constructor(private readonly w: WasmHasher) {
    w.init();
  }
  update(b: Uint8Array): void {
    this.w.update(b);
  }
  digest(): string {
    return this.w.digest("hex");
  }
}

/** A fresh MD5 hasher. For `wasm` this instantiates a WASM module (~0.1 ms): for many small
 * inputs use {@link createMd5Factory}, which reuses one instance. */
export async function createMd5(backend: HashBackend = "node"): Promise<Md5Hasher> {
  return backend === "node" ? new NodeMd5() : new WasmMd5(await loadWasm());
}

/**
 * A synchronous source of MD5 hashers for sequential use (one file after another). For `wasm` it
 * re-initialises ONE WASM instance each time, so a hasher must be finished (digest) before the
 * next one is taken. Creating a WASM instance per file costs ~7x in throughput (ts-stack §2).
 */
export async function createMd5Factory(backend: HashBackend = "node"): Promise<() => Md5Hasher> {
  if (backend === "node") return () => new NodeMd5();
  const w = await loadWasm();
  return () => new WasmMd5(w);
}

export const nodeMd5Factory: () => Md5Hasher = () => new NodeMd5();

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const CRLF = Buffer.from("\r\n");

/**
 * md5-dos2unix over an arbitrary sequence of update() calls: buffers to exact 1 MiB file chunks,
 * classifies (once or per chunk), replaces CRLF inside each chunk only, feeds the inner hasher.
 */
export class Dos2UnixHasher implements Md5Hasher {
  private chunk: Buffer | undefined;
  private out: Buffer | undefined;
  private fill = 0;
  private fileIsText: boolean | undefined;

  constructor(
    private readonly inner: Md5Hasher,
    private readonly variant: Dos2UnixVariant = "2.x",
  ) {}

  update(data: Uint8Array): void {
    const b = asBuffer(data);
    let off = 0;
    const len = b.length;
    while (off < len) {
      if (this.fill === 0 && len - off >= DOS2UNIX_CHUNK) {
        // Whole chunk available in the caller's buffer: no copy (processChunk never mutates it).
        this.processChunk(b.subarray(off, off + DOS2UNIX_CHUNK));
        off += DOS2UNIX_CHUNK;
        continue;
      }
      const chunk = (this.chunk ??= Buffer.allocUnsafe(DOS2UNIX_CHUNK));
      const n = Math.min(DOS2UNIX_CHUNK - this.fill, len - off);
      b.copy(chunk, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === DOS2UNIX_CHUNK) {
        this.fill = 0;
        this.processChunk(chunk);
      }
    }
  }

  digest(): string {
    if (this.fill > 0) {
      const n = this.fill;
      this.fill = 0;
      this.processChunk(this.chunk!.subarray(0, n));
    }
    return this.inner.digest();
  }

  private processChunk(c: Buffer): void {
    let text: boolean;
    if (this.variant === "2.x") {
      // The first chunk holds the first min(512, size) bytes of the file.
      text = this.fileIsText ??= isTextBlock(c.subarray(0, TEXT_BLOCK_SIZE));
    } else {
      text = isTextBlock(c.subarray(0, TEXT_BLOCK_SIZE));
    }
    const first = text ? c.indexOf(CRLF) : -1;
    if (first < 0) {
      this.inner.update(c);
      return;
    }
    const out = (this.out ??= Buffer.allocUnsafe(DOS2UNIX_CHUNK));
    c.copy(out, 0, 0, first);
    let w = first;
    const n = c.length;
    // bytes.replace(b"\r\n", b"\n"): drop every CR that is immediately followed by LF (non-
    // overlapping left-to-right scan; "\r\r\n" -> "\r\n").
    for (let i = first; i < n; i++) {
      const x = c[i]!;
      if (x === 0x0d && i + 1 < n && c[i + 1] === 0x0a) continue;
      out[w++] = x;
    }
    this.inner.update(out.subarray(0, w));
  }
}

export interface ContentHashSpec {
  hashName: HashName;
  /** Only for md5-dos2unix; default "2.x". */
  dos2unix?: Dos2UnixVariant;
}

/** Wrap a raw MD5 hasher so it computes `hashName` over raw file content. */
export function contentHasher(inner: Md5Hasher, spec: ContentHashSpec): Md5Hasher {
  return spec.hashName === "md5-dos2unix" ? new Dos2UnixHasher(inner, spec.dos2unix ?? "2.x") : inner;
}

/** Hash of a byte string as DVC would hash a file with that content. */
export async function hashBytes(
  buf: Uint8Array,
  hashName: HashName = "md5",
  backend: HashBackend = "node",
  dos2unix: Dos2UnixVariant = "2.x",
): Promise<string> {
  const h = contentHasher(await createMd5(backend), { hashName, dos2unix });
  h.update(buf);
  return h.digest();
}

/** Synchronous node:crypto variant of {@link hashBytes}. */
export function hashBytesSync(buf: Uint8Array, hashName: HashName = "md5", dos2unix: Dos2UnixVariant = "2.x"): string {
  const h = contentHasher(new NodeMd5(), { hashName, dos2unix });
  h.update(buf);
  return h.digest();
}

export interface HashFileOptions extends ContentHashSpec {
  backend?: HashBackend;
  signal?: AbortSignal;
  /** Called with the number of bytes just hashed (large files only, per read). */
  onBytes?: (n: number) => void;
}

export function abortedError(signal: AbortSignal | undefined, what?: string): DvxError {
  return new DvxError("ABORTED", what ? `aborted: ${what}` : "aborted", {
    ...(signal?.reason === undefined ? {} : { cause: signal.reason }),
  });
}

/** Map an fs error on `path` to a typed error where one applies (ENOENT -> NOT_FOUND). */
export function fsError(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new DvxError("NOT_FOUND", `no such file: ${path}`, { data: { path }, cause: err });
  return err;
}

/** Read until `buf` is full or EOF; returns the number of bytes read. */
export function readFull(fd: number, buf: Uint8Array, limit = buf.length): number {
  let n = 0;
  while (n < limit) {
    const r = readSync(fd, buf, n, limit - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/**
 * Hash one file. Small files (<= 4 MiB) are read with one sync read, large ones stream through
 * createReadStream with 4 MiB reads (the next read overlaps hashing). `size` is the number of
 * bytes actually read.
 */
export async function hashFile(path: string, opts: HashFileOptions): Promise<{ md5: string; size: number }> {
  const { signal } = opts;
  if (signal?.aborted) throw abortedError(signal, path);
  const backend = opts.backend ?? "node";
  const h = contentHasher(await createMd5(backend), opts);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw fsError(e, path);
  }
  let size: number;
  let small = false;
  try {
    size = fstatSync(fd).size;
    if (size <= SMALL_FILE_MAX) {
      // +1 byte so that a file that grew since fstat is detected and falls through to streaming.
      const buf = Buffer.allocUnsafe(size + 1);
      const n = readFull(fd, buf);
      if (n <= size) {
        h.update(buf.subarray(0, n));
        small = true;
        size = n;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (small) return { md5: h.digest(), size };

  size = 0;
  const stream = createReadStream(path, { highWaterMark: STREAM_CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw abortedError(signal, path);
      h.update(chunk);
      size += chunk.length;
      opts.onBytes?.(chunk.length);
    }
  } catch (e) {
    throw fsError(e, path);
  } finally {
    stream.destroy();
  }
  return { md5: h.digest(), size };
}
