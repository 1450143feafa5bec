// Markdown file names people use (spaces, accents, other scripts, a leading dash) build, with readable,
// unique, stable ids; names that give one id are an error naming both; no name is ever a flag.

import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSeeds } from "../../src/content/scan.ts";
import { tagSlug } from "../../src/render/tags.ts";
import type { Diagnostic } from "../../src/types.ts";
import { runCli } from "../helpers/cli.ts";
import { markdownSeed, writeSeeds } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const errorsOf = (d: Diagnostic[]) => d.filter((x) => x.severity === "error");
const seed = (title: string, date = "2025-03-01") => markdownSeed([`title: ${JSON.stringify(title)}`, `date: ${date}`], `${title}\n`);

async function idsOf(names: string[]): Promise<{ ids: Map<string, string>; diagnostics: Diagnostic[] }> {
  const dir = await tmp.make();
  await writeSeeds(dir, Object.fromEntries(names.map((n, i) => [n, seed(`Post ${i}`, `2025-03-${String(i + 1).padStart(2, "0")}`)])));
  const { articles, diagnostics } = await loadSeeds(dir);
  return { ids: new Map(articles.map((a) => [a.source, a.id])), diagnostics };
}

const HEX8 = /^[0-9a-f]{8}$/;

describe("ids from file names", () => {
  // Spaces, accents, ligatures and leading dashes give readable ASCII ids; names that were already ids
  // keep them exactly (no article of an existing site moves).
  const READABLE: [string, string][] = [
    ["My first post.md", "my-first-post"],
    ["café-crème.md", "cafe-creme"],
    ["-rf.md", "rf"],
    ["--keep-going.md", "keep-going"],
    ["Łódź & Straße.md", "lodz-strasse"],
    ["ﬁnal Ｖersion (2).md", "final-version-2"],
    ["İstanbul’da bir gün.markdown", "istanbul-da-bir-gun"],
    ["My_Post.md", "my_post"],
    ["a--b.md", "a--b"],
    ["Post-.md", "post-"],
    ["2024-01-01-hello.md", "2024-01-01-hello"],
    [`${"x".repeat(128)}.md`, "x".repeat(128)],
  ];

  it("names people use give readable ASCII ids, and names that were ids keep them", async () => {
    const { ids, diagnostics } = await idsOf(READABLE.map(([name]) => name));
    expect(diagnostics).toEqual([]);
    expect([...ids].sort()).toEqual([...READABLE].sort());
  });

  it("letters with no ASCII form give a short hash, after the ASCII words if any", async () => {
    const { ids, diagnostics } = await idsOf(["日本語.md", "中文.md", "Ελληνικά.md", "Über 日本.md", "Über 中国.md", "русский-2.md"]);
    expect(diagnostics).toEqual([]);
    expect(ids.get("日本語.md")).toMatch(HEX8);
    expect(ids.get("Ελληνικά.md")).toMatch(HEX8);
    expect(ids.get("Über 日本.md")).toMatch(/^uber-[0-9a-f]{8}$/);
    expect(ids.get("русский-2.md")).toMatch(/^2-[0-9a-f]{8}$/);
    // Unique: no two of these names share an id.
    expect(new Set(ids.values()).size).toBe(ids.size);
  });

  it("a name too long for an id is cut to 128 characters with a hash, so two long names stay apart", async () => {
    const long = "A very long title ".repeat(12);
    const { ids, diagnostics } = await idsOf([`${long}one.md`, `${long}two.md`]);
    expect(diagnostics).toEqual([]);
    const [one, two] = [ids.get(`${long}one.md`)!, ids.get(`${long}two.md`)!];
    for (const id of [one, two]) expect(id).toMatch(/^a-very-long-title-[a-z0-9-]*-[0-9a-f]{8}$/);
    expect(one.length).toBeLessThanOrEqual(128);
    expect(one).not.toBe(two);
  });

  it("is stable: the same name in another Unicode normal form gives the same id (macOS writes NFD)", async () => {
    const nfc = "Crème brûlée 日本.md".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    const a = await idsOf([nfc]);
    const b = await idsOf([nfd]);
    expect(a.ids.get(nfc)).toBe(b.ids.get(nfd));
    expect(a.ids.get(nfc)).toMatch(/^creme-brulee-[0-9a-f]{8}$/);
  });
});

describe("two names, one id", () => {
  it.each([
    ["My Post.md", "my-post.md"],
    ["café.md", "Cafe.md"],
    ["Crème.md".normalize("NFC"), "Crème.md".normalize("NFD")],
    ["a/Hello World.md", "b/hello  world!.md"],
    ["--keep-going.md", "keep going.md"],
  ])("%j and %j: an error on each naming the other, neither built", async (x, y) => {
    const { ids, diagnostics } = await idsOf([x, y]);
    expect(ids.size).toBe(0);
    const errs = errorsOf(diagnostics);
    expect(errs.map((d) => d.file).sort()).toEqual([x, y].sort());
    for (const d of errs) {
      const other = d.file === x ? y : x;
      expect(d.message).toContain(`also used by ${other}`);
      expect(d.message).toMatch(/rename one of them, or give it its own "id"/);
    }
  });
});

describe("explicit ids", () => {
  it("are taken as written, lower-cased, and must already be ids: never turned into slugs", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "a.md": markdownSeed(["title: A", "date: 2025-03-01", "id: Keep-Going"], "a\n"),
      "b.md": markdownSeed(["title: B", "date: 2025-03-02", "id: '--keep-going'"], "b\n"),
      "c.md": markdownSeed(["title: C", "date: 2025-03-03", "id: café"], "c\n"),
      "My first post.md": markdownSeed(["title: D", "date: 2025-03-04", "id: first"], "d\n"),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => [a.source, a.id])).toEqual([["My first post.md", "first"], ["a.md", "keep-going"]]);
    expect(errorsOf(diagnostics).map((d) => [d.file, d.line, d.message])).toEqual([
      ["b.md", 4, expect.stringContaining('id "--keep-going" must be 1 to 128 of a-z')],
      ["c.md", 4, expect.stringContaining('id "café" must be')],
    ]);
  });
});

describe("tag slugs follow the same rule", () => {
  it("accents become ASCII; a tag that changes on the way keeps its hash, so different tags never share a page", () => {
    expect(tagSlug("Go")).toBe("go");
    expect(tagSlug("Café")).toMatch(/^cafe-[0-9a-f]{8}$/);
    expect(tagSlug("Café".normalize("NFD"))).toBe(tagSlug("Café"));
    expect(tagSlug("C++")).toMatch(/^c-[0-9a-f]{8}$/);
    expect(tagSlug("C++")).not.toBe(tagSlug("C#"));
    expect(tagSlug("日本")).toMatch(/^t-[0-9a-f]{8}$/);
  });
});

describe("no file name is ever a flag", () => {
  // A real `seedfeed build` run: the names go through the CLI's own folder reading, and what it writes
  // is what any tool given dist/ (a sync, an upload) would see.
  const hostile = ["--keep-going.md", "-rf.md", "--help.md", "My first post.md", "café-crème.md", "日本語.md"];

  it("seedfeed build builds them, and every part of every path it writes starts with a letter, a digit, _ or .", { timeout: 60_000 }, async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await writeSeeds(seeds, Object.fromEntries(hostile.map((n, i) => [n, seed(`Post ${i}`, `2025-03-0${i + 1}`)])));
    // Run from inside the seeds folder, where a shell glob of the names would start with the dashes.
    const r = await runCli(["build", "--seeds", ".", "--out", join(root, "dist"), "--base-url", "https://example.org/"], { cwd: seeds });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built 6 articles/);
    const written = (await readdir(join(root, "dist"), { recursive: true })).map((p) => p.split("\\").join("/"));
    for (const id of ["keep-going", "rf", "help", "my-first-post", "cafe-creme"]) expect(written).toContain(`articles/${id}.html`);
    expect(written.filter((p) => p.split("/").some((part) => !/^[A-Za-z0-9_.]/.test(part)))).toEqual([]);
  });

  it("a seed named --keep-going.md does not turn --keep-going on", { timeout: 60_000 }, async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await writeSeeds(seeds, { "--keep-going.md": seed("Flag-like"), "broken.md": "---\ntitle: Broken\n---\nno date\n" });
    const r = await runCli(["build", "--seeds", seeds, "--out", join(root, "dist"), "--base-url", "https://example.org/"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("broken.md:1: error:");
    expect(r.stderr).toMatch(/build failed/);
    await writeFile(join(seeds, "broken.md"), seed("Fixed"));
    const fixed = await runCli(["build", "--seeds", seeds, "--out", join(root, "dist"), "--base-url", "https://example.org/"]);
    expect(fixed.code).toBe(0);
  });
});
