// manifest.json's text: the same bytes whether or not watch mode's memo of encoded runs is used.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseManifest, serializeManifest, SiteEntries, type ManifestEntry, type ManifestMemo } from "../../src/output/manifest.ts";

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

function entry(path: string, version = "1"): ManifestEntry {
  return { path, kind: "html", contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=60", size: path.length, sha256: hex(`${path}@${version}`), key: hex(`key ${path}@${version}`).slice(0, 32) };
}

const text = (chunks: Iterable<string | Buffer>) => Buffer.concat([...chunks].map((c) => (typeof c === "string" ? Buffer.from(c) : c))).toString("utf8");

describe("serializeManifest", () => {
  const paths = Array.from({ length: 3000 }, (_, i) => `articles/${String(i).padStart(5, "0")}.html`);

  it("with a memo, writes after every kind of change exactly what it writes without one", () => {
    const memo: ManifestMemo = new Map();
    let entries = paths.map((p) => entry(p));
    const check = (what: string) => {
      const withMemo = text(serializeManifest(entries, memo));
      expect(withMemo, what).toBe(text(serializeManifest(entries)));
      expect(parseManifest(withMemo).files, what).toEqual(entries);
    };
    check("first write");
    check("nothing changed");
    entries = entries.map((e, i) => (i === 1500 ? entry(e.path, "2") : e));
    check("one entry changed");
    entries = [entry("404.html"), ...entries];
    check("a new first entry");
    entries = entries.slice(1);
    check("the first entry removed again");
    entries = entries.filter((_, i) => i % 700 !== 3);
    check("entries removed in several runs");
    entries = [...entries, entry("tags/zz/index.html")];
    check("an entry appended at the end");
    entries = [];
    check("no entries");
  });

  it("keeps the runs it wrote: an unchanged run is the very same bytes, a changed one is new", () => {
    const memo: ManifestMemo = new Map();
    const entries = paths.map((p) => entry(p));
    [...serializeManifest(entries, memo)];
    const before = new Map([...memo].map(([k, v]) => [k, v.bytes]));
    expect(before.size).toBeGreaterThan(3); // several runs of about 256 entries
    const changed = entries.map((e, i) => (i === 10 ? entry(e.path, "2") : e));
    [...serializeManifest(changed, memo)];
    const reused = [...memo].filter(([k, v]) => before.get(k) === v.bytes).length;
    expect(reused).toBeGreaterThanOrEqual(memo.size - 2);
    expect(reused).toBeLessThan(memo.size);
  });
});

describe("SiteEntries", () => {
  it("after changes, additions and removals applied in place, lists exactly the entries of a fresh sort", () => {
    const entry = (path: string, sha = "0") => ({ path, kind: "html", contentType: "text/html", cacheControl: "no-cache", size: 1, sha256: sha }) as ManifestEntry;
    const initial = ["b.html", "d.html", "f.html", "h.html"].map((p) => entry(p));
    const entries = SiteEntries.of(initial);
    const changes = new Map<string, ManifestEntry | undefined>([
      ["a.html", entry("a.html")], // before the first
      ["d.html", entry("d.html", "1")], // replaced
      ["e.html", entry("e.html")], // between two
      ["h.html", undefined], // the last, gone
      ["z.html", entry("z.html")], // after the last
      ["x.html", undefined], // gone, but never there
    ]);
    const replaced = entries.apply(changes);
    // What the changed paths held before: the commit deletes the variants they no longer have.
    expect([...replaced].map(([p, e]) => [p, e.sha256]).sort()).toEqual([["d.html", "0"], ["h.html", "0"]]);
    const expected = ["a.html", "b.html", "d.html", "e.html", "f.html", "z.html"];
    expect(entries.sorted.map((e) => e.path)).toEqual(expected);
    expect([...entries.byPath.keys()].sort()).toEqual(expected);
    expect(entries.byPath.get("d.html")!.sha256).toBe("1");
    expect(entries.sorted[2]).toBe(entries.byPath.get("d.html"));
  });
});
