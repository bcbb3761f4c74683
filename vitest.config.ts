import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/setup/globalPeers.ts"],
    // generous: these are hang guards, not performance limits (a loaded 2-core machine runs each real `dvc` call in 1-2 s)
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
    // Vitest's default on 2 CPUs is ONE worker: files run one after another while most of them
    // wait on child processes (dvx, real dvc) and servers (MinIO, fake-gcs-server). Three files
    // at a time keep both cores busy. DVX_TEST_WORKERS overrides.
    maxWorkers: Number(process.env.DVX_TEST_WORKERS) || 3,
  },
});
