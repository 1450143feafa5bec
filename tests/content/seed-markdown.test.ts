// Markdown seeds: YAML front matter and a Markdown body. Every error names the file and the line in the file.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSeedBytes } from "../../src/content/parse.ts";
import { loadSeeds } from "../../src/content/scan.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { writeSeeds } from "../helpers/files.ts";

const NAME = "posts/My-Post.md";
const parse = (text: string | Uint8Array, name = NAME) => parseSeedBytes(name, typeof text === "string" ? Buffer.from(text, "utf8") : text);
const errorsOf = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === "error");
const warningsOf = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === "warning");

/** 1-based line of the first line of `text` that starts with `prefix`: lines are counted, not typed in. */
function lineOf(text: string, prefix: string): number {
  const i = text.split(/\r?\n/).findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no line starts with ${prefix}`);
  return i + 1;
}

const tmp = useTempDirs();

const GOOD = [
  "---",
  'title: "Hello: world"',
  "date: 2025-08-18",
  "updated: 2025-09-01T09:30:00+02:00",
  "summary: A short summary.",
  "tags: [zeta, alpha, alpha, ' beta ']",
  "author: Ada Lovelace",
  "---",
  "First *paragraph*",
  "goes on.",
  "",
  "<script>alert(1)</script>",
  "",
].join("\n");

describe("markdown seeds: valid", () => {
  it("reads every front matter key and renders the body", () => {
    const r = parse(GOOD);
    expect(r.diagnostics).toEqual([]);
    expect(r.article).toEqual({
      id: "my-post",
      source: NAME,
      title: "Hello: world",
      published: "2025-08-18T00:00:00.000Z",
      updated: "2025-09-01T07:30:00.000Z",
      author: "Ada Lovelace",
      summary: "A short summary.",
      tags: ["alpha", "beta", "zeta"],
      contentHtml: "<p>First <em>paragraph</em>\ngoes on.</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    });
  });

  it("takes the id from the file name (lowercased, without folder or extension) by default", () => {
    expect(parse(GOOD, "a/b/Some_Post-2.markdown").article?.id).toBe("some_post-2");
  });

  it("takes the id from the front matter when given, lowercased", () => {
    const r = parse(GOOD.replace("author:", "id: Custom-ID_1\nauthor:"));
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.id).toBe("custom-id_1");
  });

  it("accepts an id given as a YAML number", () => {
    expect(parse(GOOD.replace("author:", "id: 2025\nauthor:")).article?.id).toBe("2025");
  });

  it("defaults: updated = date, no author, summary = first paragraph as plain text, no tags", () => {
    const r = parse("---\ntitle: T\ndate: 2025-01-02\n---\nSome `code` and **bold**\ntext.\n\nSecond.\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.article).toMatchObject({ published: "2025-01-02T00:00:00.000Z", updated: "2025-01-02T00:00:00.000Z", summary: "Some code and bold text.", tags: [] });
    expect(r.article).not.toHaveProperty("author");
  });

  it("accepts a single tag given as text", () => {
    expect(parse(GOOD.replace(/^tags:.*$/m, "tags: solo")).article?.tags).toEqual(["solo"]);
  });

  it("tolerates CRLF and a byte order mark, giving the same article", () => {
    const crlf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD.replaceAll("\n", "\r\n"))]);
    const r = parse(crlf);
    expect(r.diagnostics).toEqual([]);
    expect(r.article).toEqual(parse(GOOD).article);
  });

  it("reads YAML dates as text, not as JavaScript Dates in the local zone", () => {
    const r = parse("---\ntitle: 2025-01-01\ndate: 2025-03-04\n---\nx\n");
    expect(r.article?.title).toBe("2025-01-01");
  });
});

describe("markdown seeds: errors and warnings name the file and line", () => {
  it("missing front matter", () => {
    expect(errorsOf(parse("# Just markdown\n"))).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringMatching(/front matter/) }]);
  });

  it("missing title", () => {
    const text = "---\ndate: 2025-01-02\n---\nBody\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringContaining('"title"') }]);
  });

  it("missing date", () => {
    const text = "---\ntitle: T\n---\nBody\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringContaining('"date"') }]);
  });

  it("missing title and date, both reported", () => {
    const errs = errorsOf(parse("---\nsummary: s\n---\nBody\n"));
    expect(errs.map((e) => e.message)).toEqual([expect.stringContaining('"title"'), expect.stringContaining('"date"')]);
  });

  it("empty title, on the title's line", () => {
    const text = "---\ndate: 2025-01-02\ntitle: '  '\n---\nBody\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "title:"), message: expect.stringMatching(/empty title/) }]);
  });

  it("impossible date 2025-02-30, on the date's line", () => {
    const text = "---\ntitle: T\nsummary: s\ndate: 2025-02-30\n---\nBody\n";
    expect(errorsOf(parse(text))).toEqual([
      { severity: "error", file: NAME, line: lineOf(text, "date:"), message: expect.stringContaining("2025-02-30") },
    ]);
  });

  it("impossible time and time without zone, on their lines", () => {
    const t1 = "---\ntitle: T\ndate: 2025-02-03T25:00:00Z\n---\nB\n";
    expect(errorsOf(parse(t1))).toEqual([{ severity: "error", file: NAME, line: lineOf(t1, "date:"), message: expect.stringMatching(/impossible time/) }]);
    const t2 = "---\ntitle: T\ndate: 2025-02-03T10:00:00\n---\nB\n";
    expect(errorsOf(parse(t2))).toEqual([{ severity: "error", file: NAME, line: lineOf(t2, "date:"), message: expect.stringMatching(/time zone/) }]);
  });

  it("a date that is not a date, on its line", () => {
    const text = "---\ntitle: T\ndate: last tuesday\n---\nB\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "date:"), message: expect.stringContaining("last tuesday") }]);
  });

  it("updated before date, on the updated line", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\nupdated: 2025-03-03T23:59:59Z\n---\nBody\n";
    const errs = errorsOf(parse(text));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "updated:"), message: expect.stringMatching(/before/) }]);
  });

  it("updated equal to date is fine", () => {
    const r = parse("---\ntitle: T\ndate: 2025-03-04\nupdated: 2025-03-04T00:00:00Z\n---\nBody\n");
    expect(r.diagnostics).toEqual([]);
  });

  it.each([
    ["a list with a number", "tags: [a, 1]"],
    ["a list with an empty text", "tags: [a, '']"],
    ["a mapping", "tags: {a: b}"],
    ["a nested list", "tags: [[a]]"],
  ])("bad tags (%s), on the tags line", (_, line) => {
    const text = `---\ntitle: T\ndate: 2025-03-04\n${line}\n---\nBody\n`;
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "tags:"), message: expect.stringContaining('"tags"') }]);
  });

  it("a title that is a list, on the title line", () => {
    const text = "---\ndate: 2025-03-04\ntitle: [a, b]\n---\nB\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "title:"), message: expect.stringContaining("list") }]);
  });

  it("bad YAML: the error's line in the file", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\nsummary: [unclosed, list\nauthor: x\n---\nBody\n";
    const errs = errorsOf(parse(text));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: NAME, message: expect.stringMatching(/not valid YAML/) });
    // The parser may place the error where the list opens or where it finds it unclosed: inside the front matter, past line 3.
    expect(errs[0]!.line).toBeGreaterThanOrEqual(lineOf(text, "summary:"));
    expect(errs[0]!.line).toBeLessThanOrEqual(lineOf(text, "author:"));
  });

  it("bad YAML: a duplicate key is reported on the duplicate's line", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\nsummary: s\ntitle: again\n---\nBody\n";
    const errs = errorsOf(parse(text));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 5, message: expect.stringMatching(/not valid YAML.*unique/i) }]);
    expect(text.split("\n")[4]).toBe("title: again"); // line 5, counted
  });

  it("bad YAML: a tab indentation on line 4", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\n\tauthor: x\n---\nBody\n";
    const errs = errorsOf(parse(text));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: NAME, line: 4, message: expect.stringMatching(/not valid YAML/) });
  });

  it("front matter that is not a mapping", () => {
    const errs = errorsOf(parse("---\n- a\n- b\n---\nBody\n"));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 2, message: expect.stringMatching(/mapping/) }]);
  });

  it("unknown key: a warning on its line, the article still built", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\ncategory: x\ndraft: true\n---\nBody\n";
    const r = parse(text);
    expect(errorsOf(r)).toEqual([]);
    expect(warningsOf(r)).toEqual([
      { severity: "warning", file: NAME, line: lineOf(text, "category:"), message: expect.stringContaining('"category"') },
      { severity: "warning", file: NAME, line: lineOf(text, "draft:"), message: expect.stringContaining('"draft"') },
    ]);
    expect(r.article?.title).toBe("T");
  });

  it("unknown keys that are quoted or hold regular-expression characters are found on their line", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\n\"(odd\": 1\n'a.b+': 2\n---\nBody\n";
    const r = parse(text);
    expect(errorsOf(r)).toEqual([]);
    expect(warningsOf(r).map((w) => [w.line, w.message])).toEqual([
      [lineOf(text, '"(odd"'), expect.stringContaining('"(odd"')],
      [lineOf(text, "'a.b+'"), expect.stringContaining('"a.b+"')],
    ]);
  });

  it("unknown key, with CRLF line ends: same line", () => {
    const text = "---\r\ntitle: T\r\ndate: 2025-03-04\r\nextra: 1\r\n---\r\nBody\r\n";
    expect(warningsOf(parse(text))).toEqual([{ severity: "warning", file: NAME, line: lineOf(text, "extra:"), message: expect.stringContaining('"extra"') }]);
  });

  it.each([
    ["Has Space", "has space"],
    ["-leading-dash", "-leading-dash"],
    ["ünïcode", "ünïcode"],
    ["a/b", "a/b"],
    ["x".repeat(129), "x".repeat(129)],
  ])("invalid id %j in the front matter, on its line", (id, shown) => {
    const text = `---\ntitle: T\ndate: 2025-03-04\nid: "${id}"\n---\nBody\n`;
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "id:"), message: expect.stringContaining(`"${shown}"`) }]);
  });

  it("a file name that is not an id gives its slug (names.test.ts has the rule)", () => {
    const r = parse("---\ntitle: T\ndate: 2025-03-04\n---\nB\n", "drafts/My Post.md");
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.id).toBe("my-post");
  });

  it("an id of 128 characters is the longest allowed", () => {
    expect(parse(`---\ntitle: T\ndate: 2025-03-04\nid: ${"a".repeat(128)}\n---\nB\n`).diagnostics).toEqual([]);
  });

  it("empty author, on its line", () => {
    const text = "---\ntitle: T\ndate: 2025-03-04\nauthor: ''\n---\nB\n";
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "author:"), message: expect.stringMatching(/author/) }]);
  });

  it("reports every problem of one seed at once", () => {
    const text = "---\ntitle: T\ndate: 2025-02-30\ntags: [1]\nid: 'B A D'\n---\nB\n";
    const lines = errorsOf(parse(text)).map((e) => e.line).sort();
    expect(lines).toEqual([lineOf(text, "date:"), lineOf(text, "tags:"), lineOf(text, "id:")].sort());
  });

  it("removes control characters with a warning on their line", () => {
    const text = "---\ntitle: \"A\u0001B\"\ndate: 2025-03-04\n---\nx\u000by\n";
    const r = parse(text);
    expect(r.diagnostics).toEqual([{ severity: "warning", file: NAME, line: 2, message: expect.stringMatching(/control characters/) }]);
    expect(r.article?.title).toBe("AB");
    expect(r.article?.contentHtml).toBe("<p>xy</p>");
  });
});

describe("markdown seeds: control characters made by YAML escapes", () => {
  it("are removed from every text field with a warning on the key's line", () => {
    const text = '---\ntitle: "a\\u0001b\\vc"\ndate: 2025-01-01\ntags: ["x\\u0002", y]\nauthor: "\\x01me"\nsummary: "s\\0um"\n---\nbody\n';
    const r = parse(text);
    expect(errorsOf(r)).toEqual([]);
    expect(r.article).toMatchObject({ title: "abc", author: "me", tags: ["x", "y"], summary: "sum" });
    expect(warningsOf(r).map((w) => w.line).sort()).toEqual(
      [lineOf(text, "title:"), lineOf(text, "tags:"), lineOf(text, "author:"), lineOf(text, "summary:")].sort(),
    );
    expect(JSON.stringify(r.article)).not.toMatch(/\\u000[0-9b]/);
  });

  it("a title made only of control characters is an empty title", () => {
    const text = '---\ntitle: "\\u0001"\ndate: 2025-01-01\n---\nbody\n';
    expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: lineOf(text, "title:"), message: expect.stringMatching(/empty title/) }]);
  });
});

describe("markdown seeds: front matter in a programming language never runs", () => {
  // Each payload, if evaluated, would set a global and write a file. gray-matter evaluates ---js by default.
  const marker = (dir: string) => join(dir, "pwned.txt");
  const payloads = (dir: string): Record<string, string> => {
    const file = JSON.stringify(marker(dir));
    const js = `{ title: (globalThis.__seedfeedPwned = true, require("fs").writeFileSync(${file}, "ran"), "T"), date: "2025-01-01" }`;
    return {
      "js.md": `---js\n${js}\n---\nBody\n`,
      "javascript.md": `---javascript\n${js}\n---\nBody\n`,
      "upper.md": `---JS\n${js}\n---\nBody\n`,
      "spaced.md": `--- javascript \n${js}\n---\nBody\n`,
      "crlf.md": `---js\r\n${js}\r\n---\r\nBody\r\n`,
      "coffee.md": `---coffee\ntitle: (globalThis.__seedfeedPwned = true; require("fs").writeFileSync(${file}, "ran"); "T")\n---\nBody\n`,
      "coffeescript.md": `---coffeescript\ntitle: do -> globalThis.__seedfeedPwned = true\n---\nBody\n`,
      "cson.md": `---cson\ntitle: "T"\n---\nBody\n`,
    };
  };

  it("each code engine gives an error diagnostic and has no side effect (in process)", () => {
    delete (globalThis as Record<string, unknown>).__seedfeedPwned;
    const dir = "/nonexistent-seedfeed-dir"; // a write here would throw; the global is the witness
    for (const [name, text] of Object.entries(payloads(dir))) {
      const r = parse(text, name);
      expect(r.article, name).toBeUndefined();
      expect(errorsOf(r), name).toEqual([{ severity: "error", file: name, line: 1, message: expect.stringMatching(/not allowed/) }]);
    }
    expect((globalThis as Record<string, unknown>).__seedfeedPwned).toBeUndefined();
  });

  it("loading real files leaves no trace: no file written, no global set", async () => {
    delete (globalThis as Record<string, unknown>).__seedfeedPwned;
    const dir = await tmp.make();
    const seeds = payloads(dir);
    await writeSeeds(join(dir, "seeds"), seeds);
    const { articles, diagnostics } = await loadSeeds(join(dir, "seeds"));
    expect(articles).toEqual([]);
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => d.file).sort()).toEqual(Object.keys(seeds).sort());
    expect(existsSync(marker(dir))).toBe(false);
    expect((globalThis as Record<string, unknown>).__seedfeedPwned).toBeUndefined();
  });

  it("the witness works: the same payload, evaluated, does write the file", async () => {
    // Guards the test above against a payload that could never have had an effect.
    const dir = await tmp.make();
    const js = payloads(dir)["js.md"]!.split("\n")[1]!;
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    new Function("require", `return (${js});`)(require);
    expect(existsSync(marker(dir))).toBe(true);
    delete (globalThis as Record<string, unknown>).__seedfeedPwned;
  });

  it("JSON front matter is data and is accepted", () => {
    const r = parse('---json\n{"title": "From JSON", "date": "2025-01-01"}\n---\nBody\n', "j.md");
    expect(errorsOf(r)).toEqual([]);
    expect(r.article?.title).toBe("From JSON");
  });
});

describe("markdown seeds: YAML tags other than the core schema's are errors naming the line and the tag", () => {
  it.each([
    ["title", "!!js/function 'function () { return 1 }'", "!!js/function"],
    ["title", "!!js/regexp /x/", "!!js/regexp"],
    ["title", "!!js/undefined ''", "!!js/undefined"],
    ["summary", "!!python/object/apply:os.system ['ls']", "!!python/object/apply:os.system"],
    ["summary", "!!python/name:os.system ''", "!!python/name:os.system"],
    ["author", "!custom someone", "!custom"],
    ["author", "!<tag:example.org,2025:person> someone", "!<tag:example.org,2025:person>"],
    ["tags", "!!set {a, b}", "!!set"],
    ["summary", "!!binary aGVsbG8=", "!!binary"],
    ["updated", "!!timestamp 2025-03-05", "!!timestamp"],
  ])("%s: %s", (key, value, tag) => {
    const fields: Record<string, string> = { title: "T", date: "2025-03-04", [key]: value };
    const text = `---\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("\n")}\n---\nBody\n`;
    const r = parse(text);
    expect(r.article).toBeUndefined();
    expect(errorsOf(r)).toEqual([{ severity: "error", file: NAME, line: lineOf(text, `${key}:`), message: expect.stringContaining(`unknown YAML tag ${tag}`) }]);
  });

  it("a tag on a block collection is reported on the tag's line, and every unknown tag of a seed is reported", () => {
    const text = "---\ntitle: !!js/function >\n  function () {}\ndate: 2025-03-04\ntags: !!python/object/apply:os.system\n  - rm\n  - -rf\nauthor: !me x\n---\nBody\n";
    expect(errorsOf(parse(text)).map((e) => [e.line, e.message.split(":")[0]])).toEqual([
      [lineOf(text, "title:"), "unknown YAML tag !!js/function"],
      [lineOf(text, "tags:"), "unknown YAML tag !!python/object/apply"],
      [lineOf(text, "author:"), "unknown YAML tag !me"],
    ]);
  });

  it("the core schema's own tags and the non-specific tag are plain data", () => {
    const text = "---\ntitle: !!str 2025\ndate: ! 2025-03-04\nsummary: !!str yes\ntags: !!seq [!!str a, b]\nauthor: !!str Ada\n---\nBody\n";
    const r = parse(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.article).toMatchObject({ title: "2025", published: "2025-03-04T00:00:00.000Z", summary: "yes", tags: ["a", "b"], author: "Ada" });
  });
});
