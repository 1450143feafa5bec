// npm run bench:serve: requests per second of seedfeed's host against a bare node:http server that sends
// the very bytes seedfeed answered (recorded first) from memory, interleaved in one run.
//   npm run bench:serve -- [--rounds 3] [--seconds 4] [--connections 50]
// Each server runs in its own process (bench/bench-server.ts); the load generator is wrk when installed,
// else autocannon (bench/load.ts). Per round and scenario both servers are measured back to back, the
// order alternating by round, each after a one-second warm-up; the table gives medians.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../src/build.ts";
import { validateConfig } from "../src/config.ts";
import { MANIFEST_PATH, readManifestEntries } from "../src/output/manifest.ts";
import type { RecordedReply } from "./bench-server.ts";
import { writeCorpus } from "./corpus.ts";
import { LOAD_GENERATOR, requestsPerSecond } from "./load.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "50" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const KINDS = ["seedfeed", "bare"] as const;
type Kind = (typeof KINDS)[number];
const ACCEPT_ENCODING = "br, gzip";

interface Scenario {
  name: string;
  url: string;
  /** Sends If-None-Match with the ETag the server gave: every answer is a 304. */
  conditional?: boolean;
}

interface Started {
  child: ChildProcess;
  port: number;
}

async function startChild(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bench-server.ts"), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} server exited with ${code}`)));
  });
  return { child, port };
}

interface Reply {
  status: number;
  rawHeaders: string[];
  body: Buffer;
}

function fetchOnce(port: number, url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

/** The headers a handler wrote, without those Node's HTTP layer adds to every response of both servers. */
const handlerHeaders = (raw: string[]): string[] =>
  raw.flatMap((v, i) => (i % 2 === 0 && !/^(date|connection|keep-alive)$/i.test(v) ? [v, raw[i + 1]!] : []));

const headerOf = (raw: string[], name: string): string | undefined => raw[raw.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === name) + 1];

async function record(port: number, url: string): Promise<RecordedReply> {
  const ok = await fetchOnce(port, url, { "accept-encoding": ACCEPT_ENCODING });
  const etag = headerOf(ok.rawHeaders, "etag");
  if (ok.status !== 200 || !etag) throw new Error(`${url}: seedfeed answered ${ok.status} without an ETag`);
  const notModified = await fetchOnce(port, url, { "accept-encoding": ACCEPT_ENCODING, "if-none-match": etag });
  if (notModified.status !== 304) throw new Error(`${url}: If-None-Match answered ${notModified.status}`);
  return { url, etag, headers200: handlerHeaders(ok.rawHeaders), headers304: handlerHeaders(notModified.rawHeaders), body: ok.body.toString("base64") };
}

/** Both servers must send the same status and body for a scenario, or the comparison means nothing. */
async function check(scenario: Scenario, servers: Record<Kind, Started>, reply: RecordedReply): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "accept-encoding": ACCEPT_ENCODING, ...(scenario.conditional ? { "if-none-match": reply.etag } : {}) };
  for (const kind of KINDS) {
    const r = await fetchOnce(servers[kind].port, scenario.url, headers);
    const expected = scenario.conditional ? 304 : 200;
    if (r.status !== expected || (!scenario.conditional && r.body.toString("base64") !== reply.body)) {
      throw new Error(`${scenario.name}: ${kind} answered ${r.status} with ${r.body.length} bytes`);
    }
  }
  return headers;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-serve-"));
const children: ChildProcess[] = [];
try {
  // 60 articles of ~400 words: the 50-entry RSS feed is about 143 KB (28 KB as brotli), a tag's list page 3 KB.
  await writeCorpus(join(work, "seeds"), 60);
  const dist = join(work, "dist");
  await build({ seedsDir: join(work, "seeds"), outDir: dist, config: validateConfig({}, "bench") });
  const article = [...readManifestEntries(join(dist, MANIFEST_PATH)).keys()].find((p) => p.startsWith("articles/"))!;
  const scenarios: Scenario[] = [
    { name: "feed GET (br)", url: "/rss.xml" },
    { name: "feed 304", url: "/rss.xml", conditional: true },
    { name: "HTML list page GET (br)", url: "/tags/sport/" },
    { name: "article page GET (br)", url: `/${article}` },
  ];

  const seedfeed = await startChild(["seedfeed", dist]);
  children.push(seedfeed.child);
  const replies = new Map<string, RecordedReply>();
  for (const s of scenarios) if (!replies.has(s.url)) replies.set(s.url, await record(seedfeed.port, s.url));
  const repliesFile = join(work, "replies.json");
  await writeFile(repliesFile, JSON.stringify([...replies.values()]));
  const bare = await startChild(["bare", repliesFile]);
  children.push(bare.child);
  const servers: Record<Kind, Started> = { seedfeed, bare };

  const samples = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? KINDS : [...KINDS].reverse();
    for (const s of scenarios) {
      const headers = await check(s, servers, replies.get(s.url)!);
      for (const kind of order) {
        const url = `http://127.0.0.1:${servers[kind].port}${s.url}`;
        await requestsPerSecond({ url, headers, seconds: 1, connections: CONNECTIONS });
        const rps = await requestsPerSecond({ url, headers, seconds: SECONDS, connections: CONNECTIONS });
        const key = `${kind}|${s.name}`;
        samples.set(key, [...(samples.get(key) ?? []), rps]);
        process.stderr.write(`round ${round} ${kind.padEnd(8)} ${s.name.padEnd(26)} ${rps.toFixed(0)} req/s\n`);
      }
    }
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const generator = LOAD_GENERATOR === "wrk" ? `wrk -t2 -c${CONNECTIONS}` : `autocannon, ${CONNECTIONS} connections`;
  console.log(`\nMachine: ${cpus().length} × ${cpu}, Node ${process.version}; ${generator}; ${ROUNDS} rounds × ${SECONDS} s, interleaved, medians.\n`);
  console.log("| scenario | bytes sent | seedfeed | bare node:http | seedfeed / bare |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const s of scenarios) {
    const m = (k: Kind) => median(samples.get(`${k}|${s.name}`)!);
    const bytes = s.conditional ? 0 : Buffer.from(replies.get(s.url)!.body, "base64").length;
    console.log(`| ${s.name} | ${bytes} | ${m("seedfeed").toFixed(0)} | ${m("bare").toFixed(0)} | ${(m("seedfeed") / m("bare")).toFixed(2)}× |`);
  }
} finally {
  for (const c of children) c.kill();
  await rm(work, { recursive: true, force: true });
}
