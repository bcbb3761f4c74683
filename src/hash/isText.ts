/**
 * DVC's text detection (`istextblock`, spec 2.3): used only by the legacy `md5-dos2unix` hash.
 *
 * TEXT = {\b, \t, \n, \f, \r} ∪ [0x20, 0x7E]. An empty block is text, any NUL makes it binary,
 * otherwise it is text when at most 30% of its bytes are outside TEXT (exactly 30% is text).
 * UTF-8 non-ASCII bytes count as non-text.
 */

/** 1 for bytes in DVC's TEXT set, 0 otherwise. */
const TEXT_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const b of [0x08, 0x09, 0x0a, 0x0c, 0x0d]) t[b] = 1;
  for (let b = 0x20; b <= 0x7e; b++) t[b] = 1;
  return t;
})();

/** How many leading bytes of a file (2.x) or of each 1 MiB chunk (3.x) decide text-ness. */
export const TEXT_BLOCK_SIZE = 512;

export function isTextBlock(buf: Uint8Array): boolean {
  const n = buf.length;
  if (n === 0) return true;
  let nontext = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b === 0) return false;
    nontext += 1 - TEXT_TABLE[b]!;
  }
  // Python: len(nontext) / len(block) <= 0.30, float division. Compare the same way (not with an
  // integer cross-multiplication) so rounding at the boundary is identical: 3/10 -> 0.3 <= 0.3.
  return nontext / n <= 0.3;
}
