// pingHub against a real HTTP server on 127.0.0.1 standing in for the hub: what is sent, what is retried, what is not.

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { hubLinkHeader, pingHub } from "../../src/dev/websub.ts";

interface Received {
  method: string;
  contentType: string | undefined;
  fields: Record<string, string>;
  rawBody: string;
}

/** What the fake hub does with the nth request (1-based) for a feed: answer, or never answer. */
type Reply = { status: number; headers?: Record<string, string> } | "hang";

interface FakeHub {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const hubs: FakeHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

async function startHub(reply: (nth: number, feedUrl: string) => Reply): Promise<FakeHub> {
  const received: Received[] = [];
  const perFeed = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((rawBody) => {
      const fields = Object.fromEntries(new URLSearchParams(rawBody));
      received.push({ method: req.method ?? "", contentType: req.headers["content-type"], fields, rawBody });
      const feed = fields["hub.url"] ?? "";
      const nth = (perFeed.get(feed) ?? 0) + 1;
      perFeed.set(feed, nth);
      const r = reply(nth, feed);
      if (r === "hang") return;
      res.writeHead(r.status, r.headers).end();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const hub: FakeHub = {
    url: `http://127.0.0.1:${port}/hub`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  hubs.push(hub);
  return hub;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A port that was just free and is now closed: connecting to it is refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hub`;
}

const fast = { baseDelayMs: 5, timeoutMs: 2000 };

describe("pingHub", () => {
  it("sends exactly one form-encoded publish POST per feed URL, and keeps the input order", async () => {
    const hub = await startHub(() => ({ status: 204 }));
    const feeds = [
      "https://example.org/feed.xml",
      "https://example.org/atom.xml?lang=en&x=a b",
      "https://example.org/tags/c%2B%2B/feed.json#frag",
    ];
    const results = await pingHub(hub.url, feeds, fast);
    expect(results).toEqual(feeds.map((feedUrl) => ({ feedUrl, ok: true, attempts: 1, status: 204 })));
    expect(hub.received).toHaveLength(3);
    for (const r of hub.received) {
      expect(r.method).toBe("POST");
      expect(r.contentType).toBe("application/x-www-form-urlencoded");
      expect(Object.keys(r.fields).sort()).toEqual(["hub.mode", "hub.url"]);
      expect(r.fields["hub.mode"]).toBe("publish");
    }
    expect(hub.received.map((r) => r.fields["hub.url"]).sort()).toEqual([...feeds].sort());
    // The feed URL's own "&", "=", "#" and "%" are escaped, not read as form syntax.
    const tricky = hub.received.find((r) => r.fields["hub.url"] === feeds[1]);
    expect(tricky?.rawBody).toBe("hub.mode=publish&hub.url=https%3A%2F%2Fexample.org%2Fatom.xml%3Flang%3Den%26x%3Da+b");
  });

  it("accepts any 2xx", async () => {
    const hub = await startHub(() => ({ status: 202 }));
    expect(await pingHub(hub.url, ["https://example.org/feed.xml"], fast)).toEqual([
      { feedUrl: "https://example.org/feed.xml", ok: true, attempts: 1, status: 202 },
    ]);
  });

  it("retries a 500 and succeeds on the second attempt", async () => {
    const hub = await startHub((nth) => ({ status: nth === 1 ? 500 : 204 }));
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], fast);
    expect(result).toEqual({ feedUrl: "https://example.org/feed.xml", ok: true, attempts: 2, status: 204 });
    expect(hub.received).toHaveLength(2);
  });

  it("gives up after `attempts` when the hub always answers 503", async () => {
    const hub = await startHub(() => ({ status: 503 }));
    const lines: string[] = [];
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], { ...fast, attempts: 3, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ feedUrl: "https://example.org/feed.xml", ok: false, attempts: 3, status: 503 });
    expect(result?.error).toMatch(/503/);
    expect(hub.received).toHaveLength(3);
    // Two "retrying" lines, then one "gave up".
    expect(lines).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/gave up on https:\/\/example\.org\/feed\.xml after 3/);
  });

  it("uses 4 attempts by default", async () => {
    const hub = await startHub(() => ({ status: 502 }));
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], { baseDelayMs: 1 });
    expect(result).toMatchObject({ ok: false, attempts: 4, status: 502 });
    expect(hub.received).toHaveLength(4);
  });

  it("does not retry a 400 (or any other 4xx but 429)", async () => {
    const hub = await startHub((_nth, feed) => ({ status: feed.endsWith("gone") ? 410 : 400 }));
    const results = await pingHub(hub.url, ["https://example.org/bad", "https://example.org/gone"], fast);
    expect(results).toMatchObject([
      { feedUrl: "https://example.org/bad", ok: false, attempts: 1, status: 400 },
      { feedUrl: "https://example.org/gone", ok: false, attempts: 1, status: 410 },
    ]);
    expect(hub.received).toHaveLength(2);
  });

  it("retries a 429, honouring a numeric Retry-After instead of the backoff", async () => {
    const hub = await startHub((nth) => (nth === 1 ? { status: 429, headers: { "Retry-After": "0" } } : { status: 200 }));
    // With this backoff the test could only finish in time if Retry-After: 0 was used instead.
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], { baseDelayMs: 600_000, timeoutMs: 2000 });
    expect(result).toEqual({ feedUrl: "https://example.org/feed.xml", ok: true, attempts: 2, status: 200 });
  }, 20_000);

  it("falls back to backoff when Retry-After is an HTTP date", async () => {
    const hub = await startHub((nth) =>
      nth === 1 ? { status: 429, headers: { "Retry-After": "Wed, 21 Oct 2065 07:28:00 GMT" } } : { status: 204 },
    );
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], fast);
    expect(result).toMatchObject({ ok: true, attempts: 2 });
  });

  it("retries each feed on its own: one failing feed does not hold back or sink the others", async () => {
    const hub = await startHub((nth, feed) => ({ status: feed.endsWith("flaky") && nth < 3 ? 500 : 204 }));
    const results = await pingHub(hub.url, ["https://example.org/a", "https://example.org/flaky", "https://example.org/b"], fast);
    expect(results.map((r) => [r.feedUrl, r.ok, r.attempts])).toEqual([
      ["https://example.org/a", true, 1],
      ["https://example.org/flaky", true, 3],
      ["https://example.org/b", true, 1],
    ]);
  });

  it("resolves ok:false without throwing when the hub is down", async () => {
    const url = await closedPortUrl();
    const results = await pingHub(url, ["https://example.org/feed.xml", "https://example.org/atom.xml"], { ...fast, attempts: 2 });
    expect(results).toEqual([
      { feedUrl: "https://example.org/feed.xml", ok: false, attempts: 2, error: expect.stringMatching(/ECONNREFUSED/) },
      { feedUrl: "https://example.org/atom.xml", ok: false, attempts: 2, error: expect.stringMatching(/ECONNREFUSED/) },
    ]);
  });

  it("cuts a hub that never answers at timeoutMs, and retries it", async () => {
    const hub = await startHub(() => "hang");
    // Long enough for both requests to reach the hub on a loaded machine.
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], { attempts: 2, baseDelayMs: 5, timeoutMs: 1500 });
    expect(result).toEqual({ feedUrl: "https://example.org/feed.xml", ok: false, attempts: 2, error: "timed out after 1500 ms" });
    expect(hub.received).toHaveLength(2);
  });

  it("sends nothing for an empty list", async () => {
    const hub = await startHub(() => ({ status: 204 }));
    const lines: string[] = [];
    expect(await pingHub(hub.url, [], { ...fast, log: (l) => lines.push(l) })).toEqual([]);
    expect(hub.received).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("does not follow a redirect: a POST turned into a GET would look like success", async () => {
    const hub = await startHub(() => ({ status: 301, headers: { Location: "https://hub.example.org/" } }));
    const [result] = await pingHub(hub.url, ["https://example.org/feed.xml"], fast);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 301 });
    expect(result?.error).toMatch(/redirects to https:\/\/hub\.example\.org\//);
  });

  it("resolves ok:false for an unusable hub URL without sending anything", async () => {
    for (const bad of ["", "not a url", "ftp://hub.example.org/"]) {
      const [result] = await pingHub(bad, ["https://example.org/feed.xml"], fast);
      expect(result).toMatchObject({ feedUrl: "https://example.org/feed.xml", ok: false, attempts: 0 });
      expect(result?.error).toMatch(/invalid hub URL/);
    }
  });

  it("survives a logger that throws", async () => {
    const hub = await startHub((nth) => ({ status: nth === 1 ? 500 : 204 }));
    const results = await pingHub(hub.url, ["https://example.org/feed.xml"], {
      ...fast,
      log: () => {
        throw new Error("log sink broken");
      },
    });
    expect(results).toMatchObject([{ ok: true, attempts: 2 }]);
  });

  it("reports progress through log, one line per event", async () => {
    const hub = await startHub((nth) => ({ status: nth === 1 ? 500 : 204 }));
    const lines: string[] = [];
    await pingHub(hub.url, ["https://example.org/feed.xml"], { ...fast, log: (l) => lines.push(l) });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/HTTP 500.*retrying in 5 ms/);
    expect(lines[1]).toMatch(/accepted https:\/\/example\.org\/feed\.xml \(204\)/);
    expect(lines.every((l) => !l.includes("\n"))).toBe(true);
  });
});

describe("hubLinkHeader", () => {
  it("names the hub and the feed relative to its own URL, in the WebSub discovery form", () => {
    expect(hubLinkHeader("https://pubsubhubbub.appspot.com/", "tags/go/atom.xml")).toBe('<https://pubsubhubbub.appspot.com/>; rel="hub", <atom.xml>; rel="self"');
    expect(hubLinkHeader("https://hub.example/", "rss.xml")).toBe('<https://hub.example/>; rel="hub", <rss.xml>; rel="self"');
  });
});
