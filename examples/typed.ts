// The same API from TypeScript: everything is typed from the package's .d.ts files.
// Type-checked by the test suite (examples/tsconfig.json); run with `npx tsx examples/typed.ts`.
import { DvxError, Repo, type DataStatusResult, type ProgressEvent, type SyncResult, type RemoteInfo } from "dvx";

function describe(e: ProgressEvent): string {
  switch (e.type) {
    case "start":
      return `${e.phase} started${e.total ? ` (${e.total.files} items)` : ""}`;
    case "item":
      return `${e.phase}: ${e.path ?? e.oid ?? "?"} (${e.done.files}/${e.total?.files ?? "?"})`;
    case "bytes":
      return `${e.phase}: ${e.done.bytes} bytes`;
    case "fail":
      return `${e.phase} failed: ${e.error}`;
    case "end":
      return `${e.phase} done in ${e.elapsedMs} ms, ${e.failed} failed`;
  }
}

/** Pushes whatever the default remote lacks; `signal` cancels (DvxError code "ABORTED"). */
export async function syncAll(dir: string, signal?: AbortSignal): Promise<{ pushed?: SyncResult; status: DataStatusResult; remotes: RemoteInfo[] }> {
  const log: string[] = [];
  const repo = Repo.open(dir, { onProgress: (e) => log.push(describe(e)), signal });
  try {
    const status = await repo.dataStatus(undefined, { cwd: dir, notInRemote: true });
    const pushed = status.not_in_remote.length ? await repo.push(undefined, { jobs: 8 }) : undefined;
    return { ...(pushed ? { pushed } : {}), status, remotes: repo.remotes() };
  } catch (e) {
    if (e instanceof DvxError && e.code === "CONFIG_ERROR") throw new Error(`configure a remote first: ${e.message}`);
    throw e;
  } finally {
    repo.close();
  }
}
