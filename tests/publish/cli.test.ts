// `seedfeed publish` as a user runs it, in a child process: exit codes and one-line messages for what a
// user can get wrong, --dry-run, --max-deletes, the config file, and kill -9 at any point of a publish.

import { spawn } from "node:child_process";
import { cp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, TSX_LOADER, expectOneLine, runCli } from "../helpers/cli.ts";
import { S3_CREDENTIALS, listKeys, type SeenRequest } from "../helpers/s3.ts";
import { freePort } from "../helpers/ports.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { STATE, useS3, changeSite, crawlBucket, expectBucketIsSite, keyOf, makeSite, publishTo, type Site } from "./helpers.ts";

const tmp = useTempDirs("seedfeed-publish-cli-");
const storage = useS3("cli");
const ENV = { ...S3_CREDENTIALS };

const publishCli = (bucket: string, dist: string, extra: string[] = [], env: Record<string, string> = {}, endpoint = storage.proxy.endpoint) =>
  runCli(["publish", `s3://${bucket}`, "--dir", dist, "--endpoint", endpoint, "--path-style", ...extra], { env: { ...ENV, ...env } });


/** Requests that changed `bucket` since request number `start` of the proxy. */
const writesTo = (bucket: string, start: number) =>
  storage.proxy.requests.slice(start).filter((r) => r.method !== "GET" && r.method !== "HEAD" && (r.path === `/${bucket}` || r.path.startsWith(`/${bucket}/`)));


// Each test has its own bucket: they run concurrently, as most of a CLI test is waiting for node to start.
describe.concurrent("failures a user can cause: one line and a documented exit code", () => {
  let site: Site;
  beforeAll(async () => {
    site = await makeSite(await tmp.make());
  });

  it("a missing bucket exits 6", async () => {
    const r = await publishCli("no-such-bucket", site.dist);
    expect(r.code).toBe(6);
    expectOneLine(r.stderr, /^seedfeed publish: the bucket "no-such-bucket" does not exist/);
  });

  it("an unreachable endpoint exits 5 after retrying", async () => {
    const bucket = await storage.newBucket();
    const r = await publishCli(bucket, site.dist, [], {}, `http://127.0.0.1:${await freePort()}`);
    expect(r.code).toBe(5);
    expectOneLine(r.stderr, /^seedfeed publish: cannot reach http:\/\/127\.0\.0\.1:\d+\/ .*after 5 attempts.*ECONNREFUSED/);
  });

  it("credentials the storage does not know exit 7", async () => {
    const bucket = await storage.newBucket();
    const r = await publishCli(bucket, site.dist, [], { AWS_ACCESS_KEY_ID: "NOT-A-KEY" });
    expect(r.code).toBe(7);
    expectOneLine(r.stderr, /^seedfeed publish: .* refused the credentials .*InvalidAccessKeyId/);
    expect(await listKeys(storage.s3, bucket)).toEqual([]);
  });

  it("a folder that was never built exits 3; a bad target or flag exits 2", async () => {
    const bucket = await storage.newBucket();
    const empty = await tmp.make();
    const notBuilt = await publishCli(bucket, empty);
    expect(notBuilt.code).toBe(3);
    expectOneLine(notBuilt.stderr, /has no manifest seedfeed can read: run "seedfeed build" first/);
    const cases = [
      [["publish", "http://bucket/x", "--dir", site.dist], /the target must look like s3:\/\/BUCKET/],
      [["publish", "s3://Bad_Bucket!", "--dir", site.dist], /is not a bucket name/],
      [["publish", "s3://ok-bucket/a/../b", "--dir", site.dist], /segment that cannot be used: "\.\."/],
      [["publish", "s3://ok-bucket", "--max-deletes", "lots"], /--max-deletes must be a whole number/],
      [["publish", "--dir", site.dist], /publish needs a target/],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => runCli([...args], { env: ENV })));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).toBe(2);
      expectOneLine(r.stderr, cases[i]![1]);
    });
  });

  it("the config file's publish section sets the target and endpoint, and refuses secrets", async () => {
    const bucket = await storage.newBucket();
    const dir = await tmp.make();
    const config = join(dir, "site.json");
    await writeFile(config, JSON.stringify({ publish: { target: `s3://${bucket}/from-config`, endpoint: storage.s3.endpoint, pathStyle: true } }));
    const ok = await runCli(["publish", "--dir", site.dist, "--config", config], { env: ENV });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^published .* to s3://${bucket}/from-config/: uploaded \\d+ files \\(\\d+ KiB\\), deleted 0, 0 unchanged, 2 state writes, in [\\d.]+ s\\n$`));
    await expectBucketIsSite(storage.s3, bucket, site, "from-config/");
    await writeFile(config, JSON.stringify({ publish: { target: `s3://${bucket}`, secretAccessKey: "x" } }));
    const secret = await runCli(["publish", "--dir", site.dist, "--config", config], { env: ENV });
    expect(secret.code).toBe(2);
    expectOneLine(secret.stderr, /"publish\.secretAccessKey": secrets never go in the config file/);
  });

  it("help lists publish, its flags and its exit codes", async () => {
    const r = await runCli(["publish", "--help"]);
    expect(r.code).toBe(0);
    for (const text of ["seedfeed publish s3://BUCKET[/PREFIX]", "--max-deletes N", "--purge-list FILE", "--dry-run", "6  publish: the bucket does not exist"]) {
      expect(r.stdout).toContain(text);
    }
  });
});

describe("--dry-run and --max-deletes", () => {
  let site: Site;
  let bucket: string;
  let gone: string[];
  beforeAll(async () => {
    site = await makeSite(await tmp.make());
    bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    const before = new Set((await site.entries()).map((e) => keyOf(e.path)));
    await changeSite(site);
    const after = new Set((await site.entries()).map((e) => keyOf(e.path)));
    gone = [...before].filter((k) => !after.has(k)).sort();
  });

  it("--dry-run writes nothing and prints each upload and deletion with its reason, as the real publish then does them", async () => {
    storage.proxy.onRequest = () => "pass";
    const start = storage.proxy.requests.length;
    const dry = await publishCli(bucket, site.dist, ["--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(writesTo(bucket, start)).toEqual([]);
    const uploads = [...dry.stdout.matchAll(/^ {3}upload (\S+) \((.+)\)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const deletes = [...dry.stdout.matchAll(/^ {3}delete (\S+) \((.+)\)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(new Set(uploads.map(([, why]) => why))).toEqual(new Set(["new", "content changed"]));
    expect(deletes.map(([k]) => k)).toEqual(gone);
    expect(deletes.every(([, why]) => why === "not in the site any more")).toBe(true);
    expect(dry.stdout).toMatch(new RegExp(`^dry run: would upload ${uploads.length} files \\(\\d+ KiB\\), delete ${gone.length}, leave \\d+ unchanged$`, "m"));

    const real = await publishCli(bucket, site.dist, ["--max-deletes", "-1"]);
    expect(real.code, real.stderr).toBe(0);
    const written = writesTo(bucket, start).filter((r) => r.method === "PUT").map((r) => decodeURIComponent(r.path.slice(`/${bucket}/`.length)));
    // The real publish writes the plan's steps in order, each step whole before the next (in any order within it).
    const steps = dry.stdout.split(/^\d+\. /m).slice(1).map((step) => [...step.matchAll(/^ {3}upload (\S+)/gm)].map((m) => m[1]!).sort()).filter((keys) => keys.length > 0);
    const uploaded = written.filter((k) => k !== STATE);
    let at = 0;
    const stepsWritten = steps.map((keys) => uploaded.slice(at, (at += keys.length)).sort());
    expect(stepsWritten).toEqual(steps);
    expect(uploaded).toHaveLength(uploads.length);
    await expectBucketIsSite(storage.s3, bucket, site);
  });
});

it("--max-deletes: over the limit stops before writing anything, says how many and which flag; -1 lifts it", async () => {
  const site = await makeSite(await tmp.make());
  const bucket = await storage.newBucket();
  await publishTo(storage.s3.endpoint, bucket, site.dist);
  await changeSite(site);
  storage.proxy.onRequest = () => "pass";
  const start = storage.proxy.requests.length;
  const stopped = await publishCli(bucket, site.dist, ["--max-deletes", "0"]);
  expect(stopped.code).toBe(8);
  expectOneLine(stopped.stderr, /^seedfeed publish: publish would delete (\d+) objects \(.*\), more than --max-deletes 0 allows; nothing was written\. Pass --max-deletes \1 \(or -1 for no limit\)/);
  expect(writesTo(bucket, start)).toEqual([]);
  const n = /delete (\d+) objects/.exec(stopped.stderr)![1]!;
  const exact = await publishCli(bucket, site.dist, ["--max-deletes", n]);
  expect(exact.code, exact.stderr).toBe(0);
  expect(exact.stdout).toMatch(new RegExp(`deleted ${n},`));
  await expectBucketIsSite(storage.s3, bucket, site);
});

/**
 * Runs the CLI's publish in a child process and kills it with SIGKILL when `killAt` says so of a write
 * (it and every later write never reach the server: the process dies with them in flight).
 */
async function publishKilledAt(bucket: string, dist: string, killAt: (r: SeenRequest, writes: number) => boolean): Promise<void> {
  let writes = 0;
  let killing = false;
  let hold!: () => void;
  const held = new Promise<void>((resolve) => (hold = resolve));
  storage.proxy.onRequest = (r) => {
    if (r.method === "GET" || r.method === "HEAD") return "pass";
    if (!killing && !killAt(r, ++writes)) return "pass";
    killing = true; // and every write after it, until the process is gone
    hold();
    return new Promise(() => {});
  };
  try {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, CLI, "publish", `s3://${bucket}`, "--dir", dist, "--endpoint", storage.proxy.endpoint, "--path-style"], {
      env: { ...process.env, ...ENV },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ? null : code)));
    const outcome = await Promise.race([held.then(() => "held" as const), exited.then(() => "exited" as const)]);
    expect(outcome, "the publish ended before the write it was to be killed at").toBe("held");
    child.kill("SIGKILL");
    expect(await exited).toBeNull();
  } finally {
    storage.proxy.onRequest = () => "pass";
  }
}

describe("kill -9 at any point of a publish", () => {
  /** Writes of the whole publish being interrupted: state, uploads, state, the delete, state. */
  const KILL_AT = [1, 2, 9, "delete", "last"] as const;
  let site: Site;
  const buckets: string[] = [];
  beforeAll(async () => {
    site = await makeSite(await tmp.make());
    for (const _ of KILL_AT) {
      const bucket = await storage.newBucket();
      await publishTo(storage.s3.endpoint, bucket, site.dist);
      buckets.push(bucket);
    }
    await changeSite(site);
  });

  KILL_AT.forEach((at, i) => {
    it(`killed at write ${at}: the bucket serves a consistent site, and the next publish completes it`, async () => {
      const bucket = buckets[i]!;
      let deleted = false;
      await publishKilledAt(bucket, site.dist, (r, writes) => {
        const isDelete = r.method === "POST" || r.method === "DELETE";
        const kill = at === writes || (at === "delete" && isDelete) || (at === "last" && deleted && r.path.endsWith(STATE));
        deleted ||= isDelete;
        return kill;
      });

      const { broken } = await crawlBucket(storage.s3, bucket);
      expect(broken).toEqual([]);
      await publishTo(storage.s3.endpoint, bucket, site.dist);
      await expectBucketIsSite(storage.s3, bucket, site);
      const again = await publishTo(storage.s3.endpoint, bucket, site.dist);
      expect(again.result.uploaded + again.result.deleted + again.result.stateWrites).toBe(0);
    });
  });
});

it("killed after writing new objects, then published with a site that no longer has them: they are deleted", async () => {
  const site = await makeSite(await tmp.make());
  const bucket = await storage.newBucket();
  await publishTo(storage.s3.endpoint, bucket, site.dist);
  const original = await tmp.make();
  await cp(site.seeds, original, { recursive: true });
  const keysBefore = await listKeys(storage.s3, bucket);
  await changeSite(site);
  // The state that names the new objects, then four of them: the fifth write is never made.
  await publishKilledAt(bucket, site.dist, (_, writes) => writes === 6);
  expect((await listKeys(storage.s3, bucket)).filter((k) => !keysBefore.includes(k)).length).toBeGreaterThanOrEqual(4);
  await rm(site.seeds, { recursive: true });
  await cp(original, site.seeds, { recursive: true });
  await site.rebuild();
  await publishTo(storage.s3.endpoint, bucket, site.dist);
  await expectBucketIsSite(storage.s3, bucket, site);
});
