// readLines: a large file a chunk at a time, with lines and characters that straddle chunk boundaries.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLines } from "../src/read-lines.ts";
import { useTempDirs } from "./helpers/tmp.ts";

const tmp = useTempDirs();

describe("readLines", () => {
  it("gives back every line of a file several chunks long, multi-byte characters cut by a chunk boundary included", async () => {
    const file = join(await tmp.make(), "lines.txt");
    // Lines of varying length with 2-, 3- and 4-byte characters, about 3 MB: chunk boundaries fall
    // inside lines and, somewhere, inside a character.
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i} ${"é€😀".repeat(i % 17)} ${"x".repeat(i % 97)}`);
    await writeFile(file, `${lines.join("\n")}\n`);
    expect([...readLines(file)]).toEqual(lines);
  });

  it("keeps a last line without its newline, and reads an empty file as no lines", async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, "a"), "one\ntwo");
    await writeFile(join(dir, "empty"), "");
    expect([...readLines(join(dir, "a"))]).toEqual(["one", "two"]);
    expect([...readLines(join(dir, "empty"))]).toEqual([]);
  });

  it("throws for a file that cannot be read", () => {
    expect(() => [...readLines("/nonexistent/seedfeed/file")]).toThrow(/ENOENT/);
  });
});
