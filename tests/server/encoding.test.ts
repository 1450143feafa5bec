// Content codings: br, gzip or identity by Accept-Encoding (RFC 9110 §12.5.3), precompressed bytes that
// decompress to exactly the file, and Vary on every file response.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODINGS, decode, get, startFixture, urlsFor, type Fixture, type TestCoding } from "./helpers.ts";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture("encoding");
});
afterAll(async () => {
  await fx?.close();
});

// Accept-Encoding → the coding to send, for files that have all three.
const TABLE: [string | undefined, TestCoding][] = [
  [undefined, "identity"],
  ["", "identity"],
  ["identity", "identity"],
  ["br", "br"],
  ["gzip", "gzip"],
  ["GZIP", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "identity"],
  ["gzip, deflate, br", "br"],
  ["gzip, deflate, br, zstd", "br"],
  ["gzip;q=1, br;q=0.5", "gzip"],
  ["gzip;q=1.0, br;q=0.999", "gzip"],
  ["br;q=0.2, gzip;q=0.9", "gzip"],
  ["gzip ; q=0.5, br ; q=0.8", "br"],
  ["br;q=0", "identity"],
  ["br;q=0, gzip", "gzip"],
  ["br;q=0.000, gzip;q=0.001", "gzip"],
  ["*", "br"],
  ["*;q=0.5, br;q=0", "gzip"],
  ["*;q=0.5, br;q=0, gzip;q=0", "identity"],
  ["identity;q=0, gzip", "gzip"],
  ["identity;q=0, br;q=0.1, gzip;q=0.2", "gzip"],
  ["*;q=0, gzip", "gzip"],
];

describe("Accept-Encoding", () => {
  it.each(TABLE)("%j → %s", async (acceptEncoding, expected) => {
    const identityBytes = await readFile(join(fx.distDir, "rss.xml"));
    const r = await get(fx.port, "/rss.xml", acceptEncoding === undefined ? {} : { "Accept-Encoding": acceptEncoding });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe(expected === "identity" ? undefined : expected);
    expect(r.headers.vary).toBe("Accept-Encoding");
    expect(Number(r.headers["content-length"])).toBe(r.body.length);
    if (expected !== "identity") expect(r.body.length).toBeLessThan(identityBytes.length);
    expect(decode(r.body, r.headers["content-encoding"]).equals(identityBytes)).toBe(true);
  });

  it("every file at every URL, in each encoding it has, decompresses to exactly its identity bytes", async () => {
    let checked = 0;
    for (const f of fx.manifest.files) {
      const identityBytes = await readFile(join(fx.distDir, f.path));
      for (const url of urlsFor(f.path)) {
        for (const coding of CODINGS) {
          const r = await get(fx.port, url, { "Accept-Encoding": coding });
          const key = `${url} ${coding}`;
          expect(r.status, key).toBe(200);
          // A coding the file has no variant of falls back to identity; never a coding that was not asked for.
          const expected = coding === "identity" || f[coding] === undefined ? undefined : coding;
          expect(r.headers["content-encoding"], key).toBe(expected);
          expect(r.headers.vary, key).toBe("Accept-Encoding");
          expect(decode(r.body, r.headers["content-encoding"]).equals(identityBytes), key).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("the 404 page is negotiated too, with Vary", async () => {
    for (const coding of CODINGS) {
      const r = await get(fx.port, "/no/such/page", { "Accept-Encoding": coding });
      expect(r.status).toBe(404);
      expect(r.headers.vary).toBe("Accept-Encoding");
      expect(r.headers["content-encoding"]).toBe(coding === "identity" ? undefined : coding);
      expect(decode(r.body, r.headers["content-encoding"]).equals(fx.notFoundPage)).toBe(true);
    }
  });
});
