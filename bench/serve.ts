// npm run bench:serve: requests per second of seedfeed's host against express.static of the same dist/
// and a bare node:http server answering the same bytes from memory, interleaved in one run.

import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../src/build.ts";
import { validateConfig } from "../src/config.ts";
import { writeCorpus } from "./corpus.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "4" } } });
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const KINDS = ["static", "seedfeed", "bare"] as const;
type Kind = (typeof KINDS)[number];
const SCENARIOS = ["GET rss.xml (br)", "conditional GET (304)"] as const;
type Scenario = (typeof SCENARIOS)[number];

async function startChild(kind: Kind, dist: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bench-server.ts"), kind, dist], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { child, port };
}

async function etagOf(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/rss.xml`, { headers: { "Accept-Encoding": "br" } });
  await res.arrayBuffer();
  const etag = res.headers.get("etag");
  if (!etag) throw new Error("no ETag");
  return etag;
}

async function measure(port: number, scenario: Scenario): Promise<number> {
  const headers: Record<string, string> = { "accept-encoding": "br" };
  if (scenario === "conditional GET (304)") headers["if-none-match"] = await etagOf(port);
  const result = await autocannon({ url: `http://127.0.0.1:${port}/rss.xml`, connections: 10, duration: SECONDS, headers });
  const expected = scenario === "conditional GET (304)" ? 304 : 200;
  const codes = result.statusCodeStats as Record<string, { count: number }>;
  const wrong = Object.entries(codes).filter(([code]) => Number(code) !== expected);
  if (wrong.length > 0 || result.errors > 0) throw new Error(`${scenario} on port ${port}: unexpected ${JSON.stringify(codes)}, ${result.errors} errors`);
  return result.requests.average;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-serve-"));
try {
  // 60 articles of ~400 words: the 50-entry RSS feed is about 150 KB, as in the issue.
  await writeCorpus(join(work, "seeds"), 60);
  const config = validateConfig({}, "bench");
  await build({ seedsDir: join(work, "seeds"), outDir: join(work, "dist"), config });
  const dist = join(work, "dist");
  const samples = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of KINDS) {
      const { child, port } = await startChild(kind, dist);
      try {
        for (const scenario of SCENARIOS) {
          const rps = await measure(port, scenario);
          const key = `${kind}|${scenario}`;
          samples.set(key, [...(samples.get(key) ?? []), rps]);
          process.stderr.write(`round ${round} ${kind.padEnd(8)} ${scenario.padEnd(22)} ${rps.toFixed(0)} req/s\n`);
        }
      } finally {
        child.kill();
      }
    }
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\nMachine: ${cpus().length} × ${cpu}, Node ${process.version}; ${ROUNDS} rounds × ${SECONDS} s, 10 connections, medians.\n`);
  console.log("| scenario | express.static | seedfeed | bare node:http | seedfeed / static | seedfeed / bare |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const s of SCENARIOS) {
    const m = (k: Kind) => median(samples.get(`${k}|${s}`)!);
    console.log(`| ${s} | ${m("static").toFixed(0)} | ${m("seedfeed").toFixed(0)} | ${m("bare").toFixed(0)} | ${(m("seedfeed") / m("static")).toFixed(2)}× | ${(m("seedfeed") / m("bare")).toFixed(2)}× |`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
