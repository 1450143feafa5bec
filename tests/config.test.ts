// Site configuration: defaults, file, overrides; every bad key is named in the error.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, loadConfig, validateConfig } from "../src/config.ts";
import { useTempDirs } from "./helpers/tmp.ts";

const tmp = useTempDirs();

function problemOf(raw: Record<string, unknown>): string {
  try {
    validateConfig(raw, "site.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("validateConfig", () => {
  it("fills every key from the defaults", () => {
    expect(validateConfig({}, "x")).toEqual(DEFAULTS);
  });

  it("adds the missing trailing slash to baseUrl, so relative URLs resolve under it", () => {
    const c = validateConfig({ baseUrl: "https://example.org/blog" }, "x");
    expect(c.baseUrl).toBe("https://example.org/blog/");
    expect(new URL("rss.xml", c.baseUrl).href).toBe("https://example.org/blog/rss.xml");
  });

  it("takes an author given as text as the author's name", () => {
    expect(validateConfig({ author: "Ada" }, "x").author).toEqual({ name: "Ada" });
  });

  it("keeps a full author", () => {
    const author = { name: "Ada", email: "ada@example.org", url: "https://ada.example/" };
    expect(validateConfig({ author }, "x").author).toEqual(author);
  });

  it("an unknown key is an error naming the key and the origin", () => {
    const msg = problemOf({ feedsize: 10 });
    expect(msg).toContain("site.json");
    expect(msg).toContain('"feedsize"');
    expect(msg).toMatch(/unknown key/);
  });

  it.each([0, -1, 1.5, "10", 10_001, null])("feedSize %j is an error naming feedSize", (v) => {
    const msg = problemOf({ feedSize: v });
    expect(msg).toContain('"feedSize"');
    expect(msg).toContain(JSON.stringify(v));
  });

  it.each([1, 10_000])("feedSize %j is fine", (v) => {
    expect(validateConfig({ feedSize: v }, "x").feedSize).toBe(v);
  });

  it.each([
    ["baseUrl", "example.org"],
    ["baseUrl", "ftp://example.org/"],
    ["baseUrl", "https://example.org/?a=1"],
    ["baseUrl", "https://example.org/#top"],
    ["title", ""],
    ["title", "   "],
    ["description", 5],
    ["language", "english language"],
    ["language", ""],
    ["tagPrefix", "https://example.org/"],
    ["tagPrefix", "tag:example.org,2025"],
    ["tagPrefix", "tag:example.org:"],
    ["author", { email: "a@example.org" }],
    ["author", { name: "A", email: "not an address" }],
    ["author", { name: "A", url: "javascript:alert(1)" }],
    ["author", { name: "A", twitter: "@a" }],
    ["author", ["A"]],
  ])("%s = %j is an error naming the key", (key, value) => {
    expect(problemOf({ [key]: value })).toContain(`"${key}"`);
  });

  it.each([
    ["title", "a\u0001b"],
    ["description", "tab\t ok but not \u000b"],
    ["author", { name: "x\u001by" }],
    ["author", "\u0000"],
  ])("%s with a control character is an error naming the key (it would make every feed malformed)", (key, value) => {
    expect(problemOf({ [key]: value })).toMatch(new RegExp(`"${key}".*control characters`));
  });

  it("tabs and non-ASCII text are fine in config text", () => {
    expect(validateConfig({ title: "Tab\there · ünïcödé 🌱", author: "עברית" }, "x").title).toBe("Tab\there · ünïcödé 🌱");
  });

  it("reports every bad key at once, one a line", () => {
    const msg = problemOf({ feedSize: 0, language: "??", bogus: true });
    const lines = msg.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.startsWith("site.json: "))).toBe(true);
    expect(msg).toContain('"feedSize"');
    expect(msg).toContain('"language"');
    expect(msg).toContain('"bogus"');
  });
});

describe("loadConfig", () => {
  it("reads a file and puts command-line overrides on top", async () => {
    const dir = await tmp.make();
    const file = join(dir, "site.json");
    await writeFile(file, JSON.stringify({ title: "From file", feedSize: 5, author: { name: "File", email: "f@example.org" } }));
    const c = await loadConfig(file, { feedSize: 7, author: "Flag" });
    expect(c.title).toBe("From file");
    expect(c.feedSize).toBe(7);
    // --author sets the name only; the file's e-mail stays.
    expect(c.author).toEqual({ name: "Flag", email: "f@example.org" });
  });

  it("a bad key in the file is named with the file's path", async () => {
    const dir = await tmp.make();
    const file = join(dir, "site.json");
    await writeFile(file, JSON.stringify({ feedSize: 0 }));
    await expect(loadConfig(file, {})).rejects.toThrow(ConfigError);
    await expect(loadConfig(file, {})).rejects.toThrow(new RegExp(`${file}.*"feedSize"`));
  });

  it("a bad file is reported even when a flag overrides the same key", async () => {
    const dir = await tmp.make();
    const file = join(dir, "site.json");
    await writeFile(file, JSON.stringify({ unknownThing: 1 }));
    await expect(loadConfig(file, { feedSize: 3 })).rejects.toThrow(/"unknownThing"/);
  });

  it("a bad override is named as coming from the command line", async () => {
    const dir = await tmp.make();
    const file = join(dir, "site.json");
    await writeFile(file, "{}");
    await expect(loadConfig(file, { feedSize: Number("abc") })).rejects.toThrow(/command-line options.*"feedSize"/);
  });

  it("invalid JSON, a JSON array and a missing explicit file are errors naming the path", async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, "bad.json"), "{ title: 'x' }");
    await writeFile(join(dir, "array.json"), "[]");
    await expect(loadConfig(join(dir, "bad.json"), {})).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadConfig(join(dir, "array.json"), {})).rejects.toThrow(/array\.json: must hold a JSON object/);
    await expect(loadConfig(join(dir, "missing.json"), {})).rejects.toThrow(/missing\.json: cannot be read \(ENOENT\)/);
  });
});
