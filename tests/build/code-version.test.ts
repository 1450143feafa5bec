// The code version (src/code-version.ts) is part of every cache key: it must change with any change of
// the code it runs from, whether that is src/ (tsx, the tests) or the compiled lib/ (the shipped CLI).

import { execFile } from "node:child_process";
import { appendFile, cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const run = promisify(execFile);

/** The version a fresh process computes for a copy of one code folder. */
async function versionOf(dir: string, file: string, loader: string[] = []): Promise<string> {
  const script = `import(${JSON.stringify(join(dir, file))}).then((m) => process.stdout.write(m.codeVersion()))`;
  const { stdout } = await run(process.execPath, [...loader, "--input-type=module", "-e", script], { encoding: "utf8" });
  return stdout;
}

describe("code version", () => {
  it.each([
    ["lib", "code-version.js", []],
    ["src", "code-version.ts", ["--import", import.meta.resolve("tsx")]],
  ] as const)("of %s/ changes when any module or the stage worker changes, and only then", async (folder, file, loader) => {
    const root = await tmp.make();
    await writeFile(join(root, "package.json"), JSON.stringify({ type: "module" }));
    const dir = join(root, folder);
    await cp(join(REPO_ROOT, folder), dir, { recursive: true });
    const first = await versionOf(dir, file, [...loader]);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await versionOf(dir, file, [...loader])).toBe(first);
    const ext = folder === "lib" ? "js" : "ts";
    await appendFile(join(dir, "render", `rss.${ext}`), "\n// changed\n");
    const second = await versionOf(dir, file, [...loader]);
    expect(second).not.toBe(first);
    await appendFile(join(dir, "output", "stage-worker.mjs"), "\n// changed\n");
    expect(await versionOf(dir, file, [...loader])).not.toBe(second);
  });
});
