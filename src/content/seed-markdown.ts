// Markdown seeds: YAML front matter (title, date, updated, summary, tags, author, id) and a Markdown body.

import matter from "gray-matter";
import MarkdownIt from "markdown-it";
import { parseDocument } from "yaml";
import type { Diagnostic } from "../types.ts";
import { parseSeedDate } from "./dates.ts";
import type { ParsedSeed } from "./seed-text.ts";
import { slugOf } from "./slug.ts";
import { hasXmlInvalidChars, removeXmlInvalidChars, splitLines, summarize } from "./text.ts";

/**
 * Ids become URL path segments and parts of tag: URIs, so they are kept to a safe alphabet. The first
 * character is a letter or digit: no output path, and nothing a tool is given from dist/, starts with "-".
 */
export const ARTICLE_ID = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/**
 * The id of a Markdown seed without an `id` key: its file name (without .md), lower-cased, when that is
 * already an id (as before names people use were accepted, so no such article moves); otherwise its slug:
 * "My first post" → "my-first-post", "café-crème" → "cafe-creme", "--keep-going" → "keep-going", and a
 * short hash where letters have no ASCII form ("日本語" → 8 hex digits). Two names with one slug clash
 * as duplicate ids.
 */
export function idFromFileName(name: string): string {
  const lower = name.toLowerCase();
  return ARTICLE_ID.test(lower) ? lower : slugOf(name, { hash: "lost", emptyPrefix: "", maxLength: 128 });
}
const KNOWN_KEYS = new Set(["title", "date", "updated", "summary", "tags", "author", "id"]);

// Raw HTML off: a seed's body is text, and what reaches a reader's page must not carry scripts.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

class FrontMatterError extends Error {
  /** Each problem with its file line; the first is also the error's message. */
  readonly problems: { line: number | undefined; message: string }[];
  constructor(message: string, line?: number, more: { line: number; message: string }[] = []) {
    super(message);
    this.problems = [{ line, message }, ...more];
  }
}

/** The tags of YAML 1.2's core schema, which is all the front matter is read with. */
const CORE_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!seq and !!map";

const refuseCode = () => {
  throw new FrontMatterError("front matter in JavaScript or CoffeeScript is not allowed: seeds are data and never run code");
};

// gray-matter evaluates ---js front matter with eval by default; every code engine is replaced,
// and YAML goes through the `yaml` package's core schema: dates stay strings, and any other tag
// (!!js/function, !!python/object, !!timestamp, a custom !tag) is an error, never a silent string.
const GRAY_MATTER_OPTIONS = {
  engines: {
    javascript: refuseCode,
    js: refuseCode,
    coffee: refuseCode,
    coffeescript: refuseCode,
    cson: refuseCode,
    yaml: (source: string): object => {
      // resolveKnownTags off: YAML 1.1's !!timestamp, !!binary, !!set, !!omap and !!pairs are unknown too.
      const doc = parseDocument(source, { schema: "core", resolveKnownTags: false, uniqueKeys: true, prettyErrors: false });
      const first = doc.errors[0];
      // `source` starts with the rest of the opening --- line, so its line n is the file's line n.
      // (linePos is only filled with prettyErrors; the offset is always there.)
      if (first) throw new FrontMatterError(`front matter is not valid YAML: ${first.message.split("\n")[0]}`, lineAt(source, first.pos[0]));
      const unknownTags = doc.warnings.filter((w) => w.code === "TAG_RESOLVE_FAILED").map((w) => ({
        line: lineAt(source, w.pos[0]),
        message: `unknown YAML tag ${source.slice(w.pos[0], w.pos[1]).trim()}: front matter is plain data (the tags allowed are ${CORE_TAGS})`,
      }));
      if (unknownTags.length > 0) throw new FrontMatterError(unknownTags[0]!.message, unknownTags[0]!.line, unknownTags.slice(1));
      const data: unknown = doc.toJS();
      if (data === null || data === undefined) return {};
      if (typeof data !== "object" || Array.isArray(data)) throw new FrontMatterError("front matter must be a mapping of keys to values", 2);
      return data;
    },
  },
};

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

/** The file line of a top-level key. gray-matter's `matter` starts with the rest of the opening --- line, so index n is line n + 1. */
function keyLine(frontMatter: string, key: string): number | undefined {
  const pattern = new RegExp(`^(["']?)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1\\s*:`);
  const index = splitLines(frontMatter).findIndex((l) => pattern.test(l));
  return index < 0 ? undefined : index + 1;
}

/** Plain text of the first paragraph of a Markdown body. */
function firstParagraphText(body: string): string {
  const tokens = markdown.parse(body, {});
  const open = tokens.findIndex((t) => t.type === "paragraph_open");
  const inline = open >= 0 ? tokens[open + 1] : undefined;
  if (!inline?.children) return "";
  return inline.children
    .map((t) => (t.type === "text" || t.type === "code_inline" ? t.content : t.type === "softbreak" || t.type === "hardbreak" ? " " : ""))
    .join("");
}

export function parseSeedMarkdown(source: string, text: string): ParsedSeed {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Diagnostic["severity"], line: number | undefined, message: string) =>
    diagnostics.push({ severity, file: source, line, message });
  const errorCount = () => diagnostics.filter((d) => d.severity === "error").length;

  if (!/^---[^\n]*\r?\n/.test(text)) {
    report("error", 1, 'missing front matter: a Markdown seed starts with a line "---"');
    return { diagnostics };
  }
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, GRAY_MATTER_OPTIONS as unknown as Parameters<typeof matter>[1]);
  } catch (e) {
    if (e instanceof FrontMatterError) for (const p of e.problems) report("error", p.line ?? 1, p.message);
    else report("error", 1, `front matter cannot be read: ${(e as Error).message}`);
    return { diagnostics };
  }
  const data = parsed.data as Record<string, unknown>;
  const fm = parsed.matter;
  const at = (key: string) => keyLine(fm, key);

  for (const key of Object.keys(data).sort()) {
    if (!KNOWN_KEYS.has(key)) report("warning", at(key), `unknown front matter key "${key}" is ignored`);
  }

  // YAML escapes ("\u0001", "\v") make characters that the raw-text check at load never saw.
  const clean = (key: string, value: string): string => {
    if (!hasXmlInvalidChars(value)) return value;
    report("warning", at(key), `control characters that XML and HTML cannot carry were removed from "${key}"`);
    return removeXmlInvalidChars(value);
  };
  const str = (key: string, required: boolean): string | undefined => {
    const v = data[key];
    if (v === undefined || v === null) {
      if (required) report("error", 1, `front matter has no "${key}"`);
      return undefined;
    }
    if (typeof v !== "string" && typeof v !== "number") {
      report("error", at(key), `"${key}" must be text, not ${Array.isArray(v) ? "a list" : typeof v}`);
      return undefined;
    }
    return clean(key, String(v)).trim();
  };
  const date = (key: string, required: boolean): string | undefined => {
    const v = str(key, required);
    if (v === undefined) return undefined;
    const d = parseSeedDate(v);
    if (!d.ok) report("error", at(key), `"${key}": ${d.message}`);
    return d.ok ? d.iso : undefined;
  };

  const title = str("title", true);
  if (title === "") report("error", at("title"), "empty title");
  const published = date("date", true);
  const updated = date("updated", false) ?? published;
  if (published && updated && updated < published) report("error", at("updated"), `"updated" (${updated}) is before "date" (${published})`);
  const summary = str("summary", false);
  const author = str("author", false);
  if (author === "") report("error", at("author"), "empty author");

  const explicitId = str("id", false);
  const id = explicitId === undefined ? idFromFileName(source.slice(source.lastIndexOf("/") + 1).replace(/\.(md|markdown)$/i, "")) : explicitId.toLowerCase();
  if (!ARTICLE_ID.test(id)) report("error", at("id"), `id "${id}" must be 1 to 128 of a-z, 0-9, "-" and "_", starting with a letter or digit`);

  let tags: string[] = [];
  const rawTags = data.tags;
  if (rawTags !== undefined && rawTags !== null) {
    const list = Array.isArray(rawTags) ? rawTags : [rawTags];
    if (list.some((t) => typeof t !== "string" || t.trim() === "")) report("error", at("tags"), '"tags" must be a list of non-empty texts');
    else tags = [...new Set(list.map((t: string) => clean("tags", t).trim()).filter((t) => t !== ""))].sort();
  }

  if (errorCount() > 0 || title === undefined || published === undefined || updated === undefined) return { diagnostics };

  return {
    diagnostics,
    meta: { id, source, title, published, updated, ...(author ? { author } : {}), tags },
    text: () => ({
      summary: summarize(summary ?? firstParagraphText(parsed.content)),
      contentHtml: markdown.render(parsed.content).trimEnd(),
    }),
  };
}
