// Real temporary folders under os.tmpdir(), removed after the test file that made them.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** Call at module level; `make()` may then be used in hooks and tests alike. */
export function useTempDirs(prefix = "seedfeed-test-"): { make: () => Promise<string> } {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
  };
}
