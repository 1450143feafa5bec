// Free text (a tag, a file name) → a URL path segment: lower-case ASCII letters and digits joined by "-".
// Shared by article ids taken from file names and by tag slugs, so both spell a name the same way.

import { sha256 } from "../hash.ts";

/** Letters that do not decompose into an ASCII letter and marks, spelled as their languages write them in ASCII. */
const SPELLED: Readonly<Record<string, string>> = { ß: "ss", æ: "ae", œ: "oe", ø: "o", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i" };
const SPELLED_ANY = new RegExp(`[${Object.keys(SPELLED).join("")}]`, "g");

/**
 * "Café Crème" → "café crème" → "cafe creme": compatibility decomposition (NFKD: "ﬁ" → "fi", full-width
 * "Ａ" → "a"), accents dropped, lower case, a few letters spelled out.
 */
function asciiFolded(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase().replace(SPELLED_ANY, (c) => SPELLED[c]!);
}

/** Printable ASCII (most tags and names) has nothing to decompose and no letter without an ASCII form. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export interface SlugRule {
  /**
   * When a short hash of the text (NFC, lower case) is appended: `changed`, whenever the slug is not
   * the text itself (two tags "C++" and "C#" must not share a page); `lost`, only when a letter or digit
   * had no ASCII form (file names: "My post" and "my-post" give one slug, and the caller reports the clash).
   */
  hash: "changed" | "lost";
  /** Put before the hash when no ASCII word is left. */
  emptyPrefix: string;
  /** Longest slug; longer words are cut and the hash appended. */
  maxLength?: number;
}

const HASH_LENGTH = 8;

/** A readable, stable slug: the same text gives the same slug on every machine, in any Unicode normal form. */
export function slugOf(text: string, rule: SlugRule): string {
  const ascii = PRINTABLE_ASCII.test(text);
  const key = ascii ? text.toLowerCase() : text.normalize("NFC").toLowerCase();
  const folded = ascii ? key : asciiFolded(text);
  let words = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  // A letter or digit with no ASCII form was dropped: the words alone no longer tell such texts apart.
  let lost = !ascii && LETTER_OR_DIGIT.test(folded.replace(/[a-z0-9]+/g, ""));
  if (rule.maxLength !== undefined && words.length > rule.maxLength) {
    words = words.slice(0, rule.maxLength - HASH_LENGTH - 1).replace(/-+$/, "");
    lost = true;
  }
  const hashed = rule.hash === "changed" ? words !== key : lost || words === "";
  if (!hashed) return words;
  const hash = sha256(key).slice(0, HASH_LENGTH);
  return words === "" ? `${rule.emptyPrefix}${hash}` : `${words}-${hash}`;
}
