/**
 * A corrupted cache object (content no longer matching its name) is detected before it is checked
 * out or pushed, the way DVC decides to verify (spec 7.3: an object that is not 0444 is re-hashed;
 * a mismatch is deleted and reported), and `dvx cache verify` re-hashes the whole cache (0444
 * objects too) and reports or quarantines bad objects.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dvx, tmpDir } from "../helpers/cli.js";
import { repoWithRemote } from "./crash.js";
import { checkOdb, dvcFileOid, manifestOf, md5, report } from "./helpers.js";

function objectPath(repo: string, oid: string): string {
  return path.join(repo, ".dvc", "cache", "files", "md5", oid.slice(0, 2), oid.slice(2));
}

/** Overwrites an object's bytes; `keepMode` puts 0444 back (a "trusted" object that rotted). */
function corrupt(p: string, keepMode = false): void {
  fs.chmodSync(p, 0o644);
  fs.writeFileSync(p, "bit rot\n");
  if (keepMode) fs.chmodSync(p, 0o444);
}

function setup(): { repo: string; remote: string; manifest: Map<string, string>; victim: string } {
  const remote = path.join(tmpDir("dvx-rel-remote-"), "store");
  const repo = repoWithRemote(remote);
  const files: Record<string, string> = {};
  for (let i = 0; i < 8; i++) files[`data/f${i}.txt`] = `file ${i}\n`.repeat(100 + i);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text);
  }
  expect(dvx(["add", "-q", "data"], { cwd: repo }).code).toBe(0);
  const oid = dvcFileOid(path.join(repo, "data.dvc"))!;
  const manifest = manifestOf(path.join(repo, ".dvc", "cache"), oid);
  return { repo, remote, manifest, victim: manifest.get("f3.txt")! };
}

const figures = { checkoutRefused: 0, pushRefused: 0, verifyFound: 0, quarantined: 0, restoredByFetch: 0 };

describe("corrupted cache objects", () => {
  it("checkout re-hashes an object that is not 0444, refuses a corrupt one and removes it from the cache", () => {
    const { repo, manifest, victim } = setup();
    corrupt(objectPath(repo, victim));
    fs.rmSync(path.join(repo, "data"), { recursive: true });
    const r = dvx(["checkout"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/data\/f3\.txt \(cache object corrupt/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(repo, "data/f3.txt")), "the corrupt content is never placed").toBe(false);
    for (const [rel, m] of manifest) if (rel !== "f3.txt") expect(md5(fs.readFileSync(path.join(repo, "data", rel)))).toBe(m);
    expect(fs.existsSync(objectPath(repo, victim)), "deleted, as DVC's check does").toBe(false);
    figures.checkoutRefused++;
  });

  it("push re-hashes an object that is not 0444 and never uploads a corrupt one (nor its .dir)", () => {
    const { repo, remote, victim } = setup();
    corrupt(objectPath(repo, victim));
    const r = dvx(["push"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cache object ${victim} is corrupt`);
    const objs = checkOdb(remote);
    expect(objs.bad).toEqual([]);
    expect(objs.oids.has(victim)).toBe(false);
    expect([...objs.oids].some((o) => o.endsWith(".dir")), "no .dir without all its files").toBe(false);
    expect(objs.oids.size).toBe(7);
    figures.pushRefused++;
  });

  it("a hardlinked workspace file edited in place corrupts the cache: push refuses it", () => {
    const { repo, remote } = setup();
    expect(dvx(["config", "cache.type", "hardlink"], { cwd: repo }).code).toBe(0);
    expect(dvx(["checkout", "--relink", "-q"], { cwd: repo }).code).toBe(0);
    const f = path.join(repo, "data/f5.txt");
    fs.chmodSync(f, 0o644); // what an editor asking "file is read-only, write anyway?" does
    fs.appendFileSync(f, "edited in place\n");
    const r = dvx(["push"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is corrupt/);
    expect(checkOdb(remote).bad).toEqual([]);
    figures.pushRefused++;
  });

  it("cache verify re-hashes every object (0444 too), reports, quarantines, and fetch restores good copies", () => {
    const { repo, victim } = setup();
    expect(dvx(["push", "-q"], { cwd: repo }).code).toBe(0);
    const p = objectPath(repo, victim);
    corrupt(p, true); // 0444: trusted by checkout and push, as in DVC
    const report1 = dvx(["cache", "verify"], { cwd: repo });
    expect(report1.code).toBe(1);
    expect(report1.stderr).toContain(`ERROR: corrupt object ${victim} (md5): its content does not match its hash`);
    expect(report1.stdout).toMatch(/verified 9 objects in .*: 8 ok, 1 corrupt, 0 unreadable/);
    expect(fs.existsSync(p), "without --quarantine nothing moves").toBe(true);
    figures.verifyFound++;

    const j = dvx(["cache", "verify", "--quarantine", "--json"], { cwd: repo });
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.stdout) as { checked: number; corrupt: { oid: string; quarantinedTo: string }[] };
    expect(parsed.checked).toBe(9);
    expect(parsed.corrupt.map((c) => c.oid)).toEqual([victim]);
    expect(fs.existsSync(p)).toBe(false);
    expect(fs.readFileSync(parsed.corrupt[0]!.quarantinedTo, "utf8")).toBe("bit rot\n");
    figures.quarantined++;

    expect(dvx(["fetch", "-q"], { cwd: repo }).code).toBe(0);
    expect(md5(fs.readFileSync(p))).toBe(victim);
    const again = dvx(["cache", "verify"], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/9 ok, 0 corrupt/);
    figures.restoredByFetch++;
    report({ suite: "corrupt-cache", ...figures });
  });

  it("cache verify: usage errors are one line", () => {
    const { repo } = setup();
    const r = dvx(["cache", "frobnicate"], { cwd: repo });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^ERROR: unknown 'cache' subcommand 'frobnicate'/);
  });
});
