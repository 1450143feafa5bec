// Tags → URL slugs. Tags are free text from front matter; a slug must be a safe, stable path segment.

import { sha256 } from "../hash.ts";

/**
 * "Politics" → "politics"; a tag that loses characters on the way ("C++", "Café") gets a short hash of
 * its lower-cased text appended, so two different tags never share a page. Case is folded on purpose:
 * "Go" and "go" are one tag (as in Hugo), and case-insensitive file systems could not tell them apart.
 */
export function tagSlug(tag: string): string {
  const folded = tag.normalize("NFC").toLowerCase();
  const plain = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (plain === folded) return plain;
  const hash = sha256(folded).slice(0, 8);
  return plain === "" ? `t-${hash}` : `${plain}-${hash}`;
}
