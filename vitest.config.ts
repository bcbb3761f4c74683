import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/setup/globalPeers.ts"],
    // generous: these are hang guards, not performance limits (a loaded 2-core machine runs each real `dvc` call in 1-2 s)
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
  },
});
