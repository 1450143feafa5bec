// A child process that cannot hang the suite or exhaust the machine: killed after `seconds`, and
// limited to 1.5 GB of data memory (RLIMIT_DATA; an address-space limit would stop V8's WebAssembly).

import { execFile } from "node:child_process";
import { REPO_ROOT } from "../helpers/files.ts";

const TSX_LOADER = import.meta.resolve("tsx");

export interface BoundedResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx script ...args` from the repository root under the limits. */
export function runBounded(script: string, args: string[], seconds = 30): Promise<BoundedResult> {
  return new Promise((resolve) => {
    execFile(
      "/bin/sh",
      ["-c", 'ulimit -d 1500000 && exec "$@"', "sh", process.execPath, "--import", TSX_LOADER, script, ...args],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: seconds * 1000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: unknown; signal?: string | null }) | null;
        resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}
