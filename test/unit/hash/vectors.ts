/** Spec §12.1 file-hash vectors (shared by the hash and cache tests). */
export const M = 1 << 20;

export interface Vector {
  id: string;
  content: () => Buffer;
  md5: string;
  /** md5-dos2unix, 2.x variant (decide once). */
  d2u2: string;
  /** md5-dos2unix, 3.x variant (decide per chunk); equals d2u2 when the spec gives one value. */
  d2u3: string;
}

const b = (s: string | number[]): Buffer => (typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s));

function v(id: string, content: () => Buffer, md5: string, d2u2: string = md5, d2u3: string = d2u2): Vector {
  return { id, content, md5, d2u2, d2u3 };
}

export const VECTORS: Vector[] = [
  v("H1", () => b(""), "d41d8cd98f00b204e9800998ecf8427e"),
  v("H2", () => b("foo"), "acbd18db4cc2f85cedef654fccc4a4d8"),
  v("H3", () => b("bar"), "37b51d194a7513e45b56f6524f2d51f2"),
  v("H4", () => b("file"), "8c7dd922ad47494fc02c388e12c00eac"),
  v("H5", () => b("something"), "437b930db84b8079c2dd804a71936b5f"),
  v("H6", () => b("data"), "8d777f385d3dfec8815d20f7496026dc"),
  v("H7a", () => b("one"), "f97c5d29941bfb1b2fdab0874906ab82"),
  v("H7b", () => b("two"), "b8a9f715dbb64fd5c56e7783c6820a61"),
  v("H8", () => b("foo\r\n"), "2145971cf82058b108229a3a2e3bff35", "d3b07384d113edec49eaa6238ad5ff00"),
  v("H9", () => b("a\r\nb\r\nc"), "17800212205a0baee12dcf34c0748370", "c32b2057b9bd62caa835386346177935"),
  v("H10", () => b("hello\r\n"), "af5597c29467a96523a70787c319f4db", "b1946ac92492d2347c6235b4d2611184"),
  v("H11", () => b("a\rb"), "2132b3bda00d60e52785208164bff1c8"),
  v("H12", () => b("\r\r\n"), "894c998ef871e6c60f4125c039a5f1af", "81051bcc2cf1bedf378224b0a93e2877"),
  v("H13", () => b([0, 13, 10]), "692c8022360661692872fdc730517229"),
  v("H14", () => Buffer.from("привет\r\n", "utf8"), "5dacb8ed139264c6889c0b34cd5d6bad"),
  v("H15", () => Buffer.from("café\r\n", "utf8"), "fd6017ba442708c87bbdfce3079066e0", "6e99834b7c3e3fd53529a5489725d7e8"),
  v("H15a", () => b("\x80\x81\x82abcd\r\n\r"), "ff35c437d6ebe5cad799fdcee51a83da", "3dabbff7e6077b4ac59a1117c91b62ab"),
  v("H15b", () => b("\x80\x81\x82\x83abc\r\n\r"), "e7de1d9f562ad7d1dbcc6e4fca2a6f7e"),
  v(
    "H15c",
    () => Buffer.concat([b("a\r\n".repeat(200)), b([0, 1, 2, 13, 10])]),
    "16c8c7bc11218a54ac136793fe8f86df",
    "b1f055b211201a054a09d6386aa3eb2e",
  ),
  v(
    "H16a",
    () => Buffer.concat([Buffer.alloc(M - 1, "x"), b("\r\n"), b("y\r\n")]),
    "7e9dd6c74edc74a5b3fc64ef718baddb",
    "e1825541a28894307881fc219afcc49f",
  ),
  v(
    "H17a",
    () => {
      const t = Buffer.alloc(M, "z");
      t.write("line\r\n".repeat(Math.floor(M / 6)), 0, "latin1");
      return Buffer.concat([t, Buffer.alloc(512, 0xff), b("tail\r\n")]);
    },
    "e52c09a0f0a3b70c421bf584c94e9508",
    "f1040df8a750e1a347508cd4f588170f",
    "78132ca767608e96b169e5029818aee7",
  ),
  v(
    "H17b",
    () => Buffer.concat([Buffer.alloc(512, 0), Buffer.alloc(M - 512, "a"), b("text\r\n".repeat(10))]),
    "8d5f6e4a14741655974245f66234726c",
    "8d5f6e4a14741655974245f66234726c",
    "24428a7d02084adc0a9f829e1d3197dc",
  ),
];

/** H16b: the WRONG value a whole-file CRLF replace would give; no variant may produce it. */
export const H16B_WRONG = "664b990fc26860accd3860d0dd525e8c";
