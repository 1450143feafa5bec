// Feed readers against the real server over HTTP, from several loopback addresses, with the recorded
// User-Agents of real readers: subscriber counts saved beside dist/ and read back by `seedfeed stats`,
// a restart, the polling guard (a reader that polls at max-age, one that hammers), and `dev` counting too.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { request, type OutgoingHttpHeaders } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev } from "../../src/dev/dev.ts";
import { countsFile, type SavedCounts } from "../../src/readers/counts.ts";
import type { ReaderSettings } from "../../src/server/readers.ts";
import type { RunningServer } from "../../src/server/serve.ts";
import { runCli } from "../helpers/cli.ts";
import { buildInto, makeTempDir, portOf, removeDir, serve, writeSeeds, type Reply } from "./helpers.ts";

const RECORDED = (JSON.parse(readFileSync(new URL("../fixtures/reader-user-agents.json", import.meta.url), "utf8")) as { agents: { userAgent: string; expected: { reader: string } | null }[] }).agents;
const ua = (reader: string, nth = 0) => RECORDED.filter((r) => r.expected?.reader === reader)[nth]!.userAgent;

/** One request from a given loopback address (Linux answers for all of 127.0.0.0/8). */
function fetchFrom(port: number, path: string, from: string, headers: OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, localAddress: from, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, headerNames: res.rawHeaders.filter((_, i) => i % 2 === 0), body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** 2026-05-04 12:00 UTC, moved by hand: no test waits for the clock. */
let now = Date.UTC(2026, 4, 4, 12) / 1000;
const clock = () => now;
const READERS: ReaderSettings = { counts: true, guardLimit: 10, deltas: true, clock };

let root: string;
let seedsDir: string;
let distDir: string;

beforeAll(async () => {
  root = await makeTempDir("readers");
  seedsDir = join(root, "seeds");
  distDir = join(root, "dist");
  await writeSeeds(seedsDir);
  await buildInto(seedsDir, distDir);
});
afterAll(async () => removeDir(root));

async function readSaved(dir: string): Promise<SavedCounts> {
  return JSON.parse(await readFile(countsFile(dir), "utf8")) as SavedCounts;
}

/** Fetches the site's feeds as a morning of readers would. */
async function morningOfReaders(port: number): Promise<void> {
  // Feedly from three of its addresses, one count; Feedbin under three ids of the one feed.
  for (const from of ["127.0.0.11", "127.0.0.12", "127.0.0.13"]) expect((await fetchFrom(port, "/rss.xml", from, { "User-Agent": ua("Feedly") })).status).toBe(200);
  for (let n = 0; n < 3; n++) await fetchFrom(port, "/rss.xml", "127.0.0.20", { "User-Agent": ua("Feedbin", n) });
  await fetchFrom(port, "/atom.xml", "127.0.0.21", { "User-Agent": ua("Inoreader") });
  // NetNewsWire on two machines, one of them subscribed to both formats; newsboat to a tag's feed.
  await fetchFrom(port, "/rss.xml", "127.0.0.30", { "User-Agent": ua("NetNewsWire") });
  await fetchFrom(port, "/atom.xml", "127.0.0.30", { "User-Agent": ua("NetNewsWire") });
  await fetchFrom(port, "/rss.xml", "127.0.0.31", { "User-Agent": ua("NetNewsWire") });
  await fetchFrom(port, "/tags/http/rss.xml", "127.0.0.32", { "User-Agent": ua("Newsboat") });
  await fetchFrom(port, "/feed.json", "127.0.0.33", { "User-Agent": ua("Miniflux") });
  // Neither a crawler nor a page view is a subscriber.
  await fetchFrom(port, "/rss.xml", "127.0.0.40", { "User-Agent": RECORDED.find((r) => r.expected === null)!.userAgent });
  await fetchFrom(port, "/", "127.0.0.41", { "User-Agent": ua("Firefox") });
}

describe("subscriber counts over HTTP", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(distDir, { readers: READERS });
    await morningOfReaders(portOf(server));
    now += 60;
    await server.close();
  });

  it("are saved beside dist/ on close: per feed, per stream with its formats together, by reader", async () => {
    const saved = await readSaved(distDir);
    expect(countsFile(distDir).startsWith(`${distDir}/`)).toBe(false);
    expect(saved.current.streams["/"]).toEqual({
      Feedly: { announced: 134, direct: 0 },
      Feedbin: { announced: 23, direct: 0 },
      Inoreader: { announced: 3, direct: 0 },
      NetNewsWire: { announced: 0, direct: 2 },
      Miniflux: { announced: 0, direct: 1 },
    });
    expect(saved.current.feeds["/atom.xml"]).toEqual({ Inoreader: { announced: 3, direct: 0 }, NetNewsWire: { announced: 0, direct: 1 } });
    expect(saved.current.streams["/tags/http/"]).toEqual({ Newsboat: { announced: 0, direct: 1 } });
    expect(saved.days.map((d) => d.day)).toEqual(["2026-05-04"]);
    expect(JSON.stringify(saved)).not.toMatch(/127\.0\.0\.\d/);
  });

  it("seedfeed stats --json reads them: 163 subscribers of the site's feeds, 1 of the tag's", async () => {
    const r = await runCli(["stats", "--dir", distDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { current: { streams: Record<string, { subscribers: number }>; feeds: Record<string, { subscribers: number }> }; days: { day: string }[] };
    expect(report.current.streams["/"]!.subscribers).toBe(163);
    expect(report.current.feeds["/rss.xml"]!.subscribers).toBe(134 + 23 + 2);
    expect(report.current.streams["/tags/http/"]!.subscribers).toBe(1);
    expect(report.days).toHaveLength(1);
  });

  it("seedfeed stats prints a table: each stream, its formats, its readers; then the days", async () => {
    const r = await runCli(["stats", "--dir", distDir]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("feed "))).toMatch(/^feed\s+subscribers\s+rss\.xml\s+atom\.xml\s+feed\.json\s+readers$/);
    expect(lines.find((l) => l.startsWith("/ "))).toMatch(/^\/\s+163\s+159\s+4\s+1\s+Feedly 134, Feedbin 23, Inoreader 3, NetNewsWire 2, Miniflux 1$/);
    expect(lines.find((l) => l.startsWith("/tags/http/"))).toMatch(/^\/tags\/http\/\s+1\s+1\s+0\s+0\s+Newsboat 1$/);
    expect(lines.find((l) => l.startsWith("2026-05-04"))).toMatch(/^2026-05-04\s+163\s+1$/);
  });

  it("a restart loses nothing and counts no one twice", async () => {
    const again = await serve(distDir, { readers: READERS });
    now += 3600;
    // The same readers poll again, under the new process's new key.
    await morningOfReaders(portOf(again));
    await again.close();
    const saved = await readSaved(distDir);
    expect(saved.current.streams["/"]!.NetNewsWire).toEqual({ announced: 0, direct: 2 });
    expect(saved.current.streams["/"]!.Feedly).toEqual({ announced: 134, direct: 0 });
    expect(saved.days).toHaveLength(1);
    // Nobody polls after the next restart: the counts stand.
    const quiet = await serve(distDir, { readers: READERS });
    now += 60;
    await fetchFrom(portOf(quiet), "/atom.xml", "127.0.0.50", { "User-Agent": ua("FreshRSS") });
    await quiet.close();
    const after = await readSaved(distDir);
    expect(after.current.streams["/"]!.NetNewsWire).toEqual({ announced: 0, direct: 2 });
    expect(after.current.streams["/"]!.FreshRSS).toEqual({ announced: 0, direct: 1 });
  });
});

describe("the polling guard over HTTP", () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await serve(distDir, { readers: READERS });
    port = portOf(server);
  });
  afterAll(async () => server?.close());

  it("a reader that polls at max-age, sending its ETag, never sees a 429", async () => {
    let etag: string | undefined;
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const r = await fetchFrom(port, "/rss.xml", "127.0.0.60", { "User-Agent": ua("NetNewsWire"), ...(etag ? { "If-None-Match": etag } : {}) });
      statuses.add(r.status);
      etag = r.headers.etag ?? etag;
      now += 300;
    }
    expect([...statuses].sort()).toEqual([200, 304]);
  });

  it("one that fetches more than 10 times in a window gets 429 until the window ends, 304s counted", async () => {
    const start = now;
    const first = await fetchFrom(port, "/atom.xml", "127.0.0.61", { "User-Agent": ua("Newsboat") });
    for (let i = 1; i < 10; i++) {
      now = start + i;
      expect((await fetchFrom(port, "/atom.xml", "127.0.0.61", { "User-Agent": ua("Newsboat"), "If-None-Match": first.headers.etag! })).status).toBe(304);
    }
    now = start + 100;
    const limited = await fetchFrom(port, "/atom.xml", "127.0.0.61", { "User-Agent": ua("Newsboat"), "If-None-Match": first.headers.etag! });
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("200");
    expect(limited.headers["cache-control"]).toBe("no-store");
    expect(limited.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(limited.body.toString()).toBe("Too Many Requests: this feed changes at most every 300 seconds (its Cache-Control says max-age=300). Fetch it again in 200 seconds.\n");
    // Others are not held back: another address, another reader, another feed, the pages.
    expect((await fetchFrom(port, "/atom.xml", "127.0.0.62", { "User-Agent": ua("Newsboat") })).status).toBe(200);
    expect((await fetchFrom(port, "/atom.xml", "127.0.0.61", { "User-Agent": ua("Thunderbird") })).status).toBe(200);
    expect((await fetchFrom(port, "/rss.xml", "127.0.0.61", { "User-Agent": ua("Newsboat") })).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await fetchFrom(port, "/", "127.0.0.61", { "User-Agent": ua("Newsboat") })).status).toBe(200);
    now = start + 300;
    expect((await fetchFrom(port, "/atom.xml", "127.0.0.61", { "User-Agent": ua("Newsboat") })).status).toBe(200);
  });

  it("turned off with a limit of 0", async () => {
    const open = await serve(distDir, { readers: { ...READERS, guardLimit: 0 } });
    try {
      for (let i = 0; i < 30; i++) expect((await fetchFrom(portOf(open), "/rss.xml", "127.0.0.63", { "User-Agent": "hammer/1.0" })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe("seedfeed dev counts as serve does", () => {
  it("saves the counts beside its output folder", async () => {
    const devRoot = await makeTempDir("readers-dev");
    try {
      await writeSeeds(join(devRoot, "seeds"));
      const dev = await startDev({
        seedsDir: join(devRoot, "seeds"),
        outDir: join(devRoot, "dist"),
        overrides: { baseUrl: "http://127.0.0.1/" },
        port: 0,
        host: "127.0.0.1",
        readers: READERS,
        log: () => {},
      });
      try {
        await fetchFrom(portOf(dev.server), "/rss.xml", "127.0.0.70", { "User-Agent": ua("Feedly") });
        await fetchFrom(portOf(dev.server), "/rss.xml", "127.0.0.71", { "User-Agent": ua("NetNewsWire") });
      } finally {
        await dev.close();
      }
      expect((await readSaved(join(devRoot, "dist"))).current.streams["/"]).toEqual({ Feedly: { announced: 134, direct: 0 }, NetNewsWire: { announced: 0, direct: 1 } });
    } finally {
      await removeDir(devRoot);
    }
  });
});

describe("seedfeed stats when there is nothing to read", () => {
  it("no counts: exit 3 and one line; --dir with --log: exit 2", async () => {
    const none = await runCli(["stats", "--dir", join(root, "never-served")]);
    expect(none.code).toBe(3);
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
    expect(none.stderr).toMatch(/^seedfeed stats: no subscriber counts for .*never-served\/ \(.*\.never-served-cache\/subscribers\.json\)/);
    const both = await runCli(["stats", "--dir", distDir, "--log", "x.log"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("seedfeed: --dir reads the counts serve saved, --log an access log: choose one\n");
  });
});
