import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isDvxError } from "../../../src/errors.js";
import { LocalStorage } from "../../../src/storage/localStorage.js";
import { openStorage } from "../../../src/storage/openStorage.js";
import { readAll } from "../../../src/storage/storage.js";
import { storageContract } from "./contract.js";

const roots: string[] = [];
function freshRoot(): string {
  const d = mkdtempSync(join(tmpdir(), "dvx-local-remote-"));
  roots.push(d);
  return d;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

storageContract("local directory", {
  open: (tuning) => openStorage({ name: "localremote", url: join(freshRoot(), "remote"), options: {} }, tuning),
  verifiesMd5: false,
});

describe("LocalStorage specifics (spec 7.2)", () => {
  it("writes through a temp file, protects objects 0444, leaves no temp file, skips existing keys", async () => {
    const root = freshRoot();
    const st = new LocalStorage(root);
    await st.write("files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", Buffer.from("foo"));
    const p = join(root, "files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8");
    expect(statSync(p).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(root, "files/md5/ac"))).toEqual(["bd18db4cc2f85cedef654fccc4a4d8"]);
    // Existing object: kept as is (content-addressed), no error.
    await st.write("files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", Buffer.from("different"));
    expect((await readAll(await st.read("files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8"))).toString()).toBe("foo");
  });

  it("recreates a directory removed under it (e.g. by gc) between writes", async () => {
    const root = freshRoot();
    const st = new LocalStorage(root);
    await st.write("ab/one", Buffer.from("1"));
    rmSync(join(root, "ab"), { recursive: true, force: true });
    await st.write("ab/two", Buffer.from("2"));
    expect((await readAll(await st.read("ab/two"))).toString()).toBe("2");
  });

  it("does not list temp files of writes in progress", async () => {
    const root = freshRoot();
    const st = new LocalStorage(root);
    await st.write("ab/cdef", Buffer.from("x"));
    writeFileSync(join(root, "ab", ".Zm9vYmFyYmF6cXV4cXV1eA.tmp"), "partial");
    const keys: string[] = [];
    for await (const k of st.list("")) keys.push(k);
    expect(keys).toEqual(["ab/cdef"]);
  });

  it("refuses keys that would leave the root", async () => {
    const st = new LocalStorage(freshRoot());
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "a//b"]) {
      await expect(st.write(bad, Buffer.from("x"))).rejects.toSatisfy((e) => isDvxError(e, "UNSAFE_PATH"));
    }
  });

  it("a directory is not an object", async () => {
    const root = freshRoot();
    const st = new LocalStorage(root);
    await st.write("ab/cdef", Buffer.from("x"));
    expect(await st.exists("ab")).toBe(false);
    await expect(st.read("ab")).rejects.toSatisfy((e) => isDvxError(e, "NOT_FOUND"));
  });

  it("a missing source file is NOT_FOUND, not a remote error", async () => {
    const st = new LocalStorage(freshRoot());
    await expect(st.write("ab/cd", { path: join(freshRoot(), "nope"), size: 1 })).rejects.toSatisfy((e) =>
      isDvxError(e, "NOT_FOUND"),
    );
  });

  it("file:// URLs and plain paths both open a LocalStorage", async () => {
    const root = freshRoot();
    const a = await openStorage({ name: "a", url: root, options: {} });
    const b = await openStorage({ name: "b", url: `file://${root}`, options: {} });
    expect(a.url).toBe(root);
    expect(b.url).toBe(root);
    expect(a.kind).toBe("local");
  });
});

describe("openStorage", () => {
  it("rejects unsupported schemes and unresolved remote:// URLs with REMOTE_ERROR", async () => {
    await expect(openStorage({ name: "az", url: "azure://container/x", options: {} })).rejects.toSatisfy(
      (e) => isDvxError(e, "REMOTE_ERROR") && /remote 'az'.*azure:\/\//.test((e as Error).message),
    );
    await expect(openStorage({ name: "r", url: "remote://other/sub", options: {} })).rejects.toSatisfy((e) =>
      isDvxError(e, "REMOTE_ERROR"),
    );
  });

  it("does not load the cloud SDKs for a local remote (lazy imports)", () => {
    const root = freshRoot();
    const script = `
      import { createRequire } from "node:module";
      const { openStorage } = await import(${JSON.stringify(new URL("../../../src/storage/openStorage.ts", import.meta.url).href)});
      const st = await openStorage({ name: "l", url: ${JSON.stringify(root)}, options: {} });
      await st.write("ab/cd", Buffer.from("x"));
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /@aws-sdk|@google-cloud|@smithy/.test(k));
      console.log(JSON.stringify(loaded));
    `;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: new URL("../../../", import.meta.url).pathname,
    });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual([]);
  });
});
