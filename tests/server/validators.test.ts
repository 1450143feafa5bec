// ETag and Last-Modified: derived from content only, so they survive rebuilds, touched seeds, restarts
// and fresh clones, and change exactly when the bytes do.

import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/hash.ts";
import { etagOf } from "../../src/server/from-manifest.ts";
import {
  CODINGS, SEEDS, buildInto, decode, copySeeds, entry, get, makeTempDir, portOf, readManifest, removeDir, serve,
  startFixture, stylesheetPath, urlsFor, validatorSnapshot, writeSeeds, type Fixture, type TestCoding,
} from "./helpers.ts";

describe("validators of one build", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture("validators");
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("sends a strong ETag from the sha-256 of the identity bytes the body decodes to and the coding, different for each encoding", async () => {
    let compressedSeen = 0;
    for (const f of fx.manifest.files) {
      const codings = CODINGS.filter((c) => c === "identity" || f[c] !== undefined);
      const etags = new Set<string>();
      for (const coding of codings) {
        const r = await get(fx.port, urlsFor(f.path)[0]!, { "Accept-Encoding": coding });
        expect(r.status, f.path).toBe(200);
        expect(r.headers["content-encoding"], `${f.path} ${coding}`).toBe(coding === "identity" ? undefined : coding);
        const etag = r.headers.etag!;
        expect(etag, `${f.path} ${coding}`).toMatch(/^"[^"]+"$/); // strong: no W/
        // The scheme, spelled out: "<32 hex digits>" for identity, "<32 hex digits>-<coding>" for the others.
        const tag = sha256(decode(r.body, r.headers["content-encoding"])).slice(0, 32);
        expect(etag, `${f.path} ${coding}`).toBe(coding === "identity" ? `"${tag}"` : `"${tag}-${coding}"`);
        expect(etag).toBe(etagOf(tag, coding));
        if (coding === "identity") expect(etag).toBe(etagOf(sha256(r.body)));
        etags.add(etag);
        if (coding !== "identity") compressedSeen++;
      }
      expect(etags.size, `${f.path}: one ETag per encoding`).toBe(codings.length);
    }
    // The fixture must really exercise compressed variants, or the test above proves little.
    expect(compressedSeen).toBeGreaterThanOrEqual(10);
    for (const feed of ["rss.xml", "atom.xml", "feed.json", "index.html"]) {
      expect(entry(fx.manifest, feed).br, feed).toBeDefined();
      expect(entry(fx.manifest, feed).gzip, feed).toBeDefined();
    }
  });

  it("an ETag identifies bytes: the identity body is exactly the file in dist/", async () => {
    for (const f of fx.manifest.files) {
      const r = await get(fx.port, urlsFor(f.path)[0]!);
      expect(r.body.equals(await readFile(join(fx.distDir, f.path))), f.path).toBe(true);
    }
  });

  it("Last-Modified is the newest content date a file shows, never a file's mtime", async () => {
    // Dates from the fixture seeds (markdown-one is the newest: updated 2025-06-02T08:30:00Z).
    const newest = new Date("2025-06-02T08:30:00Z").toUTCString();
    const expected: Record<string, string | undefined> = {
      "/rss.xml": newest,
      "/atom.xml": newest,
      "/feed.json": newest,
      // The index shows publication dates only: markdown-one's, 2025-05-20, is the newest it shows.
      "/": new Date("2025-05-20T00:00:00Z").toUTCString(),
      "/articles/markdown-one": newest,
      "/articles/markdown-two": new Date("2025-01-15T00:00:00Z").toUTCString(),
      "/articles/5eed5e7e00000001": new Date("2025-03-01T00:00:00Z").toUTCString(),
      "/articles/5eed5e7e00000002": new Date("2025-04-12T00:00:00Z").toUTCString(),
      "/404.html": undefined, // shows no dated content: no Last-Modified at all
      [`/${stylesheetPath(fx.manifest)}`]: undefined,
    };
    for (const [url, lastModified] of Object.entries(expected)) {
      const r = await get(fx.port, url);
      expect(r.status, url).toBe(200);
      expect(r.headers["last-modified"], url).toBe(lastModified);
    }
    // And none of them is an mtime of dist/ or of a seed (those are all from this test run).
    const mtimes = new Set<string>();
    for (const f of fx.manifest.files) mtimes.add(new Date((await stat(join(fx.distDir, f.path))).mtimeMs).toUTCString());
    for (const name of Object.keys(SEEDS)) mtimes.add(new Date((await stat(join(fx.seedsDir, name))).mtimeMs).toUTCString());
    for (const lm of Object.values(expected)) if (lm) expect(mtimes.has(lm)).toBe(false);
  });
});

describe("validators across builds", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("validators-stable");
  });
  afterAll(async () => {
    await removeDir(root);
  });

  async function snapshotOf(distDir: string) {
    const server = await serve(distDir);
    try {
      return await validatorSnapshot(portOf(server), await readManifest(distDir));
    } finally {
      await server.close();
    }
  }

  it("are the same after a rebuild, touched seeds, a restart and a fresh clone", async () => {
    const seeds = join(root, "stable-seeds");
    const dist = join(root, "stable-dist");
    await writeSeeds(seeds);
    await buildInto(seeds, dist);
    const server = await serve(dist);
    const first = await validatorSnapshot(portOf(server), await readManifest(dist));
    // Not vacuous: every file at every URL and encoding has an ETag, and the dated ones a Last-Modified.
    expect(Object.keys(first).length).toBeGreaterThan(20);
    expect(Object.values(first).every((v) => v.etag)).toBe(true);
    expect(first["/rss.xml br"]?.lastModified).toBeDefined();

    // Rebuild of unchanged seeds into the same dist/, served by a new server.
    await buildInto(seeds, dist);
    expect(await snapshotOf(dist), "after a rebuild").toEqual(first);

    // Every seed's mtime moved (to the future and back to the past), then a rebuild.
    for (const name of Object.keys(SEEDS)) await utimes(join(seeds, name), new Date("2031-01-01T00:00:00Z"), new Date("2031-01-01T00:00:00Z"));
    await buildInto(seeds, dist);
    expect(await snapshotOf(dist), "after touching the seeds").toEqual(first);
    for (const name of Object.keys(SEEDS)) await utimes(join(seeds, name), new Date("2001-01-01T00:00:00Z"), new Date("2001-01-01T00:00:00Z"));
    await buildInto(seeds, dist);
    expect(await snapshotOf(dist), "after touching the seeds again").toEqual(first);

    // A restart of the server on the same dist/.
    await server.close();
    const restarted = await serve(dist);
    try {
      expect(await validatorSnapshot(portOf(restarted), await readManifest(dist)), "after a restart").toEqual(first);
    } finally {
      await restarted.close();
    }

    // A fresh clone: the seeds copied into a brand new folder (new mtimes), built into a brand new dist/.
    const clone = await makeTempDir("validators-clone");
    try {
      await copySeeds(seeds, join(clone, "seeds"));
      await buildInto(join(clone, "seeds"), join(clone, "dist"));
      expect(await snapshotOf(join(clone, "dist")), "in a fresh clone").toEqual(first);
    } finally {
      await removeDir(clone);
    }
  });

  it("change with the content: a body edit changes the ETags of what shows it, Last-Modified stays the content's date, untouched pages keep theirs", async () => {
    const seeds = join(root, "edit-seeds");
    const dist = join(root, "edit-dist");
    await writeSeeds(seeds);
    await buildInto(seeds, dist);
    const before = await snapshotOf(dist);

    // markdown-two is the oldest article and has no "updated": editing its body gives nothing a newer date.
    await writeFile(join(seeds, "markdown-two.md"), SEEDS["markdown-two.md"]!.replace("Editing this body", "Editing THIS body"));
    await buildInto(seeds, dist);
    const after = await snapshotOf(dist);

    const ms = (v: string | undefined) => Date.parse(v ?? "");
    for (const coding of ["identity", "br", "gzip"] as TestCoding[]) {
      for (const url of ["/rss.xml", "/atom.xml", "/feed.json", "/articles/markdown-two"]) {
        const key = `${url} ${coding}`;
        expect(after[key]?.etag, key).not.toBe(before[key]?.etag);
        // No date of the content moved, and Last-Modified never depends on the previous build.
        expect(ms(after[key]?.lastModified), key).toBe(ms(before[key]?.lastModified));
      }
      for (const url of ["/articles/markdown-one", "/articles/5eed5e7e00000001", "/articles/5eed5e7e00000002"]) {
        const key = `${url} ${coding}`;
        expect(after[key], key).toEqual(before[key]);
        expect(after[key]?.etag, key).toBeDefined();
      }
    }

    // Rebuilding the edited seeds again changes nothing.
    await buildInto(seeds, dist);
    expect(await snapshotOf(dist)).toEqual(after);

    // A newer "updated" date on the newest article becomes the feeds' Last-Modified.
    await writeFile(join(seeds, "markdown-one.md"), SEEDS["markdown-one.md"]!.replace("updated: 2025-06-02T08:30:00Z", "updated: 2025-07-04T12:00:00Z"));
    await buildInto(seeds, dist);
    const later = await snapshotOf(dist);
    // (The index page shows publication dates only: its bytes, and so its validators, stay.)
    expect(later["/ identity"]).toEqual(after["/ identity"]);
    for (const url of ["/rss.xml", "/atom.xml", "/feed.json", "/articles/markdown-one"]) {
      expect(later[`${url} identity`]?.etag, url).not.toBe(after[`${url} identity`]?.etag);
      expect(later[`${url} identity`]?.lastModified, url).toBe(new Date("2025-07-04T12:00:00Z").toUTCString());
    }
    expect(later["/articles/5eed5e7e00000001 br"]).toEqual(before["/articles/5eed5e7e00000001 br"]);
  });
});
