// readLines: a large file a chunk at a time, with lines and characters that straddle chunk boundaries.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLines, readRecords } from "../src/read-lines.ts";
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

describe("readRecords", () => {
  it("reads back what JSON.stringify of a header object and one list wrote a record a line", async () => {
    const dir = await tmp.make();
    const records = [{ path: "a" }, { path: "b,]" }, { path: "c" }];
    const text = `{"version":1,"files":[\n${records.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`;
    expect(JSON.parse(text).files).toEqual(records); // the layout is one JSON document
    await writeFile(join(dir, "m.json"), text);
    expect([...readRecords(join(dir, "m.json"), (h) => h === '{"version":1,"files":[')]).toEqual(records);
  });

  it("yields nothing when the header is refused or the file is empty, and throws for a broken record", async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, "old.json"), '{"version":0,"files":[\n{"path":"a"}\n]}\n');
    await writeFile(join(dir, "empty.json"), "");
    await writeFile(join(dir, "broken.json"), '{"version":1,"files":[\n{"path":\n]}\n');
    const accept = (h: string) => h === '{"version":1,"files":[';
    expect([...readRecords(join(dir, "old.json"), accept)]).toEqual([]);
    expect([...readRecords(join(dir, "empty.json"), accept)]).toEqual([]);
    expect(() => [...readRecords(join(dir, "broken.json"), accept)]).toThrow(SyntaxError);
  });
});
