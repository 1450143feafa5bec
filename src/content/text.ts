import { isUtf8 } from "node:buffer";

// Text hygiene shared by both seed formats: strict UTF-8, no characters XML cannot carry.

const BOM = "\uFEFF";

/** Byte offset of the first invalid UTF-8 sequence, or -1 when the bytes are valid UTF-8. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) { i++; continue; }
    else if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line number of a byte offset. */
export function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

export type Decoded = { ok: true; text: string } | { ok: false; line: number; message: string };

/** Decodes seed bytes as strict UTF-8 and drops a leading byte order mark. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8Offset(bytes);
    const hex = bytes[bad]!.toString(16).padStart(2, "0");
    return { ok: false, line: lineOfByte(bytes, bad), message: `not valid UTF-8 (byte 0x${hex} at offset ${bad})` };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return { ok: true, text: text.startsWith(BOM) ? text.slice(1) : text };
}

// Characters XML 1.0 cannot carry at all (C0 controls but tab, CR, LF; lone surrogates; U+FFFE/U+FFFF).
// HTML forbids the same controls, so dropping them once, at load, keeps every format saying the same thing.
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function removeXmlInvalidChars(text: string): string {
  return text.replace(XML_INVALID, "");
}

const XML_INVALID_ONE = new RegExp(XML_INVALID.source); // not global: test() keeps no state

export function hasXmlInvalidChars(text: string): boolean {
  return XML_INVALID_ONE.test(text);
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

const SUMMARY_LIMIT = 280;

/** A plain-text summary: the first paragraph, cut at a word boundary when it is long. */
export function summarize(firstParagraph: string): string {
  const text = firstParagraph.replace(/\s+/g, " ").trim();
  // The limit counts code points; only the first SUMMARY_LIMIT are walked.
  let end = 0;
  let count = 0;
  for (const ch of text) {
    if (count === SUMMARY_LIMIT) break;
    end += ch.length;
    count++;
  }
  if (end === text.length) return text;
  const cut = text.slice(0, end);
  const space = cut.lastIndexOf(" ");
  return `${(space > SUMMARY_LIMIT / 2 ? cut.slice(0, space) : cut).replace(/[\s.,;:]+$/, "")}…`;
}
