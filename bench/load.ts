// The load generator of bench/serve.ts: wrk (C, Debian's `wrk`) when it is installed, else autocannon.
// autocannon parses every response in JavaScript on one of this machine's two cores, so on GETs it
// measures itself as much as the server; wrk does not.

import autocannon from "autocannon";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

export interface Load {
  url: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
}

function wrkInstalled(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (e) {
    // wrk --version prints its banner and exits 1: only a missing binary is ENOENT.
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

export const LOAD_GENERATOR: "wrk" | "autocannon" = wrkInstalled() ? "wrk" : "autocannon";

export interface LoadResult {
  perSecond: number;
  requests: number;
}

/** Requests answered, and per second; throws if any response was not 2xx/3xx or any socket failed. */
export async function runLoad(load: Load): Promise<LoadResult> {
  if (LOAD_GENERATOR === "wrk") {
    const headerArgs = Object.entries(load.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const { stdout } = await execFileP("wrk", ["-t2", `-c${load.connections}`, `-d${load.seconds}s`, "--timeout", "10s", ...headerArgs, load.url]);
    // A slow answer on a machine busy with other work is not a failure; a refused or broken connection is.
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+)/.exec(stdout)?.slice(1).map(Number) ?? [];
    if (/Non-2xx or 3xx responses/.test(stdout) || socketErrors.some((n) => n > 0)) throw new Error(`${load.url}: wrk saw failures:\n${stdout}`);
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
    const count = /(\d+) requests in/.exec(stdout);
    if (!rate || !count) throw new Error(`${load.url}: no rate in wrk's output:\n${stdout}`);
    return { perSecond: Number(rate[1]), requests: Number(count[1]) };
  }
  const result = await autocannon({ url: load.url, connections: load.connections, duration: load.seconds, headers: load.headers });
  const codes = Object.keys(result.statusCodeStats as Record<string, unknown>).map(Number);
  if (codes.some((c) => c >= 400) || result.errors > 0) throw new Error(`${load.url}: status codes ${codes.join(", ")}, ${result.errors} errors`);
  return { perSecond: result.requests.average, requests: result.requests.total };
}
