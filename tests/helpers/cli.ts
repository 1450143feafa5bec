// The real CLI in a child process: `node --import tsx src/cli.ts ...`.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { REPO_ROOT } from "./files.ts";

const run = promisify(execFile);

export const CLI = join(REPO_ROOT, "src", "cli.ts");
/** tsx's loader by absolute URL, so the CLI also runs from a working directory outside the repository. */
export const TSX_LOADER = import.meta.resolve("tsx");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `prefix`: a command that runs node, e.g. `setpriv --reuid=65534 …` (as another user) or
 * `sh -c 'ulimit -n 40; exec "$0" "$@"'` (with a limit).
 */
export async function runCli(args: string[], options: { cwd?: string; script?: string; env?: Record<string, string>; prefix?: string[] } = {}): Promise<CliResult> {
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, "--import", TSX_LOADER, options.script ?? CLI, ...args];
  try {
    const { stdout, stderr } = await run(command!, commandArgs, {
      cwd: options.cwd ?? REPO_ROOT,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof err.code !== "number") throw e;
    return { code: err.code, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** One line on stderr, matching `pattern`, and no stack trace. */
export function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}
