// A real reader that sends `A-IM: feed`: Debian's newsboat polls seedfeed's server as the site changes,
// gets 226 deltas, and ends with every article and the latest text of each, as whole feeds would give it.

import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLogLine } from "../../src/readers/access-log.ts";
import { buildInto, makeTempDir, portOf, removeDir, serve, writeSeeds } from "./helpers.ts";

const run = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await makeTempDir("newsboat");
});
afterAll(async () => removeDir(root));

/** `newsboat -x reload` with its own home, urls and cache in `dir`. */
async function newsboatReload(dir: string): Promise<void> {
  try {
    await run("newsboat", ["-u", join(dir, "urls"), "-c", join(dir, "cache.db"), "-C", "/dev/null", "-x", "reload"], { env: { ...process.env, HOME: dir }, timeout: 60_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error("newsboat is not installed (see .ci/run)");
    throw e;
  }
}

/** The articles newsboat keeps: guid → content, read with Python's sqlite3 (newsboat's cache is SQLite). */
async function newsboatItems(dir: string): Promise<Map<string, string>> {
  const script = "import json,sqlite3,sys; c=sqlite3.connect(sys.argv[1]); json.dump(dict(c.execute('select guid, content from rss_item')), sys.stdout)";
  const { stdout } = await run("/usr/bin/python3", ["-c", script, join(dir, "cache.db")]);
  return new Map(Object.entries(JSON.parse(stdout) as Record<string, string>));
}

const article = (id: string, date: string, body: string, updated?: string) =>
  ["---", `title: "Article ${id}"`, `date: ${date}`, ...(updated ? [`updated: ${updated}`] : []), "---", body, ""].join("\n");

describe("newsboat", () => {
  it("applies seedfeed's deltas: new articles and edits arrive through 226", async () => {
    const seeds = join(root, "seeds");
    const dist = join(root, "dist");
    const reader = join(root, "reader");
    await mkdir(reader, { recursive: true });
    await writeSeeds(seeds, { "one.md": article("one", "2025-03-01", "First body."), "two.md": article("two", "2025-03-02", "Second body.") });
    const polls: { status: number; userAgent: string }[] = [];
    // One URL for newsboat: each poll's server listens on the first one's port.
    let port = 0;
    const poll = async () => {
      await buildInto(seeds, dist);
      const log = new PassThrough();
      log.on("data", (d: Buffer) => {
        for (const line of d.toString().trimEnd().split("\n")) {
          const r = parseLogLine(line);
          if (r?.path === "/rss.xml") polls.push({ status: r.status, userAgent: r.userAgent });
        }
      });
      const server = await serve(dist, { port, log, readers: { counts: false, guardLimit: 0, deltas: true } });
      port = portOf(server);
      try {
        await writeFile(join(reader, "urls"), `http://127.0.0.1:${port}/rss.xml\n`);
        await newsboatReload(reader);
      } finally {
        await server.close();
      }
    };
    // newsboat sends its validators from its third fetch on.
    for (let i = 0; i < 3; i++) await poll();
    expect(polls.map((p) => p.status)).toEqual([200, 200, 304]);
    expect(polls[0]!.userAgent).toMatch(/^newsboat\/\d+\.\d+(\.\d+)? \(/);
    // A new article; then an edit with an update date (newsboat, like some readers, ignores a response whose
    // Last-Modified equals the one it holds, 200 or 226 alike: an edit must move the date to reach it).
    await writeSeeds(seeds, { "three.md": article("three", "2025-03-03", "Third body.") });
    await poll();
    await writeSeeds(seeds, { "one.md": article("one", "2025-03-01", "First body, edited.", "2025-03-04T08:00:00Z") });
    await poll();
    expect(polls.slice(3).map((p) => p.status)).toEqual([226, 226]);
    const items = await newsboatItems(reader);
    expect([...items.keys()].sort()).toEqual(["one", "three", "two"].map((id) => `tag:server-tests.example,2025:articles/${id}`));
    expect(items.get("tag:server-tests.example,2025:articles/one")).toContain("First body, edited.");
    expect(items.get("tag:server-tests.example,2025:articles/two")).toContain("Second body.");
  });
});
