// Watch mode end to end: real seeds and config in a temp folder, `seedfeed dev`'s own startDev (the
// watcher wired to a real server on an ephemeral loopback port), and node:http clients that see the raw
// encoded bytes. File events are awaited by polling with a deadline.

import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, test } from "vitest";
import { build } from "../../src/pipeline.ts";
import { loadConfig } from "../../src/config.ts";
import { startDev as startSeedfeedDev, type RunningDev } from "../../src/dev/dev.ts";
import { describeRebuild, Watcher, type RebuildReport } from "../../src/dev/watch.ts";
import { etagOf } from "../../src/server/from-manifest.ts";
import type { RunningServer } from "../../src/server/serve.ts";
import { BESIDE, MANIFEST_KEY, markdownSeed, readBuild, readTree, textSeed, treeDifferences } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { decode, get, portOf, type Reply } from "../server/helpers.ts";

const tmp = useTempDirs("seedfeed-watch-");

const HEX = ["5eedd00d00000001", "5eedd00d00000002", "5eedd00d00000003"] as const;
const TAG_PREFIX = "tag:watch-tests.example,2025:";

function seed(i: number, title: string, extra = ""): string {
  return textSeed({
    date: `2025-0${i + 1}-1${i}`,
    n: i + 1,
    title,
    paragraphs: [`Body of article ${i}: long enough that the compressed variants are worth having.${extra}`, "A second paragraph for good measure."],
  });
}

const seedName = (i: number) => `00${i + 1}_${HEX[i]}.txt`;
const pagePath = (hex: string) => `/articles/${hex}`;

function configJson(title: string, hub?: string): string {
  return JSON.stringify({
    title,
    description: "Built by the watch tests",
    baseUrl: "http://127.0.0.1/",
    author: { name: "Watch Tests" },
    tagPrefix: TAG_PREFIX,
    ...(hub ? { hub } : {}),
  });
}

interface Dev {
  root: string;
  seedsDir: string;
  configFile: string;
  watcher: Watcher;
  server: RunningServer;
  port: number;
  logs: string[];
  reports: RebuildReport[];
  pingsSettled: RunningDev["pingsSettled"];
  close(): Promise<void>;
}

let open: Dev | undefined;
const extraServers: Server[] = [];

afterEach(async () => {
  const dev = open;
  open = undefined;
  if (dev) {
    await dev.close();
    await rm(dev.root, { recursive: true, force: true });
  }
  for (const s of extraServers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** `seedfeed dev`, in-process, through the same startDev as the CLI. */
async function startDev(options: { hub?: string } = {}): Promise<Dev> {
  const root = await tmp.make();
  const seedsDir = join(root, "seeds");
  const configFile = join(root, "site.config.json");
  await mkdir(seedsDir, { recursive: true });
  for (let i = 0; i < HEX.length; i++) await writeFile(join(seedsDir, seedName(i)), seed(i, `Original title ${i}`));
  await writeFile(configFile, configJson("Watch test site", options.hub));
  const logs: string[] = [];
  const reports: RebuildReport[] = [];
  const dev = await startSeedfeedDev({
    seedsDir,
    outDir: join(root, "dist"),
    configFile,
    overrides: {},
    port: 0,
    host: "127.0.0.1",
    onRebuild: (report) => reports.push(report),
    log: (line) => logs.push(line),
    ping: { attempts: 1 },
  });
  open = { root, seedsDir, configFile, watcher: dev.watcher, server: dev.server, port: portOf(dev.server), logs, reports, pingsSettled: dev.pingsSettled, close: dev.close };
  return open;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const identity = { "Accept-Encoding": "identity" };

async function feedText(dev: Dev, path = "/rss.xml"): Promise<string> {
  const r = await get(dev.port, path, identity);
  expect(r.status).toBe(200);
  return r.body.toString("utf8");
}

/** Polls until `probe` returns something truthy; fails after `ms` (file events are asynchronous). */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

function decoded(r: Reply): string {
  return decode(r.body, r.headers["content-encoding"]).toString("utf8");
}

function articleLinks(rss: string): string[] {
  return [...rss.matchAll(/<link>([^<]+)<\/link>/g)].map((m) => new URL(m[1]!).pathname).filter((p) => p.startsWith("/articles/"));
}

describe("seedfeed dev: watch, rebuild, swap", () => {
  test("a title edit changes the feed and its ETag, and leaves an untouched page's validators alone", async () => {
    const dev = await startDev();
    const rssBefore = await get(dev.port, "/rss.xml", identity);
    const untouchedBefore = await get(dev.port, pagePath(HEX[2]), identity);
    expect(untouchedBefore.status).toBe(200);
    expect(untouchedBefore.headers.etag).toBeTruthy();
    expect(untouchedBefore.headers["last-modified"]).toBeTruthy();

    await writeFile(join(dev.seedsDir, seedName(0)), seed(0, "Edited title zero"));
    const report = await dev.watcher.rebuild();
    expect(describeRebuild(report)).toMatch(/rss\.xml/);

    const rssAfter = await get(dev.port, "/rss.xml", identity);
    expect(rssAfter.body.toString("utf8")).toContain("<title>Edited title zero</title>");
    expect(rssAfter.body.toString("utf8")).not.toContain("Original title 0");
    expect(rssAfter.headers.etag).not.toBe(rssBefore.headers.etag);

    const untouchedAfter = await get(dev.port, pagePath(HEX[2]), identity);
    expect(untouchedAfter.status).toBe(200);
    expect(untouchedAfter.headers.etag).toBe(untouchedBefore.headers.etag);
    expect(untouchedAfter.headers["last-modified"]).toBe(untouchedBefore.headers["last-modified"]);
  });

  test("adding, deleting and renaming seeds: feed entries and pages follow, a rename keeps the entry id", async () => {
    const dev = await startDev();
    const newHex = "5eedd00d000000aa";
    await writeFile(join(dev.seedsDir, `004_${newHex}.txt`), seed(3, "A brand new article"));
    await dev.watcher.rebuild();
    let rss = await feedText(dev);
    expect(rss).toContain("<title>A brand new article</title>");
    expect(rss).toContain(`${TAG_PREFIX}articles/${newHex}<`);
    expect((await get(dev.port, pagePath(newHex), identity)).status).toBe(200);

    await rm(join(dev.seedsDir, `004_${newHex}.txt`));
    await dev.watcher.rebuild();
    rss = await feedText(dev);
    expect(rss).not.toContain("A brand new article");
    expect(rss).not.toContain(`articles/${newHex}`);
    expect((await get(dev.port, pagePath(newHex), identity)).status).toBe(404);

    const guid = `${TAG_PREFIX}articles/${HEX[0]}`;
    const itemsBefore = rss.match(/<item>/g)?.length;
    const reportsBefore = dev.reports.length;
    await rename(join(dev.seedsDir, seedName(0)), join(dev.seedsDir, `009_${HEX[0]}.txt`));
    await dev.watcher.rebuild();
    // A file-event rebuild may get there first: look at every rebuild since the rename.
    expect(dev.reports.slice(reportsBefore).flatMap((r) => r.removed)).toContain(seedName(0));
    rss = await feedText(dev);
    expect(rss.match(/<item>/g)?.length).toBe(itemsBefore);
    expect(rss.split(`>${guid}<`).length - 1).toBe(1);
    expect(rss).toContain("<title>Original title 0</title>");
    expect((await get(dev.port, pagePath(HEX[0]), identity)).status).toBe(200);
    expect(dev.logs.filter((l) => /: error:/.test(l))).toEqual([]);
  });

  test("an editor's rename-and-replace save is picked up by the file watcher", async () => {
    const dev = await startDev();
    const temp = join(dev.seedsDir, `.${seedName(1)}.swp`);
    await writeFile(temp, seed(1, "Saved by rename"));
    await rename(temp, join(dev.seedsDir, seedName(1)));
    // No rebuild() call: only fs.watch events can bring this change in.
    await until("the renamed-over seed in rss.xml", async () => (await feedText(dev)).includes("<title>Saved by rename</title>"));
    expect(await feedText(dev)).not.toContain("Original title 1");
    expect(await feedText(dev, "/atom.xml")).toContain("Saved by rename");
  });

  test("an invalid edit keeps the last good article and names the file; fixing it applies the update", async () => {
    const dev = await startDev();
    dev.logs.length = 0;
    await writeFile(join(dev.seedsDir, seedName(1)), "this is not a seed at all\n");
    await dev.watcher.rebuild();
    const rss = await feedText(dev);
    expect(rss).toContain("<title>Original title 1</title>");
    expect((await get(dev.port, pagePath(HEX[1]), identity)).status).toBe(200);
    expect(dev.logs.some((l) => l.includes(seedName(1)) && /error/.test(l))).toBe(true);

    await writeFile(join(dev.seedsDir, seedName(1)), seed(1, "Fixed title one"));
    await dev.watcher.rebuild();
    const fixed = await feedText(dev);
    expect(fixed).toContain("<title>Fixed title one</title>");
    expect(fixed).not.toContain("Original title 1");
  });

  test("no torn reads: concurrent clients during 50 rebuilds get bodies that match their ETags", async () => {
    const dev = await startDev();
    const codings = ["br", "gzip", "identity"] as const;
    const failures: string[] = [];
    let responses = 0;
    let articleFetches = 0;
    let stop = false;
    const check = (label: string, r: Reply) => {
      responses++;
      if (r.status >= 500) failures.push(`${label}: ${r.status}`);
      if (r.status === 200) {
        const etag = r.headers.etag;
        const coding = (r.headers["content-encoding"] ?? "identity") as "identity" | "br" | "gzip";
        if (etag !== etagOf(sha(decode(r.body, coding)), coding)) failures.push(`${label}: ETag ${etag} does not match the body's sha-256`);
      }
    };
    const client = async (n: number) => {
      try {
        await clientLoop(n);
      } catch (e) {
        failures.push(`client ${n}: ${(e as Error).message}`);
      }
    };
    const clientLoop = async (n: number) => {
      for (let k = n; !stop; k++) {
        const coding = codings[k % codings.length]!;
        const feed = await get(dev.port, "/rss.xml", { "Accept-Encoding": coding });
        check(`/rss.xml (${coding})`, feed);
        if (feed.status !== 200) continue;
        for (const [j, path] of articleLinks(decoded(feed)).entries()) {
          const c = codings[(k + j) % codings.length]!;
          const page = await get(dev.port, path, { "Accept-Encoding": c });
          articleFetches++;
          check(`${path} (${c})`, page);
          if (page.status === 404) failures.push(`${path} (${c}): 404 although listed in the feed it came from`);
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    try {
      for (let i = 0; i < 50; i++) {
        const s = i % HEX.length;
        await writeFile(join(dev.seedsDir, seedName(s)), seed(s, `Original title ${s}`, ` Revision ${i}.`));
        await dev.watcher.rebuild();
      }
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(responses).toBeGreaterThan(0);
    expect(articleFetches).toBeGreaterThan(0);
    expect(await feedText(dev)).toContain("Revision 49.");
  });

  test("file events alone: seeds in folders made, edited, moved in and removed after start reach the feed", async () => {
    const dev = await startDev();
    const has = (text: string) => async () => (await feedText(dev)).includes(text);
    const nested = join(dev.seedsDir, "2026", "november");
    await mkdir(nested, { recursive: true });
    await writeFile(join(nested, "010_5eedd00d000000b1.txt"), seed(1, "Made in a new folder"));
    await until("a seed in a folder made after start", has("<title>Made in a new folder</title>"));
    await writeFile(join(nested, "010_5eedd00d000000b1.txt"), seed(1, "Edited in its folder"));
    await until("an edit in that folder", has("<title>Edited in its folder</title>"));
    // A folder built elsewhere and moved in whole: no event names its seeds one by one.
    const outside = join(dev.root, "elsewhere");
    await mkdir(join(outside, "deep"), { recursive: true });
    await writeFile(join(outside, "deep", "011_5eedd00d000000b2.txt"), seed(2, "Moved in with its folder"));
    await rename(outside, join(dev.seedsDir, "moved"));
    await until("a folder moved in", has("<title>Moved in with its folder</title>"));
    await writeFile(join(dev.seedsDir, "moved", "deep", "011_5eedd00d000000b2.txt"), seed(2, "Edited after the move"));
    await until("an edit in the moved folder", has("<title>Edited after the move</title>"));
    await rm(join(dev.seedsDir, "2026"), { recursive: true });
    await until("a removed folder's seeds gone", async () => !(await feedText(dev)).includes("Edited in its folder"));
    expect(await feedText(dev)).toContain("Edited after the move");
  });

  test("rebuild() calls during a running rebuild resolve, sharing one queued rebuild that sees their change", async () => {
    const dev = await startDev();
    const first = dev.watcher.rebuild();
    await writeFile(join(dev.seedsDir, seedName(0)), seed(0, "Queued title"));
    const second = dev.watcher.rebuild();
    const third = dev.watcher.rebuild();
    expect(third).toBe(second);
    const [a, b] = await Promise.all([first, second]);
    expect([...a.changed, ...b.changed]).toContain(seedName(0));
    expect((await dev.watcher.rebuild()).changedOutputs).toEqual([]);
    expect(await feedText(dev)).toContain("<title>Queued title</title>");
    await dev.watcher.flushed();
  });

  test("an invalid config edit keeps the last good config and logs an error; fixing it applies", async () => {
    const dev = await startDev();
    dev.logs.length = 0;
    await writeFile(dev.configFile, '{ "title": "Broken', "utf8");
    await dev.watcher.rebuild();
    expect(await feedText(dev)).toContain("<title>Watch test site</title>");
    expect(dev.logs.some((l) => l.includes(dev.configFile) && /not valid JSON/.test(l))).toBe(true);

    await writeFile(dev.configFile, configJson("Renamed site"));
    await dev.watcher.rebuild();
    const rss = await feedText(dev);
    expect(rss).toContain("<title>Renamed site</title>");
    expect(rss).not.toContain("Watch test site");
  });

  test("WebSub: one publish ping per feed after a change, none after a rebuild without one; Link rel=hub", async () => {
    const received: URLSearchParams[] = [];
    const hub = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method === "POST") received.push(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
        res.writeHead(202).end();
      });
    });
    extraServers.push(hub);
    await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", () => resolve()));
    const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub`;

    const dev = await startDev({ hub: hubUrl });
    await dev.pingsSettled(); // the first build's pings
    received.length = 0;

    const rss = await get(dev.port, "/rss.xml", identity);
    expect(rss.headers.link).toContain(`<${hubUrl}>; rel="hub"`);

    const reportsBefore = dev.reports.length;
    await writeFile(join(dev.seedsDir, seedName(2)), seed(2, "Hub-worthy title"));
    await dev.watcher.rebuild();
    expect([...new Set(dev.reports.slice(reportsBefore).flatMap((r) => r.changed))]).toEqual([seedName(2)]);
    await dev.pingsSettled();
    expect(received.map((p) => p.get("hub.mode"))).toEqual(["publish", "publish", "publish"]);
    expect(received.map((p) => p.get("hub.url")).sort()).toEqual(
      ["http://127.0.0.1/atom.xml", "http://127.0.0.1/feed.json", "http://127.0.0.1/rss.xml"],
    );

    received.length = 0;
    const pingLines = () => dev.logs.filter((l) => l.startsWith("websub:")).length;
    const pingsBefore = pingLines();
    const quiet = await dev.watcher.rebuild();
    expect(quiet.changedOutputs).toEqual([]);
    await dev.pingsSettled();
    expect(pingLines()).toBe(pingsBefore);
    expect(received).toEqual([]);
  });
});

describe("watch mode writes what a clean build writes", () => {
  /** dist/ and its manifest without the precompressed bytes: watch mode compresses feeds at other levels than `build`. */
  async function comparable(dir: string): Promise<Map<string, Buffer>> {
    const tree = await readBuild(dir);
    for (const path of [...tree.keys()]) if (path.startsWith(`${BESIDE}encoded/`)) tree.delete(path);
    const manifest = JSON.parse(tree.get(MANIFEST_KEY)!.toString("utf8")) as { files: Record<string, unknown>[] };
    tree.set(MANIFEST_KEY, Buffer.from(JSON.stringify(manifest.files.map(({ br: _br, gzip: _gzip, ...rest }) => rest), null, 1)));
    return tree;
  }

  /**
   * `count` text seeds with archive pages (feedSize 5, pageSize 3), watched from the start, and a check
   * that dist/ is what a clean build of the seeds as they are now writes.
   */
  async function watchedSite(count: number) {
    const root = await tmp.make();
    const seedsDir = join(root, "seeds");
    const configFile = join(root, "site.config.json");
    await mkdir(seedsDir, { recursive: true });
    const name = (i: number) => `${String(i).padStart(3, "0")}_5eedc1ea${String(i).padStart(8, "0")}.txt`;
    const text = (i: number, title: string) => textSeed({ date: `2025-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 27) + 1).padStart(2, "0")}`, n: i, title, paragraphs: [`Paragraph of article ${i}.`] });
    for (let i = 1; i <= count; i++) await writeFile(join(seedsDir, name(i)), text(i, `Article ${i}`));
    await writeFile(configFile, JSON.stringify({ ...JSON.parse(configJson("Equivalence")), feedSize: 5, pageSize: 3 }));
    const out = join(root, "dist");
    const watcher = await Watcher.start({ seedsDir, outDir: out, configFile, overrides: {}, log: () => {} });
    let k = 0;
    const expectAsClean = async (what: string) => {
      const clean = join(root, `clean-${k++}`);
      const r = await build({ seedsDir, outDir: clean, config: await loadConfig(configFile, {}) });
      expect(r.written, what).toBe(true);
      expect(treeDifferences(await comparable(out), await comparable(clean)), what).toEqual([]);
    };
    return { root, seedsDir, out, name, text, watcher, expectAsClean };
  }

  test("after edits, additions, removals and a rename, with archive pages: every file as a clean build makes it", async () => {
    const { seedsDir, name, text, watcher, expectAsClean } = await watchedSite(30);
    try {
      const steps: [string, () => Promise<unknown>][] = [
        ["an old article's title", () => writeFile(join(seedsDir, name(2)), text(2, "Article 2, retitled"))],
        ["a new article", () => writeFile(join(seedsDir, name(31)), textSeed({ date: "2026-01-01", n: 31, title: "Newest", paragraphs: ["New."] }))],
        ["a removal", () => rm(join(seedsDir, name(17)))],
        ["a rename (same identity)", () => rename(join(seedsDir, name(5)), join(seedsDir, `900_5eedc1ea${String(5).padStart(8, "0")}.txt`))],
        ["the same title edit again", () => writeFile(join(seedsDir, name(2)), text(2, "Article 2, retitled twice"))],
        ["a tagged Markdown article", () => writeFile(join(seedsDir, "tagged.md"), markdownSeed(["title: Tagged", "date: 2025-06-02", "tags: [Go, news]"], "Tagged.\n"))],
        ["a second article under one tag", () => writeFile(join(seedsDir, "also.md"), markdownSeed(["title: Also", "date: 2025-03-02", "tags: [go]"], "Also.\n"))],
        ["a retag and a new date", () => writeFile(join(seedsDir, "tagged.md"), markdownSeed(["title: Tagged", "date: 2024-01-09", "tags: [news, rust]"], "Tagged.\n"))],
        ["an old article moved to the newest", () => writeFile(join(seedsDir, name(3)), textSeed({ date: "2026-02-01", n: 3, title: "Article 3", paragraphs: ["Moved."] }))],
      ];
      for (const [what, step] of steps) {
        await step();
        await watcher.rebuild();
        await expectAsClean(what);
      }
    } finally {
      await watcher.close();
    }
  });

  test("a rebuild that fails drops what watch mode kept; the next one looks at everything and writes what a clean build writes", async () => {
    const { root, seedsDir, out, name, text, watcher, expectAsClean } = await watchedSite(12);
    try {
      // Another writer holds dist/ (its lock names a running process): the rebuilds of this edit fail,
      // the one its file event starts and one asked for.
      await mkdir(join(root, ".dist-lock"));
      await writeFile(join(root, ".dist-lock", "pid"), "1");
      await writeFile(join(seedsDir, name(2)), text(2, "Edited while dist/ was busy"));
      await sleep(300);
      await expect(watcher.rebuild()).rejects.toThrow(/being written by another seedfeed/);
      await rm(join(root, ".dist-lock"), { recursive: true });
      await writeFile(join(seedsDir, name(9)), text(9, "Edited after"));
      await watcher.rebuild();
      const rss = (await readTree(out)).get("rss.xml")!.toString("utf8");
      expect(rss).toContain("Edited after");
      await expectAsClean("after the failed rebuilds");
      expect((await readTree(out)).get("archive/1/rss.xml")!.toString("utf8")).toContain("Edited while dist/ was busy");
    } finally {
      await watcher.close();
    }
  });
});
