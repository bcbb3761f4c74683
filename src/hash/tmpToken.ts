/**
 * Random-looking tokens for temp file names, `chars` long, in base64url's alphabet (what the temp
 * name patterns that recognise leftovers expect). A per-process random part plus a counter:
 * unique across processes (48+ random bits) and within one, without a `randomBytes` call (a
 * syscall-backed RNG read) for each of the tens of thousands of files a transfer writes.
 */
import { randomBytes } from "node:crypto";

const COUNTER_CHARS = 8;
const RANDOM = randomBytes(24).toString("base64url"); // 32 chars
let counter = 0;

export function tmpToken(chars: number): string {
  if (chars < COUNTER_CHARS + 8 || chars > RANDOM.length + COUNTER_CHARS) throw new RangeError(`tmpToken: ${chars} chars`);
  const n = (counter = (counter + 1) % 36 ** COUNTER_CHARS);
  return RANDOM.slice(0, chars - COUNTER_CHARS) + n.toString(36).padStart(COUNTER_CHARS, "0");
}
