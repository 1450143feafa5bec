// npm run bench:serve: requests per second of seedfeed's host against a bare node:http server that sends
// the very bytes seedfeed answered (recorded first) from memory, interleaved in one run; and of seedfeed
// with its work for feed readers on (subscriber counts, the polling guard, RFC 3229 deltas: "readers")
// against seedfeed without it. Every request says it is NetNewsWire, so the readers server counts each.
//   npm run bench:serve -- [--rounds 3] [--seconds 4] [--connections 50] [--before CHECKOUT]
// --before also measures the seedfeed of another checkout (e.g. `git worktree add /tmp/before <commit>`,
// node_modules linked in), in the same rounds: before and after figures from one interleaved run.
// Each server runs in its own process (bench/bench-server.ts); the load generator is wrk when installed,
// else autocannon (bench/load.ts). Per round and scenario both servers are measured back to back, the
// order alternating by round, each after a one-second warm-up; the table gives medians.
// Two figures per run: requests per second, and requests per second of the server's own CPU time (from
// /proc/<pid>/stat). On a machine shared with other work the first moves with the neighbours' load; the
// second is what the server's code costs, and moves much less.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../src/pipeline.ts";
import { validateConfig } from "../src/config.ts";
import { manifestFileOf, readManifestEntries } from "../src/output/manifest.ts";
import { urlPathOf } from "../src/render/urls.ts";
import type { RecordedReply } from "./bench-server.ts";
import { writeCorpus } from "./corpus.ts";
import { LOAD_GENERATOR, runLoad } from "./load.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "50" },
    before: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
/** The servers measured: "before" only with --before. */
type Kind = "seedfeed" | "readers" | "before" | "bare";
const KINDS: Kind[] = values.before ? ["seedfeed", "readers", "before", "bare"] : ["seedfeed", "readers", "bare"];
const ACCEPT_ENCODING = "br, gzip";
/** A reader the counts count (a crawler's agent would not be): every request pays for counting. */
const USER_AGENT = "NetNewsWire (RSS Reader; https://netnewswire.com/)";

interface Scenario {
  name: string;
  url: string;
  /** Sends If-None-Match with the ETag the server gave: every answer is a 304. */
  conditional?: boolean;
  /** Sends `A-IM: feed` with the ETag of the feed before its last edit: every answer is a 226 (readers and bare only). */
  delta?: boolean;
  /**
   * Served from a copy of dist/ without variants, so seedfeed compresses on demand (after the warm-up, from
   * its cache). The "before" server, which could not, is not measured on these.
   */
  onDemand?: boolean;
}

interface Started {
  child: ChildProcess;
  port: number;
}

async function startChild(args: string[], checkout = join(import.meta.dirname, "..")): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", join(checkout, "bench", "bench-server.ts"), ...args], { cwd: checkout, stdio: ["ignore", "pipe", "inherit"] });
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

const baseHeaders = () => ({ "accept-encoding": ACCEPT_ENCODING, "user-agent": USER_AGENT });

/** What seedfeed (with `deltaBase`, the readers server) answers for `url`: 200, 304, and a 226 from that base. */
async function record(port: number, url: string, deltaBase?: string): Promise<RecordedReply> {
  const ok = await fetchOnce(port, url, baseHeaders());
  const etag = headerOf(ok.rawHeaders, "etag");
  if (ok.status !== 200 || !etag) throw new Error(`${url}: seedfeed answered ${ok.status} without an ETag`);
  const notModified = await fetchOnce(port, url, { ...baseHeaders(), "if-none-match": etag });
  if (notModified.status !== 304) throw new Error(`${url}: If-None-Match answered ${notModified.status}`);
  const reply: RecordedReply = { url, etag, headers200: handlerHeaders(ok.rawHeaders), headers304: handlerHeaders(notModified.rawHeaders), body: ok.body.toString("base64") };
  if (deltaBase) {
    const delta = await fetchOnce(port, url, { ...baseHeaders(), "a-im": "feed", "if-none-match": deltaBase });
    if (delta.status !== 226) throw new Error(`${url}: A-IM: feed answered ${delta.status}`);
    reply.delta = { headers: handlerHeaders(delta.rawHeaders), body: delta.body.toString("base64") };
  }
  return reply;
}

/**
 * The request headers of a scenario for one server (a conditional one sends that server's own ETag), after
 * checking its answer: the status expected, and the very body seedfeed gave, or the comparison means nothing.
 * The "before" server may send another body (a coding it did not have): only its status is checked.
 */
async function requestHeaders(scenario: Scenario, kind: Kind, port: number, reply: RecordedReply): Promise<Record<string, string>> {
  const headers: Record<string, string> = baseHeaders();
  if (scenario.conditional) {
    const first = await fetchOnce(port, scenario.url, headers);
    headers["if-none-match"] = headerOf(first.rawHeaders, "etag") ?? "";
  }
  if (scenario.delta) Object.assign(headers, { "a-im": "feed", "if-none-match": deltaBase });
  const r = await fetchOnce(port, scenario.url, headers);
  const expected = scenario.conditional ? 304 : scenario.delta ? 226 : 200;
  const body = scenario.delta ? reply.delta!.body : reply.body;
  if (r.status !== expected || (kind !== "before" && !scenario.conditional && r.body.toString("base64") !== body)) {
    throw new Error(`${scenario.name}: ${kind} answered ${r.status} with ${r.body.length} bytes`);
  }
  return headers;
}

/** User and system CPU seconds a process has used (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The br ETag of rss.xml before the bench's edit: the base of the delta scenario. */
let deltaBase = "";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-serve-"));
const children: ChildProcess[] = [];
try {
  // 60 articles of ~400 words: the 50-entry RSS feed is about 143 KB (28 KB as brotli), a tag's list page 3 KB.
  await writeCorpus(join(work, "seeds"), 60);
  const dist = join(work, "dist");
  await build({ seedsDir: join(work, "seeds"), outDir: dist, config: validateConfig({ precompress: "all" }, "bench") });
  // One edit of the newest article and a rebuild: the feed's versions then hold one a delta is made from.
  deltaBase = `"${readManifestEntries(manifestFileOf(dist)).get("rss.xml")!.sha256.slice(0, 32)}-br"`;
  const newest = (await readdir(join(work, "seeds"))).filter((f) => f.endsWith(".txt")).sort().at(-1)!;
  await appendFile(join(work, "seeds", newest), "One more paragraph, so that readers holding the version before get a delta.\n");
  await build({ seedsDir: join(work, "seeds"), outDir: dist, config: validateConfig({ precompress: "all" }, "bench") });
  const article = [...readManifestEntries(manifestFileOf(dist)).keys()].find((p) => p.startsWith("articles/"))!;
  const scenarios: Scenario[] = [
    { name: "feed GET (br)", url: "/rss.xml" },
    { name: "feed 304", url: "/rss.xml", conditional: true },
    { name: "feed 226 delta (br)", url: "/rss.xml", delta: true },
    { name: "HTML list page GET (br)", url: "/tags/sport/" },
    { name: "article page GET (br)", url: urlPathOf(article) },
    { name: "HTML list page GET (br, on demand)", url: "/tags/sport/", onDemand: true },
    { name: "article page GET (br, on demand)", url: urlPathOf(article), onDemand: true },
  ];
  const identityOnly = join(work, "identity-only");
  await build({ seedsDir: join(work, "seeds"), outDir: identityOnly, config: validateConfig({ precompress: "none" }, "bench") });

  const seedfeed = await startChild(["seedfeed", dist]);
  children.push(seedfeed.child);
  const readers = await startChild(["readers", dist]);
  children.push(readers.child);
  const replies = new Map<string, RecordedReply>();
  for (const s of scenarios) if (!replies.has(s.url)) replies.set(s.url, await record(readers.port, s.url, s.url === "/rss.xml" ? deltaBase : undefined));
  const repliesFile = join(work, "replies.json");
  await writeFile(repliesFile, JSON.stringify([...replies.values()]));
  const bare = await startChild(["bare", repliesFile]);
  children.push(bare.child);
  const servers: Partial<Record<Kind, Started>> = { seedfeed, readers, bare };
  if (values.before) {
    const before = await startChild(["seedfeed", dist], values.before);
    children.push(before.child);
    servers.before = before;
  }
  const onDemand = await startChild(["seedfeed", identityOnly]);
  children.push(onDemand.child);
  const serverFor = (kind: Kind, s: Scenario): Started => (kind === "seedfeed" && s.onDemand ? onDemand : servers[kind]!);
  // The delta is the readers server's alone; pages compressed on demand are measured without readers.
  const kindsFor = (s: Scenario): Kind[] => KINDS.filter((k) => (s.delta ? k === "readers" || k === "bare" : !(s.onDemand && (k === "before" || k === "readers"))));

  const samples = new Map<string, { perSecond: number; perCpuSecond: number }[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? KINDS : [...KINDS].reverse();
    for (const s of scenarios) {
      for (const kind of order.filter((k) => kindsFor(s).includes(k))) {
        const { port, child } = serverFor(kind, s);
        const headers = await requestHeaders(s, kind, port, replies.get(s.url)!);
        const url = `http://127.0.0.1:${port}${s.url}`;
        await runLoad({ url, headers, seconds: 1, connections: CONNECTIONS });
        const cpuBefore = cpuSeconds(child.pid!);
        const { perSecond, requests } = await runLoad({ url, headers, seconds: SECONDS, connections: CONNECTIONS });
        const perCpuSecond = requests / (cpuSeconds(child.pid!) - cpuBefore);
        const key = `${kind}|${s.name}`;
        samples.set(key, [...(samples.get(key) ?? []), { perSecond, perCpuSecond }]);
        process.stderr.write(`round ${round} ${kind.padEnd(8)} ${s.name.padEnd(36)} ${perSecond.toFixed(0)} req/s, ${perCpuSecond.toFixed(0)} req per CPU second\n`);
      }
    }
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const generator = LOAD_GENERATOR === "wrk" ? `wrk -t2 -c${CONNECTIONS}` : `autocannon, ${CONNECTIONS} connections`;
  console.log(`\nMachine: ${cpus().length} × ${cpu}, Node ${process.version}; ${generator}; ${ROUNDS} rounds × ${SECONDS} s, interleaved, medians.`);
  const measured = KINDS.filter((k) => k !== "bare");
  for (const [figure, title] of [["perSecond", "requests per second"], ["perCpuSecond", "requests per second of the server's CPU time"]] as const) {
    console.log(`\n${title}:\n`);
    console.log(`| scenario | bytes sent | ${KINDS.join(" | ")} | ${measured.map((k) => `${k} / bare`).join(" | ")} | readers / seedfeed |`);
    console.log(`| --- | ---: | ${KINDS.map(() => "---:").join(" | ")} | ${measured.map(() => "---:").join(" | ")} | ---: |`);
    for (const s of scenarios) {
      const m = (k: Kind) => median(samples.get(`${k}|${s.name}`)?.map((x) => x[figure]) ?? [Number.NaN]);
      const reply = replies.get(s.url)!;
      const bytes = s.conditional ? 0 : Buffer.from(s.delta ? reply.delta!.body : reply.body, "base64").length;
      const cell = (x: number, text: string) => (Number.isNaN(x) ? "–" : text);
      const rates = KINDS.map((k) => cell(m(k), m(k).toFixed(0)));
      const ratios = measured.map((k) => cell(m(k), `${(m(k) / m("bare")).toFixed(2)}×`));
      const readersRatio = m("readers") / m("seedfeed");
      console.log(`| ${s.name} | ${bytes} | ${rates.join(" | ")} | ${ratios.join(" | ")} | ${cell(readersRatio, `${readersRatio.toFixed(2)}×`)} |`);
    }
  }
} finally {
  for (const c of children) c.kill();
  await rm(work, { recursive: true, force: true });
}
