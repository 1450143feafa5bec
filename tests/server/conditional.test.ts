// Conditional requests (RFC 9110 §13) and HEAD.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, head, rawGet, startFixture, stylesheetPath, urlsFor, type Fixture } from "./helpers.ts";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture("conditional");
});
afterAll(async () => {
  await fx?.close();
});

const FEED = "/rss.xml";

/** The validators a plain GET of `url` returns; checked to be there. */
async function validators(url: string, headers: Record<string, string> = {}): Promise<{ etag: string; lastModified: string; ms: number }> {
  const r = await get(fx.port, url, headers);
  expect(r.status).toBe(200);
  const etag = r.headers.etag;
  const lastModified = r.headers["last-modified"];
  expect(etag).toBeTypeOf("string");
  expect(lastModified).toBeTypeOf("string");
  return { etag: etag!, lastModified: lastModified!, ms: Date.parse(lastModified!) };
}

/** The obsolete HTTP-date forms every recipient must accept (RFC 9110 §5.6.7). */
function rfc850(ms: number): string {
  const d = new Date(ms);
  const day = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][d.getUTCDay()];
  const [, dd, mon, yyyy, time] = d.toUTCString().split(" ");
  return `${day}, ${dd}-${mon}-${yyyy!.slice(2)} ${time} GMT`;
}
function asctime(ms: number): string {
  const [wkd, dd, mon, yyyy, time] = new Date(ms).toUTCString().split(" ");
  return `${wkd!.slice(0, 3)} ${mon} ${String(Number(dd)).padStart(2, " ")} ${time} ${yyyy}`;
}

describe("If-None-Match and If-Modified-Since", () => {
  it("200, then 304 for the ETag that came with it", async () => {
    for (const url of [FEED, "/", "/articles/markdown-one", `/${stylesheetPath(fx.manifest)}`, "/404.html"]) {
      const first = await get(fx.port, url);
      expect(first.status, url).toBe(200);
      expect(first.body.length, url).toBeGreaterThan(0);
      const again = await get(fx.port, url, { "If-None-Match": first.headers.etag! });
      expect(again.status, url).toBe(304);
      expect(again.body.length, url).toBe(0);
    }
  });

  it("a 304 carries ETag, Last-Modified, Cache-Control and Vary, and not one byte of body", async () => {
    for (const coding of ["identity", "br", "gzip"]) {
      const ok = await rawGet(fx.port, FEED, [`Accept-Encoding: ${coding}`]);
      expect(ok.status).toBe(200);
      const notModified = await rawGet(fx.port, FEED, [`Accept-Encoding: ${coding}`, `If-None-Match: ${ok.headers.etag}`]);
      expect(notModified.status, coding).toBe(304);
      for (const name of ["etag", "last-modified", "cache-control", "vary"]) {
        expect(notModified.headers[name], `${coding} ${name}`).toBeDefined();
        expect(notModified.headers[name], `${coding} ${name}`).toBe(ok.headers[name]);
      }
      // Read to the close of the connection: nothing follows the head, and nothing announces a body.
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers["content-length"]).toBeUndefined();
      expect(notModified.headers["transfer-encoding"]).toBeUndefined();
      expect(notModified.headers["content-encoding"]).toBeUndefined();
    }
  });

  it("If-Modified-Since equal to Last-Modified or later: 304; earlier: 200", async () => {
    const { lastModified, ms } = await validators(FEED);
    expect((await get(fx.port, FEED, { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await get(fx.port, FEED, { "If-Modified-Since": new Date(ms + 1000).toUTCString() })).status).toBe(304);
    expect((await get(fx.port, FEED, { "If-Modified-Since": new Date(ms + 86_400_000 * 400).toUTCString() })).status).toBe(304);
    const earlier = await get(fx.port, FEED, { "If-Modified-Since": new Date(ms - 1000).toUTCString() });
    expect(earlier.status).toBe(200);
    expect(earlier.body.length).toBeGreaterThan(0);
    expect((await get(fx.port, FEED, { "If-Modified-Since": new Date(ms - 86_400_000).toUTCString() })).status).toBe(200);
  });

  it("accepts the obsolete RFC 850 and asctime date forms", async () => {
    const { ms } = await validators(FEED);
    for (const form of [rfc850, asctime]) {
      expect((await get(fx.port, FEED, { "If-Modified-Since": form(ms) })).status, form(ms)).toBe(304);
      expect((await get(fx.port, FEED, { "If-Modified-Since": form(ms - 1000) })).status, form(ms - 1000)).toBe(200);
    }
  });

  it("asctime dates are GMT whatever the server's time zone", async () => {
    const { ms } = await validators(FEED);
    const saved = process.env.TZ;
    try {
      for (const tz of ["America/New_York", "Asia/Tokyo"]) {
        process.env.TZ = tz; // the server runs in this process
        expect((await get(fx.port, FEED, { "If-Modified-Since": asctime(ms) })).status, tz).toBe(304);
        expect((await get(fx.port, FEED, { "If-Modified-Since": asctime(ms - 1000) })).status, tz).toBe(200);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("ignores a malformed If-Modified-Since (200), even one far in the future", async () => {
    const future = Date.UTC(2099, 0, 1);
    const valid = new Date(future).toUTCString(); // "Thu, 01 Jan 2099 00:00:00 GMT"
    // The well-formed date would give 304: each malformed variant of it must be ignored instead.
    expect((await get(fx.port, FEED, { "If-Modified-Since": valid })).status).toBe(304);
    const malformed = [
      "yesterday",
      "not a date",
      "0",
      "4102444800",
      "2099-01-01T00:00:00Z",
      valid.replace(" 00:00:00 GMT", ""), // no time
      valid.replace("GMT", "PST"), // HTTP-dates are GMT
      valid.replace("GMT", "+0000"),
      valid.replace("01 Jan", "31 Feb"), // no such day
      valid.replace("01 Jan", "32 Jan"),
      valid.replace("00:00:00", "25:00:00"),
      `${valid} trailing`,
      valid.replace(", ", ","),
    ];
    for (const ims of malformed) {
      const r = await get(fx.port, FEED, { "If-Modified-Since": ims });
      expect(r.status, ims).toBe(200);
      expect(r.body.length, ims).toBeGreaterThan(0);
    }
  });

  it("If-None-Match wins over If-Modified-Since", async () => {
    const { etag, lastModified } = await validators(FEED);
    // Not matching If-None-Match + matching If-Modified-Since: the date is not even looked at.
    expect((await get(fx.port, FEED, { "If-None-Match": '"not-the-etag"', "If-Modified-Since": lastModified })).status).toBe(200);
    // Matching If-None-Match + an If-Modified-Since that alone would give 200.
    expect((await get(fx.port, FEED, { "If-None-Match": etag, "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" })).status).toBe(304);
  });

  it("matches weakly: W/ form, list form and *", async () => {
    const { etag } = await validators(FEED);
    const matching = [etag, `W/${etag}`, `"a", "b", ${etag}`, `"a",${etag}`, `W/"x", W/${etag}`, "*", " * "];
    for (const inm of matching) expect((await get(fx.port, FEED, { "If-None-Match": inm })).status, inm).toBe(304);
    const notMatching = ['"a", "b"', `"${etag.slice(1, -2)}"`, `"${etag.slice(1, -1)}x"`, etag.slice(1, -1), '""'];
    for (const inm of notMatching) expect((await get(fx.port, FEED, { "If-None-Match": inm })).status, inm).toBe(200);
  });

  it("an ETag of one encoding does not validate another", async () => {
    const identity = await validators(FEED);
    const br = await validators(FEED, { "Accept-Encoding": "br" });
    expect(br.etag).not.toBe(identity.etag);
    const r = await get(fx.port, FEED, { "Accept-Encoding": "br", "If-None-Match": identity.etag });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("br");
    expect((await get(fx.port, FEED, { "Accept-Encoding": "br", "If-None-Match": br.etag })).status).toBe(304);
  });

  it("HEAD honours the same conditions", async () => {
    const { etag, lastModified } = await validators(FEED);
    expect((await head(fx.port, FEED, { "If-None-Match": etag })).status).toBe(304);
    expect((await head(fx.port, FEED, { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await head(fx.port, FEED, { "If-None-Match": '"other"' })).status).toBe(200);
  });
});

describe("If-Match and If-Unmodified-Since", () => {
  it("If-Match: 412 unless it strongly matches", async () => {
    const { etag } = await validators(FEED);
    for (const im of ['"nope"', `W/${etag}`, '"a", "b"']) {
      const r = await get(fx.port, FEED, { "If-Match": im });
      expect(r.status, im).toBe(412);
      expect(r.body.toString()).not.toContain("<rss");
    }
    for (const im of [etag, `"a", ${etag}`, "*"]) expect((await get(fx.port, FEED, { "If-Match": im })).status, im).toBe(200);
  });

  it("If-Unmodified-Since: 412 when modified after it; If-Match takes precedence", async () => {
    const { etag, lastModified, ms } = await validators(FEED);
    expect((await get(fx.port, FEED, { "If-Unmodified-Since": new Date(ms - 1000).toUTCString() })).status).toBe(412);
    expect((await get(fx.port, FEED, { "If-Unmodified-Since": lastModified })).status).toBe(200);
    expect((await get(fx.port, FEED, { "If-Match": etag, "If-Unmodified-Since": new Date(ms - 1000).toUTCString() })).status).toBe(200);
  });
});

describe("HEAD", () => {
  it("is GET without the body: same status and headers, Content-Length included", async () => {
    const targets = [
      ...fx.manifest.files.flatMap((f) => urlsFor(f.path)),
      "/no-such-page", // the 404 page
      "/articles/markdown-one", // a redirect
    ];
    let compared = 0;
    for (const url of targets) {
      for (const coding of ["identity", "br", "gzip"]) {
        const lines = [`Accept-Encoding: ${coding}`];
        const g = await rawGet(fx.port, url, lines);
        const h = await rawGet(fx.port, url, lines, "HEAD");
        const key = `${url} ${coding}`;
        expect(h.status, key).toBe(g.status);
        const { date: gDate, ...gHeaders } = g.headers;
        const { date: hDate, ...hHeaders } = h.headers;
        expect(gDate && hDate, key).toBeTruthy();
        expect(hHeaders, key).toEqual(gHeaders);
        expect(Number(h.headers["content-length"]), key).toBe(g.body.length);
        expect(g.body.length, key).toBeGreaterThan(0);
        expect(h.body.length, key).toBe(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });
});
