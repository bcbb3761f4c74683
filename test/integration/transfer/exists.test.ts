/**
 * oidsExist (spec 8.3): every strategy returns the same set, on every available backend; the
 * decision function picks what its documented cost model says.
 */
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { oidKey, type HashName } from "../../../src/odb/oid.js";
import type { Storage } from "../../../src/storage/storage.js";
import { chooseExistsStrategy, oidsExist, type ExistsStrategy } from "../../../src/transfer/index.js";
import { skipReason } from "../../helpers/peers.js";
import { cleanupTemps, remoteTargets } from "./helpers.js";

afterAll(cleanupTemps);

function oid(i: number, salt = ""): string {
  return createHash("md5").update(`${salt}${i}`).digest("hex");
}

describe("chooseExistsStrategy", () => {
  const base = { jobs: 8, legacy: false, local: false };
  it("lists once when the remote is small", () => {
    expect(chooseExistsStrategy({ ...base, n: 10_000, prefixes: 256, remoteSize: 0 }).strategy).toBe("list-once");
    expect(chooseExistsStrategy({ ...base, n: 1000, prefixes: 256, remoteSize: 20_000 }).strategy).toBe("list-once");
    expect(chooseExistsStrategy({ ...base, n: 500, prefixes: 256, remoteSize: 20_000 }).strategy).toBe("head");
  });
  it("HEADs a few oids against a big remote", () => {
    expect(chooseExistsStrategy({ ...base, n: 1000, prefixes: 256, remoteSize: 1_000_000 }).strategy).toBe("head");
  });
  it("lists the needed prefixes in parallel for many oids against a big remote", () => {
    expect(chooseExistsStrategy({ ...base, n: 100_000, prefixes: 256, remoteSize: 1_000_000 }).strategy).toBe("list-prefixes");
  });
  it("never lists the legacy root whole (it also holds files/ and runs/)", () => {
    const r = chooseExistsStrategy({ ...base, legacy: true, n: 10_000, prefixes: 256, remoteSize: 0 });
    expect(r.costs["list-once"]).toBe(Infinity);
    expect(r.strategy).toBe("list-prefixes");
  });
  it("local: stats when the remote is much larger than the query", () => {
    expect(chooseExistsStrategy({ ...base, local: true, n: 3000, prefixes: 256, remoteSize: 10_000_000 }).strategy).toBe("head");
    expect(chooseExistsStrategy({ ...base, local: true, n: 3000, prefixes: 256, remoteSize: 5000 }).strategy).toBe("list-prefixes");
  });
});

for (const target of remoteTargets()) {
  const why = target.available ? undefined : skipReason(target.label.startsWith("s3") ? "s3" : "gcs");
  describe.skipIf(why !== undefined)(`oidsExist on ${target.label}`, () => {
    async function populate(st: Storage, hashName: HashName, oids: string[]): Promise<void> {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < oids.length) {
            const o = oids[next++]!;
            await st.write(oidKey(o, hashName), Buffer.from(o));
          }
        }),
      );
    }

    for (const hashName of ["md5", "md5-dos2unix"] as const) {
      it(`finds exactly the present oids with every strategy (${hashName})`, async () => {
        const st = await target.open({ jobs: 8 });
        try {
          const present = Array.from({ length: 1500 }, (_, i) => oid(i, hashName));
          await populate(st, hashName, present);
          // Noise in the other layout and outside any layout must not count.
          await st.write("runs/aa/bb/cc", Buffer.from("x"));
          const other: HashName = hashName === "md5" ? "md5-dos2unix" : "md5";
          const absentHere = Array.from({ length: 50 }, (_, i) => oid(i, "other"));
          await populate(st, other, absentHere);

          const query = [...present.slice(0, 1200), ...absentHere, ...Array.from({ length: 300 }, (_, i) => oid(i, "nowhere"))];
          const expected = new Set(present.slice(0, 1200));
          const seen: string[] = [];
          const found = await oidsExist(st, hashName, query, 8, { onStrategy: (s) => seen.push(s) });
          expect(found).toEqual(expected);
          expect(seen).toHaveLength(1);
          for (const force of ["head", "list-once", "list-prefixes"] as const) {
            const used: string[] = [];
            const got = await oidsExist(st, hashName, query, 8, { force, onStrategy: (s) => used.push(s) });
            expect(got).toEqual(expected);
            expect(used).toEqual([force]);
          }

          // Few oids: HEAD each.
          const few: (ExistsStrategy | "sample-only")[] = [];
          const small = await oidsExist(st, hashName, [present[0]!, oid(1, "nowhere")], 8, { onStrategy: (s) => few.push(s) });
          expect(small).toEqual(new Set([present[0]!]));
          expect(few).toEqual(["head"]);
          expect(await oidsExist(st, hashName, [], 8)).toEqual(new Set());
        } finally {
          await st.close();
        }
      });
    }
  });
}
