/** Repositories for the end-to-end tests: many small files and a local-directory remote. */
import * as fs from "node:fs";
import * as path from "node:path";
import { dvx, tmpRepo } from "../helpers/cli.js";

export function repoWithFiles(n: number, opts: { add?: boolean; remote?: boolean } = {}): { dir: string; remote: string } {
  const dir = tmpRepo();
  fs.mkdirSync(path.join(dir, "data"));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, "data", `f${String(i).padStart(5, "0")}.txt`), `object ${i} of ${n}\n`);
  const remote = `${dir}-remote`;
  fs.mkdirSync(remote);
  if (opts.remote !== false) ok(dvx(["remote", "add", "-d", "storage", remote], { cwd: dir }));
  if (opts.add !== false) ok(dvx(["add", "-q", "data"], { cwd: dir }));
  return { dir, remote };
}

export function ok(r: { code: number; stdout: string; stderr: string }) {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Number of files under a directory (objects on a local remote). */
export function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}
