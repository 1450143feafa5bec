import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores: more workers only make the end-to-end tests (which spawn builds and servers) fight.
    maxWorkers: 2,
  },
});
