// npm run bench:publish: `seedfeed publish` against `aws s3 sync --delete` (Debian's awscli), both
// publishing one 10,000-article dist/ to a local S3-compatible server (s3rver), interleaved.
//   npm run bench:publish -- [--count 10000] [--rounds 3]
//
// Per round, each tool gets its own new bucket (the order of the tools alternates by round) and:
//   a. first publish into the empty bucket;
//   b. publish again with nothing changed;
//   c. publish again after one seed was edited and the site rebuilt (outside the timing).
// Each publish is a child process (the CLI as a user runs it: the compiled `seedfeed`, or python), timed from
// spawn to exit; every request passes a counting proxy in front of s3rver. aws s3 sync is given the
// files publish uploads (--exclude for the .br/.gz variants, manifest.json and _headers), so both move
// the same site. The benchmark installs nothing: aws runs only when it is on PATH.

import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { build } from "../src/pipeline.ts";
import { validateConfig } from "../src/config.ts";
import { manifestFileOf, readManifestEntries } from "../src/output/manifest.ts";
import { objectKeyOf } from "../src/publish/target.ts";
import { urlPathOf } from "../src/render/urls.ts";
import { S3_CREDENTIALS, startProxy, startS3, type S3Proxy } from "../tests/helpers/s3.ts";
import { corpusFile, writeCorpus } from "./corpus.ts";

const run = promisify(execFile);
const { values } = parseArgs({ options: { count: { type: "string", default: "10000" }, rounds: { type: "string", default: "3" } } });
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const REPO = resolve(import.meta.dirname, "..");
const log = (line: string) => process.stderr.write(`${line}\n`);
const AWS = spawnSync("aws", ["--version"], { encoding: "utf8" });
const AWS_VERSION = AWS.status === 0 ? (AWS.stdout || AWS.stderr).trim() : undefined;

const CASES = ["first publish", "nothing changed", "one edit"] as const;
const TOOLS = ["seedfeed", "aws"] as const;
type Tool = (typeof TOOLS)[number];

interface Sample {
  ms: number;
  requests: number;
  writes: number;
  /** Keys written, but publish's own state. */
  written: string[];
}

async function timed(proxy: S3Proxy, bucket: string, cmd: string, args: string[], env: Record<string, string>): Promise<Sample> {
  const start = proxy.requests.length;
  const t = performance.now();
  await run(cmd, args, { env: { ...process.env, ...S3_CREDENTIALS, ...env }, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t;
  const mine = proxy.requests.slice(start).filter((r) => r.path === `/${bucket}` || r.path.startsWith(`/${bucket}/`));
  const writes = mine.filter((r) => r.method !== "GET" && r.method !== "HEAD");
  const written = writes.filter((r) => r.method === "PUT").map((r) => decodeURIComponent(r.path.slice(bucket.length + 2))).filter((k) => !k.startsWith(".seedfeed/"));
  return { ms, requests: mine.length, writes: writes.length, written };
}

function publishWith(tool: Tool, proxy: S3Proxy, bucket: string, dist: string, awsConfig: string): Promise<Sample> {
  if (tool === "seedfeed") {
    return timed(proxy, bucket, process.execPath, [join(REPO, "bin/seedfeed.mjs"), "publish", `s3://${bucket}`, "--dir", dist, "--endpoint", proxy.endpoint, "--path-style", "--quiet"], {});
  }
  const excludes = ["_headers"].flatMap((p) => ["--exclude", p]);
  return timed(proxy, bucket, "aws", ["s3", "sync", dist, `s3://${bucket}`, "--delete", "--endpoint-url", proxy.endpoint, "--no-progress", "--only-show-errors", ...excludes], {
    AWS_CONFIG_FILE: awsConfig,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-publish-"));
const s3 = await startS3();
const proxy = await startProxy(s3.port);
try {
  const seeds = join(work, "seeds");
  const dist = join(work, "dist");
  const awsConfig = join(work, "aws-config");
  await writeFile(awsConfig, "[default]\ns3 =\n  addressing_style = path\n  max_concurrent_requests = 10\n");
  log(`writing ${COUNT} seeds and building them…`);
  await writeCorpus(seeds, COUNT);
  const config = validateConfig({ baseUrl: "https://bench.example.org/" }, "bench");
  const rebuild = async () => {
    const r = await build({ seedsDir: seeds, outDir: dist, config });
    if (!r.written) throw new Error("the bench corpus did not build");
  };
  await rebuild();
  const files = readManifestEntries(manifestFileOf(dist)).size;
  // The edit: the newest article's text, which shows on its page, the index, the feeds and an archive page.
  const newest = corpusFile(COUNT - 1);
  const edited = newest.text.replace(/\n([^\n]*)\n$/, "\nAn edited last paragraph.\n");
  if (!AWS_VERSION) log("aws is not on PATH: timing seedfeed alone");
  const tools = TOOLS.filter((t) => t === "seedfeed" || AWS_VERSION);
  const samples = new Map<string, Sample[]>();
  const changedCounts: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? tools : [...tools].reverse();
    const buckets = Object.fromEntries(order.map((tool) => [tool, `${tool}-${round}`])) as Record<Tool, string>;
    for (const tool of order) await s3.bucket(buckets[tool]);
    const before = readManifestEntries(manifestFileOf(dist));
    for (const c of CASES) {
      if (c === "one edit") {
        await writeFile(join(seeds, newest.name), edited);
        await rebuild();
      }
      for (const tool of order) {
        const s = await publishWith(tool, proxy, buckets[tool], dist, awsConfig);
        samples.set(`${tool}|${c}`, [...(samples.get(`${tool}|${c}`) ?? []), s]);
        log(`round ${round} ${tool.padEnd(8)} ${c.padEnd(16)} ${s.ms.toFixed(0).padStart(7)} ms  ${s.requests} requests, ${s.writes} writes`);
      }
    }
    const after = readManifestEntries(manifestFileOf(dist));
    const changed = [...after.values()].filter((e) => before.get(e.path)?.sha256 !== e.sha256).map((e) => objectKeyOf(urlPathOf(e.path))).sort();
    changedCounts.push(changed.length);
    const wrote = [...samples.get("seedfeed|one edit")!.at(-1)!.written].sort();
    if (JSON.stringify(wrote) !== JSON.stringify(changed)) throw new Error(`after one edit seedfeed wrote ${JSON.stringify(wrote)}, the build changed the objects of ${JSON.stringify(changed)}`);
    await writeFile(join(seeds, newest.name), newest.text);
    await rebuild();
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\nMachine: ${cpus().length} × ${cpu}, Node ${process.version}; ${AWS_VERSION ?? "no aws"}.`);
  console.log(`${COUNT} articles, ${files} files in dist/'s manifest; s3rver behind a counting proxy on loopback; ${ROUNDS} rounds, interleaved, medians.`);
  console.log(`One edit changed ${median(changedCounts)} files; seedfeed wrote exactly those (checked every round).\n`);
  console.log("| case | seedfeed | aws s3 sync | seedfeed ÷ aws | seedfeed requests (writes) | aws requests (writes) |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const c of CASES) {
    const m = (tool: Tool) => samples.get(`${tool}|${c}`);
    const sf = m("seedfeed")!;
    const aws = m("aws");
    const cell = (s: Sample[] | undefined, f: (s: Sample) => number) => (s ? String(median(s.map(f))) : "–");
    const ms = (s: Sample[] | undefined) => (s ? `${median(s.map((x) => x.ms)).toFixed(0)} ms` : "–");
    const ratio = aws ? (median(sf.map((x) => x.ms)) / median(aws.map((x) => x.ms))).toFixed(2) : "–";
    console.log(`| ${c} | ${ms(sf)} | ${ms(aws)} | ${ratio} | ${cell(sf, (x) => x.requests)} (${cell(sf, (x) => x.writes)}) | ${cell(aws, (x) => x.requests)} (${cell(aws, (x) => x.writes)}) |`);
  }
} finally {
  await proxy.close();
  await s3.close();
  await rm(work, { recursive: true, force: true });
}
