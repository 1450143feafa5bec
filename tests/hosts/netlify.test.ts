// Netlify's own headers engine (@netlify/headers, what `netlify dev` runs; the production CDN applies the
// same _headers rules) reading dist/_headers as uploaded: for every URL of every file, on a site with tags
// and a WebSub hub, the headers it would add are exactly those seedfeed serve sends for that URL.
// Netlify does not fill placeholders into header values (Cloudflare Pages does), so a rule whose value
// named one feed would send that feed's name for all of them: this is where such a rule would show.

import { HeadersHandler } from "@netlify/headers";
import { beforeAll, expect, it } from "vitest";
import { urlPathOf, urlPathsOf } from "../../src/render/urls.ts";
import { startServer } from "../../src/server/serve.ts";
import { buildFixtureSite, type FixtureSite } from "../helpers/fixture.ts";
import { testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { SAME_HEADERS } from "./helpers.ts";

const tmp = useTempDirs("seedfeed-netlify-");
let site: FixtureSite;

beforeAll(async () => {
  site = await buildFixtureSite(await tmp.make(), { config: testConfig({ hub: "https://hub.example.net/", feedSize: 2, pageSize: 2 }) });
}, 120_000);

it("gives every URL of every file the headers seedfeed serve sends for it, the WebSub Link included", async () => {
  const errors: string[] = [];
  const netlify = new HeadersHandler({ projectDir: site.out, logger: { error: (m: string) => errors.push(m), log: () => {}, warn: (m: string) => errors.push(m) } as never });
  const server = await startServer({ dir: site.out, port: 0, host: "127.0.0.1" });
  try {
    const netlifyHeaders = async (url: string) => new Headers(await netlify.apply(new Request(new URL(url, "https://site.example"))));
    expect(site.result.files.filter((f) => f.path.startsWith("tags/")).length).toBeGreaterThan(10);
    let linked = 0;
    for (const f of site.result.files) {
      const url = urlPathOf(f.path);
      const theirs = await netlifyHeaders(url);
      const ours = (await fetch(new URL(url, server.url), { redirect: "manual" })).headers;
      for (const name of [...SAME_HEADERS, "link", "vary"]) expect(theirs.get(name), `${name} of ${url}`).toBe(ours.get(name));
      if (ours.get("link")) linked++;
      // Netlify also serves a file at its other forms (serve redirects them): with the same headers.
      for (const other of urlPathsOf(f.path).filter((u) => u !== url)) {
        const alias = await netlifyHeaders(other);
        for (const name of [...SAME_HEADERS, "link"]) expect(alias.get(name), `${name} of ${other}`).toBe(ours.get(name));
      }
    }
    expect(linked).toBeGreaterThan(10);
    expect(errors).toEqual([]);
  } finally {
    await server.close();
  }
});
