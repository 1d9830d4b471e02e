import { defineConfig } from "vitest/config";

// Four suites. Integration, conformance and e2e tests create real network namespaces and
// must run as root; they run one file at a time so leak checks see a quiet machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["native/**/*.test.ts", "lib/**/*.test.ts", "ipam/**/*.test.ts", "plugins/**/*.test.ts", "runtime/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          setupFiles: ["test/harness/leak-guard.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          setupFiles: ["test/harness/leak-guard.ts"],
        },
      },
      {
        test: {
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          setupFiles: ["test/harness/leak-guard.ts"],
        },
      },
    ],
  },
});
