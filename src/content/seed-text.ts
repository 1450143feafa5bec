// The seed text format: " date YYYY-MM-DD N", a title line, then body paragraphs one a line.

import type { Article, ArticleMeta, Diagnostic } from "../types.ts";
import { parseSeedDate } from "./dates.ts";
import { escapeHtml } from "../escape.ts";
import { splitLines, summarize } from "./text.ts";

/** NNN_<16 hex>.txt; the hex is the article's identity. */
export const SEED_TEXT_NAME = /^(\d+)_([0-9a-fA-F]{16})\.txt$/;
const HEADER = /^ ?date (\S+) ([+-]?\d+)[ \t]*$/;

export interface ParseResult {
  article?: Article;
  diagnostics: Diagnostic[];
}

/**
 * One seed read in two steps: its metadata and diagnostics, and, only when asked, its text (the summary
 * and the body's HTML, which a Markdown seed renders). A scan needs the metadata alone; the text is made
 * for the pages that show it.
 */
export interface ParsedSeed {
  /** Set when the seed is valid. */
  meta?: ArticleMeta;
  diagnostics: Diagnostic[];
  /** The summary and body of a valid seed; no diagnostics come from them. */
  text?: () => Pick<Article, "summary" | "contentHtml">;
}

/** Parses one seed text file (already decoded). `source` names it in diagnostics. */
export function parseSeedText(source: string, text: string): ParsedSeed {
  const errors: Diagnostic[] = [];
  const fail = (line: number | undefined, message: string) => errors.push({ severity: "error", file: source, line, message });

  const base = source.slice(source.lastIndexOf("/") + 1);
  const name = SEED_TEXT_NAME.exec(base);
  if (!name) fail(undefined, `file name "${base}" is not NNN_<16 hex digits>.txt`);

  const lines = splitLines(text);
  const header = lines[0] ?? "";
  const h = HEADER.exec(header);
  let published: string | undefined;
  let headerNumber: number | undefined;
  if (header.trim() === "") {
    fail(1, 'missing header: expected " date YYYY-MM-DD N" on line 1');
  } else if (!h) {
    fail(1, `malformed header ${JSON.stringify(header)}: expected " date YYYY-MM-DD N"`);
  } else {
    const date = /^\d{4}-\d{2}-\d{2}$/.test(h[1]!) ? parseSeedDate(h[1]!) : { ok: false as const, message: `"${h[1]}" is not a date: expected YYYY-MM-DD` };
    if (date.ok) published = date.iso;
    else fail(1, date.message);
    headerNumber = Number(h[2]);
    if (!Number.isSafeInteger(headerNumber)) fail(1, `the number after the date, ${h[2]}, is too large`);
  }

  const title = (lines[1] ?? "").trim();
  if (title === "") fail(2, lines.length < 2 ? "missing title: line 2 must hold the title" : "empty title on line 2");

  if (errors.length > 0 || !name || published === undefined) return { diagnostics: errors };

  return {
    diagnostics: [],
    meta: { id: name[2]!.toLowerCase(), source, title, published, updated: published, tags: [], headerNumber },
    text: () => {
      const paragraphs = lines.slice(2).map((l) => l.trim()).filter((l) => l !== "");
      return { summary: summarize(paragraphs[0] ?? ""), contentHtml: paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n") };
    },
  };
}
