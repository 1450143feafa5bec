// The access log: the combined log format seedfeed writes (a daily pseudonym for the address, the response
// time appended), the formats `stats --log` reads (nginx, Apache, Caddy's JSON, seedfeed's own), and the
// same numbers from a log as from the counts the server keeps.

import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLogLine, parseLogLine } from "../../src/readers/access-log.ts";
import { statsOfLog } from "../../src/readers/stats.ts";
import { runCli } from "../helpers/cli.ts";
import { buildInto, makeTempDir, portOf, removeDir, serve, writeSeeds } from "../server/helpers.ts";

let root: string;
beforeAll(async () => {
  root = await makeTempDir("access-log");
});
afterAll(async () => removeDir(root));

describe("reading log lines", () => {
  const at = Date.UTC(2026, 9, 10, 13, 55, 36) / 1000;

  it("nginx's combined format, its \\x escapes, and fields after the user agent", () => {
    expect(parseLogLine('203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET /rss.xml?utm=x HTTP/1.1" 304 0 "-" "Reader \\x22Quoted\\x22/1.0" 0.000 "-"')).toEqual({
      address: "203.0.113.9", time: at, method: "GET", path: "/rss.xml", status: 304, userAgent: 'Reader "Quoted"/1.0',
    });
  });

  it("Apache's, with \\\" escapes and a zone offset; the common format, which has no user agent", () => {
    expect(parseLogLine('2001:db8::1 - frank [10/Oct/2026:15:55:36 +0200] "HEAD /tags/go/atom.xml HTTP/1.0" 200 2326 "http://example.com/" "Mozilla/5.0 (compatible; \\"x\\")"')).toEqual({
      address: "2001:db8::1", time: at, method: "HEAD", path: "/tags/go/atom.xml", status: 200, userAgent: 'Mozilla/5.0 (compatible; "x")',
    });
    expect(parseLogLine('127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /feed.json HTTP/1.1" 200 2326')?.userAgent).toBe("");
  });

  it("Caddy's JSON log: client_ip (Caddy 2.5 on), remote_ip, or remote_addr with its port; with the console encoder's prefix too", () => {
    const entry = (request: object) => JSON.stringify({ level: "info", ts: at + 0.52, logger: "http.log.access.log0", msg: "handled request", request: { proto: "HTTP/1.1", method: "GET", host: "example.org", uri: "/rss.xml", headers: { "User-Agent": ["NetNewsWire (RSS Reader; https://netnewswire.com/)"] }, ...request }, status: 200, size: 1234, duration: 0.001 });
    const expected = { address: "198.51.100.4", time: at + 0.52, method: "GET", path: "/rss.xml", status: 200, userAgent: "NetNewsWire (RSS Reader; https://netnewswire.com/)" };
    expect(parseLogLine(entry({ remote_ip: "10.0.0.1", client_ip: "198.51.100.4" }))).toEqual(expected);
    expect(parseLogLine(entry({ remote_ip: "198.51.100.4" }))).toEqual(expected);
    expect(parseLogLine(entry({ remote_addr: "198.51.100.4:63555" }))).toEqual(expected);
    expect(parseLogLine(entry({ remote_addr: "[2001:db8::4]:443" }))?.address).toBe("2001:db8::4");
    expect(parseLogLine(`2026/10/10 13:55:36.541\tinfo\thttp.log.access.log0\thandled request\t${entry({ remote_ip: "198.51.100.4" })}`)).toEqual(expected);
  });

  it("anything else is not a log line", () => {
    for (const line of ["", "hello", '203.0.113.9 - - [10/Oct/2026:13:55:36] "GET / HTTP/1.1" 200 1', '203.0.113.9 - - [32/Foo/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1', '{"msg": "not access"}']) expect(parseLogLine(line), line).toBeUndefined();
  });

  it("what seedfeed writes reads back, whatever the user agent holds", () => {
    const userAgent = 'Odd "reader" \\ with\ttab, é and 日本';
    const line = formatLogLine({ visitor: "fd00:1:2:3:4:5:6:7", time: at * 1000, requestLine: 'GET /rss.xml?q="x" HTTP/1.1', status: 226, bytes: 512, referer: undefined, userAgent, seconds: 0.0123 });
    expect(line).toBe('fd00:1:2:3:4:5:6:7 - - [10/Oct/2026:13:55:36 +0000] "GET /rss.xml?q=\\x22x\\x22 HTTP/1.1" 226 512 "-" "Odd \\x22reader\\x22 \\x5C with\\x09tab, \\xE9 and \\xE6\\x97\\xA5\\xE6\\x9C\\xAC" 0.012\n');
    expect(parseLogLine(line.trimEnd())).toEqual({ address: "fd00:1:2:3:4:5:6:7", time: at, method: "GET", path: "/rss.xml", status: 226, userAgent: 'Odd "reader" \\ with\ttab, é and æ\x97¥æ\x9c¬' });
  });
});

describe("stats from a log", () => {
  it("counts as the server does: aggregators once, readers per address and agent, feeds only", async () => {
    const t = (h: number) => `[10/Oct/2026:${String(h).padStart(2, "0")}:00:00 +0000]`;
    const line = (address: string, h: number, request: string, status: number, agent: string) => `${address} - - ${t(h)} "${request} HTTP/1.1" ${status} 100 "-" "${agent}"`;
    const feedly = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )";
    const log = [
      line("192.0.2.1", 1, "GET /blog/rss.xml", 200, feedly),
      line("192.0.2.2", 2, "GET /blog/rss.xml", 304, feedly),
      line("192.0.2.3", 3, "GET /blog/rss.xml", 304, "Feedbin feed-id:9428 - 7 subscribers"),
      line("192.0.2.4", 3, "GET /blog/rss.xml", 200, "Feedbin feed-id:1306543 - 3 subscribers"),
      line("198.51.100.1", 4, "GET /blog/atom.xml", 200, "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
      line("198.51.100.1", 5, "GET /blog/rss.xml", 304, "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
      line("198.51.100.2", 6, "GET /blog/tags/go/atom.xml", 200, "newsboat/2.21.0 (Linux x86_64)"),
      // Not subscribers: archive pages, errors, other methods, pages, crawlers.
      line("198.51.100.3", 7, "GET /blog/archive/3/rss.xml", 200, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
      line("198.51.100.4", 7, "GET /blog/rss.xml", 404, "newsboat/2.21.0 (Linux x86_64)"),
      line("198.51.100.5", 7, "POST /blog/rss.xml", 405, "newsboat/2.21.0 (Linux x86_64)"),
      line("198.51.100.6", 7, "GET /blog/", 200, "newsboat/2.21.0 (Linux x86_64)"),
      line("198.51.100.7", 7, "GET /blog/rss.xml", 200, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
      "not a log line",
    ];
    const report = await statsOfLog("access.log", log);
    expect(report.unreadLines).toBe(1);
    expect(report.at).toBe(Date.UTC(2026, 9, 10, 7) / 1000);
    expect(report.current.streams).toEqual({
      "/blog/": { Feedly: { announced: 134, direct: 0 }, Feedbin: { announced: 10, direct: 0 }, NetNewsWire: { announced: 0, direct: 1 } },
      "/blog/tags/go/": { Newsboat: { announced: 0, direct: 1 } },
    });
    expect(report.current.feeds["/blog/atom.xml"]).toEqual({ NetNewsWire: { announced: 0, direct: 1 } });
    expect(report.days.map((d) => d.day)).toEqual(["2026-10-10"]);
  });
});

describe("serve --log, read back by stats --log", () => {
  it("gives the numbers the server counted, never writes an address, and logs every kind of answer", async () => {
    const seeds = join(root, "seeds");
    const dist = join(root, "dist");
    await writeSeeds(seeds);
    await buildInto(seeds, dist);
    const logFile = join(root, "access.log");
    const out = createWriteStream(logFile);
    const server = await serve(dist, { log: out, readers: { counts: true, guardLimit: 2, deltas: true } });
    const port = portOf(server);
    const send = (path: string, from: string, userAgent: string, method = "GET") =>
      new Promise<number>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path, method, localAddress: from, agent: false, headers: { "User-Agent": userAgent } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        })
          .on("error", reject)
          .end();
      });
    const statuses: number[] = [];
    for (const [path, from, agent] of [
      ["/rss.xml", "127.0.1.1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"],
      ["/rss.xml", "127.0.1.2", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"],
      ["/atom.xml", "127.0.1.3", "NetNewsWire (RSS Reader; https://netnewswire.com/)"],
      ["/rss.xml", "127.0.1.3", "NetNewsWire (RSS Reader; https://netnewswire.com/)"],
      ["/tags/http/rss.xml", "127.0.1.4", "newsboat/2.21.0 (Linux x86_64)"],
      ["/tags/http/rss.xml", "127.0.1.4", "newsboat/2.21.0 (Linux x86_64)"],
      ["/tags/http/rss.xml", "127.0.1.4", "newsboat/2.21.0 (Linux x86_64)"],
      ["/missing", "127.0.1.5", "newsboat/2.21.0 (Linux x86_64)"],
      ["/tags/http", "127.0.1.5", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"],
    ] as const) statuses.push(await send(path, from, agent));
    statuses.push(await send("/rss.xml", "127.0.1.6", "x", "DELETE"));
    await server.close();
    await new Promise<void>((resolve) => out.end(resolve));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 404, 301, 405]);
    const text = await readFile(logFile, "utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(statuses.length);
    expect(lines.map((l) => parseLogLine(l)?.status)).toEqual(statuses);
    expect(text).not.toMatch(/127\.0\.1\.\d/);
    // One pseudonym per address for the day, in the unique-local range.
    const pseudonyms = lines.map((l) => l.split(" ")[0]!);
    for (const p of pseudonyms) expect(p).toMatch(/^fd[0-9a-f]{2}(:[0-9a-f]{4}){7}$/);
    expect(new Set(pseudonyms).size).toBe(6);
    expect(pseudonyms[3]).toBe(pseudonyms[2]);
    const fromLog = await runCli(["stats", "--log", logFile, "--json"]);
    const fromCounts = await runCli(["stats", "--dir", dist, "--json"]);
    expect(fromLog.code, fromLog.stderr).toBe(0);
    expect(fromCounts.code, fromCounts.stderr).toBe(0);
    const current = (r: { stdout: string }) => (JSON.parse(r.stdout) as { current: unknown }).current;
    expect(current(fromLog)).toEqual(current(fromCounts));
    expect((JSON.parse(fromLog.stdout) as { current: { streams: Record<string, { subscribers: number }> } }).current.streams["/"]!.subscribers).toBe(135);
  });

  it("seedfeed serve --log-file appends; a log file that cannot be written: exit 3 and one line; --log with --log-file: exit 2", async () => {
    const bad = await runCli(["serve", "--dir", join(root, "dist"), "--port", "0", "--log-file", join(root, "no-such-folder", "access.log")]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^seedfeed: cannot write the access log .*no-such-folder\/access\.log \(ENOENT\)\n$/);
    const both = await runCli(["serve", "--dir", join(root, "dist"), "--port", "0", "--log", "--log-file", join(root, "x.log")]);
    expect(both.code).toBe(2);
    const missing = await runCli(["stats", "--log", join(root, "no-such.log")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^seedfeed stats: cannot read the log .*no-such\.log \(ENOENT\)\n$/);
    const empty = join(root, "empty.log");
    await writeFile(empty, "");
    const none = await runCli(["stats", "--log", empty]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("no subscribers yet");
  });
});
