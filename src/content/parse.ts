// One seed's bytes → an article (or diagnostics): the size limit, strict UTF-8, the characters XML
// cannot carry, and the choice of parser by extension. Pure: the same bytes and name give the same result.

import type { ArticleMeta, Diagnostic } from "../types.ts";
import { parseSeedMarkdown } from "./seed-markdown.ts";
import { parseSeedText, type ParsedSeed, type ParseResult } from "./seed-text.ts";
import { decodeUtf8, hasXmlInvalidChars, removeXmlInvalidChars, splitLines } from "./text.ts";

/** Larger than any article (the shipped seed is 2.6 KB); keeps a stray binary or log file out of the feeds. */
export const MAX_SEED_BYTES = 1024 * 1024;

type SeedFormat = "text" | "markdown";

export function seedFormatOf(name: string): SeedFormat | undefined {
  if (/\.txt$/i.test(name)) return "text";
  if (/\.(md|markdown)$/i.test(name)) return "markdown";
  return undefined;
}

export function seedError(source: string, message: string, line?: number): { diagnostics: Diagnostic[] } {
  return { diagnostics: [{ severity: "error", file: source, line, message }] };
}

/** "<seed> is 2000000 bytes; a seed may be at most …", for a size known or not ("more than …"). */
export function tooLargeMessage(size: number | undefined): string {
  return `${size === undefined ? `is more than ${MAX_SEED_BYTES} bytes` : `is ${size} bytes`}; a seed may be at most ${MAX_SEED_BYTES} bytes (1 MiB)`;
}

/** One seed's bytes → the whole article (metadata, summary and body), or diagnostics. */
export function parseSeedBytes(source: string, bytes: Uint8Array): ParseResult {
  const { meta, diagnostics, text } = parseSeed(source, bytes);
  return meta && text ? { article: { ...meta, ...text() }, diagnostics } : { diagnostics };
}

/**
 * One seed's bytes → its metadata, or diagnostics: the same diagnostics as `parseSeedBytes`, without
 * making the text (a Markdown body's HTML is most of a seed's parse; the scan needs none of it).
 */
export function parseSeedMeta(source: string, bytes: Uint8Array): { meta?: ArticleMeta; diagnostics: Diagnostic[] } {
  const { meta, diagnostics } = parseSeed(source, bytes);
  return meta ? { meta, diagnostics } : { diagnostics };
}

function parseSeed(source: string, bytes: Uint8Array): ParsedSeed {
  if (bytes.byteLength > MAX_SEED_BYTES) return seedError(source, tooLargeMessage(bytes.byteLength));
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return seedError(source, decoded.message, decoded.line);
  let text = decoded.text;
  const warnings: Diagnostic[] = [];
  if (hasXmlInvalidChars(text)) {
    const line = splitLines(text).findIndex(hasXmlInvalidChars) + 1;
    text = removeXmlInvalidChars(text);
    warnings.push({ severity: "warning", file: source, line, message: "control characters that XML and HTML cannot carry were removed" });
  }
  const result = seedFormatOf(source) === "markdown" ? parseSeedMarkdown(source, text) : parseSeedText(source, text);
  return { ...result, diagnostics: [...warnings, ...result.diagnostics] };
}
