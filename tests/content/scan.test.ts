// loadSeeds over real folders: every problem of every seed is collected, none stops the others.

import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SEED_BYTES, parseSeedBytes, parseSeedMeta } from "../../src/content/parse.ts";
import { loadSeeds, scanSeeds, type ScanResult } from "../../src/content/scan.ts";
import type { SeedIndex } from "../../src/content/seed-index.ts";
import { markdownSeed, textSeed, writeSeeds } from "../helpers/files.ts";
import type { Diagnostic } from "../../src/types.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const errorsOf = (d: Diagnostic[]) => d.filter((x) => x.severity === "error");

describe("loadSeeds", () => {
  it("reads both formats from nested folders, newest first, ties broken by id", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_000000000000000b.txt": textSeed({ date: "2025-03-01", title: "B", paragraphs: ["b"] }),
      "002_000000000000000a.txt": textSeed({ date: "2025-03-01", title: "A", paragraphs: ["a"] }),
      "2025/deep/newest.md": markdownSeed(["title: Newest", "date: 2025-04-01T10:00:00Z"], "n\n"),
      "old.markdown": markdownSeed(["title: Old", "date: 2024-12-31"], "o\n"),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(diagnostics).toEqual([]);
    expect(articles.map((a) => [a.id, a.source])).toEqual([
      ["newest", "2025/deep/newest.md"],
      ["000000000000000a", "002_000000000000000a.txt"],
      ["000000000000000b", "001_000000000000000b.txt"],
      ["old", "old.markdown"],
    ]);
  });

  it("names seeds the same whether the folder is given with a trailing slash, relative or absolute", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": textSeed({ date: "2025-03-01", title: "Text", paragraphs: ["t"] }),
      "sub/post.md": markdownSeed(["title: Post", "date: 2025-03-02"], "p\n"),
    });
    const reference = await loadSeeds(dir);
    expect(reference.diagnostics).toEqual([]);
    expect(reference.articles.map((a) => a.source)).toEqual(["sub/post.md", "001_00000000000000aa.txt"]);
    const rel = relative(process.cwd(), dir);
    for (const spelling of [`${dir}/`, `${dir}//`, rel, `${rel}/`, `./${rel}`]) {
      expect(await loadSeeds(spelling), spelling).toEqual(reference);
    }
  });

  it("skips dotfiles, dot-folders and editor backups silently; warns about other extensions", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": textSeed({ date: "2025-03-01", title: "Kept", paragraphs: [] }),
      ".hidden.md": "not a seed",
      ".git/notes.md": "not a seed",
      "draft.md~": "backup",
      "image.png": "png",
      "sub/readme.rst": "rst",
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => a.title)).toEqual(["Kept"]);
    expect(diagnostics).toEqual([
      { severity: "warning", file: "image.png", message: expect.stringMatching(/ignored/) },
      { severity: "warning", file: "sub/readme.rst", message: expect.stringMatching(/ignored/) },
    ]);
  });

  it("two seeds with the same identity: both reported, neither built", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_5eedfeed0000000a.txt": textSeed({ date: "2025-03-01", title: "Text", paragraphs: [] }),
      "other.md": markdownSeed(["title: Markdown", "date: 2025-03-02", "id: 5eedfeed0000000a"], "x\n"),
      "002_5EEDFEED0000000A.txt": textSeed({ date: "2025-03-03", title: "Upper-case twin", paragraphs: [] }),
      "unique.md": markdownSeed(["title: Unique", "date: 2025-03-04"], "u\n"),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => a.id)).toEqual(["unique"]);
    const dup = errorsOf(diagnostics);
    expect(dup.map((d) => d.file)).toEqual(["001_5eedfeed0000000a.txt", "002_5EEDFEED0000000A.txt", "other.md"]);
    for (const d of dup) {
      expect(d.message).toContain('"5eedfeed0000000a"');
      // Each names the others.
      for (const other of dup.filter((o) => o !== d)) expect(d.message).toContain(other.file);
    }
    expect(dup.find((d) => d.file === "other.md")?.line).toBe(1);
  });

  it("two Markdown seeds in different folders with the same file name clash by identity", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "a/post.md": markdownSeed(["title: A", "date: 2025-03-01"], "a\n"),
      "b/post.md": markdownSeed(["title: B", "date: 2025-03-01"], "b\n"),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles).toEqual([]);
    expect(errorsOf(diagnostics).map((d) => [d.file, d.message])).toEqual([
      ["a/post.md", expect.stringContaining("b/post.md")],
      ["b/post.md", expect.stringContaining("a/post.md")],
    ]);
  });

  it("a seed over the size limit is an error naming the limit, and is not read", async () => {
    const dir = await tmp.make();
    const body = "x".repeat(MAX_SEED_BYTES); // header + title + this > limit
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": textSeed({ date: "2025-03-01", title: "Huge", paragraphs: [body] }),
      "002_00000000000000bb.txt": textSeed({ date: "2025-03-01", title: "Small", paragraphs: ["s"] }),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => a.title)).toEqual(["Small"]);
    expect(diagnostics).toEqual([
      { severity: "error", file: "001_00000000000000aa.txt", line: undefined, message: expect.stringContaining(String(MAX_SEED_BYTES)) },
    ]);
  });

  it("a seed of exactly the size limit is accepted; one byte more is not", () => {
    const header = " date 2025-03-01 1\nT\n";
    const exact = Buffer.from(header + "y".repeat(MAX_SEED_BYTES - Buffer.byteLength(header)));
    expect(exact.length).toBe(MAX_SEED_BYTES);
    expect(parseSeedBytes("001_00000000000000aa.txt", exact).diagnostics).toEqual([]);
    const over = Buffer.concat([exact, Buffer.from("y")]);
    expect(errorsOf(parseSeedBytes("001_00000000000000aa.txt", over).diagnostics)).toEqual([
      { severity: "error", file: "001_00000000000000aa.txt", line: undefined, message: expect.stringContaining(`${over.length} bytes`) },
    ]);
  });

  it("the scan's metadata-only parse says exactly what a whole parse says, for valid and invalid seeds of both formats", () => {
    const seeds: [string, string | Buffer][] = [
      ["001_00000000000000aa.txt", " date 2025-03-01 7\nA title\nFirst paragraph.\nSecond.\n"],
      ["002_00000000000000bb.txt", " date 2025-02-30 1\nBad date\n"],
      ["003_00000000000000cc.txt", " date 2025-03-01 1\n\n"],
      ["004_00000000000000dd.txt", " date 2025-03-01 1\nControl \u0007 character\nBody \u0001.\n"],
      ["005_00000000000000ee.txt", Buffer.from([0x20, 0x64, 0xff, 0x0a])],
      ["bad-name.txt", " date 2025-03-01 1\nT\n"],
      ["posts/good.md", "---\ntitle: Good\ndate: 2025-03-01\ntags: [b, a]\nauthor: Ada\nextra: 1\n---\nBody *text*.\n"],
      ["posts/summary.md", "---\ntitle: S\ndate: 2025-03-01\nupdated: 2025-03-02\nsummary: Given.\n---\nBody.\n"],
      ["posts/yaml.md", "---\ntitle: [unclosed\ndate: 2025-03-01\n---\nBody\n"],
      ["posts/tag.md", "---\ntitle: !!js/function x\ndate: 2025-03-01\n---\n"],
      ["posts/no-front.md", "Just text\n"],
      ["posts/dates.md", "---\ntitle: D\ndate: 2025-03-02\nupdated: 2025-03-01\n---\n"],
      ["posts/ctl.md", '---\ntitle: "a\\u0001b"\ndate: 2025-03-01\n---\nx\n'],
    ];
    for (const [name, text] of seeds) {
      const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
      const whole = parseSeedBytes(name, bytes);
      const { summary: _summary, contentHtml: _contentHtml, ...meta } = whole.article ?? { summary: "", contentHtml: "" };
      expect(parseSeedMeta(name, bytes), name).toEqual({ ...(whole.article ? { meta } : {}), diagnostics: whole.diagnostics });
    }
  });

  it("reports every invalid seed of a folder at once, sorted by file and line, and keeps the valid ones", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": " date 2025-02-30 1\nBad date\n",
      "002_00000000000000bb.txt": " date 2025-02-03 1\n\nNo title\n",
      "003_00000000000000cc.txt": Buffer.from([0x20, 0x64, 0xff]),
      "bad-yaml.md": "---\ntitle: [\n---\n",
      "no-date.md": markdownSeed(["title: T"], "x\n"),
      "z/bad name.txt": textSeed({ date: "2025-03-01", title: "T", paragraphs: [] }),
      "ok.md": markdownSeed(["title: Fine", "date: 2025-03-01"], "x\n"),
      "004_00000000000000dd.txt": textSeed({ date: "2025-03-02", title: "Also fine", paragraphs: ["p"] }),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => a.title)).toEqual(["Also fine", "Fine"]);
    const errs = errorsOf(diagnostics);
    expect(errs.map((e) => [e.file, e.line])).toEqual([
      ["001_00000000000000aa.txt", 1],
      ["002_00000000000000bb.txt", 2],
      ["003_00000000000000cc.txt", 1],
      ["bad-yaml.md", expect.any(Number)],
      ["no-date.md", 1],
      ["z/bad name.txt", undefined],
    ]);
  });

  it("a symlinked seed is read like a file; a dangling one is an error for that seed only", async () => {
    const dir = await tmp.make();
    const elsewhere = await tmp.make();
    await writeSeeds(elsewhere, { "shared.md": markdownSeed(["title: Shared", "date: 2025-03-02"], "s\n") });
    await writeSeeds(dir, { "ok.md": markdownSeed(["title: Fine", "date: 2025-03-01"], "x\n") });
    await symlink(join(elsewhere, "shared.md"), join(dir, "linked.md"));
    await symlink(join(dir, "missing-target.md"), join(dir, "dangling.md"));
    await mkdir(join(dir, "folder.md")); // a folder with a seed's name is not a seed
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => [a.id, a.title])).toEqual([["linked", "Shared"], ["ok", "Fine"]]);
    expect(errorsOf(diagnostics)).toEqual([{ severity: "error", file: "dangling.md", line: undefined, message: expect.stringMatching(/cannot be read.*ENOENT/) }]);
  });

  it("a seeds folder that cannot be listed (missing, a file) is not a bad seed: the system error, with its path, is thrown", async () => {
    const root = await tmp.make();
    await expect(loadSeeds(join(root, "nope"))).rejects.toMatchObject({ code: "ENOENT", syscall: "scandir", path: join(root, "nope") });
    await writeFile(join(root, "file.md"), "x");
    await expect(loadSeeds(join(root, "file.md"))).rejects.toMatchObject({ code: "ENOTDIR", path: join(root, "file.md") });
  });

  it("control characters are removed with a warning, and the article is built without them", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": " date 2025-03-01 1\nA\u0001B\u000bC\nbody\u0000 \u001b[31mred\u0008\n",
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(diagnostics).toEqual([{ severity: "warning", file: "001_00000000000000aa.txt", line: 2, message: expect.stringMatching(/control characters/) }]);
    expect(articles[0]?.title).toBe("ABC");
    expect(articles[0]?.contentHtml).toBe("<p>body [31mred</p>");
  });
});

describe("scanSeeds of named seeds (watch mode)", () => {
  it("updates the previous result to exactly what a scan of every seed gives, through edits, moves, duplicates and invalid versions", async () => {
    const dir = await tmp.make();
    const seed = (n: number, date: string, title = `Article ${n}`) => textSeed({ date, title, paragraphs: [`body ${n}`] });
    const name = (n: number) => `${String(n).padStart(3, "0")}_${n.toString(16).padStart(16, "0")}.txt`;
    const files: Record<string, string> = {};
    for (let n = 1; n <= 12; n++) files[name(n)] = seed(n, `2025-01-${String(n).padStart(2, "0")}`);
    files["md/tagged.md"] = markdownSeed(["title: Tagged", "date: 2025-01-05T12:00:00Z", "tags: [a, b]"], "t\n");
    await writeSeeds(dir, files);
    // Two indexes see the same changes: one is scanned in full each time, the other only for the named seeds.
    const full: SeedIndex = new Map();
    const named: SeedIndex = new Map();
    await scanSeeds(dir, full, { keepLastGood: true });
    let previous: ScanResult = await scanSeeds(dir, named, { keepLastGood: true });
    const steps: [string, Record<string, string | null>][] = [
      ["a title edited", { [name(3)]: seed(3, "2025-01-03", "Retitled") }],
      ["a date moved to the newest", { [name(2)]: seed(2, "2025-02-01") }],
      ["a seed added between others", { [name(20)]: seed(20, "2025-01-07") }],
      ["a seed removed", { [name(5)]: null }],
      ["a seed taking another's identity", { "999_0000000000000001.txt": seed(999, "2025-03-01") }],
      ["the clash removed again", { "999_0000000000000001.txt": null }],
      ["a seed made invalid keeps its last good version", { [name(7)]: " date 2025-13-45 1\nBroken\nbody\n" }],
      ["the invalid seed fixed with a new date", { [name(7)]: seed(7, "2024-12-01") }],
      ["a Markdown seed retagged and a text seed added in one batch", { "md/tagged.md": markdownSeed(["title: Tagged", "date: 2025-01-05T12:00:00Z", "tags: [c]"], "t\n"), [name(21)]: seed(21, "2025-01-05") }],
    ];
    for (const [what, changes] of steps) {
      for (const [path, text] of Object.entries(changes)) {
        if (text === null) await rm(join(dir, path));
        else await writeFile(join(dir, path), text);
      }
      const expected = await scanSeeds(dir, full, { keepLastGood: true });
      const got = await scanSeeds(dir, named, { keepLastGood: true, only: Object.keys(changes), previous });
      expect(got.metas, what).toEqual(expected.metas);
      expect(got.diagnostics, what).toEqual(expected.diagnostics);
      expect(got.changed, what).toEqual(expected.changed);
      expect(got.removed, what).toEqual(expected.removed);
      previous = got;
    }
    expect(previous.diagnostics).toEqual([]);
    expect(previous.metas.map((m) => m.title)).toContain("Retitled");
  });
});
