// Tags → URL slugs. Tags are free text from front matter; a slug must be a safe, stable path segment.

import { slugOf } from "../content/slug.ts";

/**
 * "Politics" → "politics"; a tag that changes on the way ("C++", "Café", "日本") gets a short hash of its
 * lower-cased text appended, so two different tags never share a page. Case is folded on purpose:
 * "Go" and "go" are one tag (as in Hugo), and case-insensitive file systems could not tell them apart.
 */
export function tagSlug(tag: string): string {
  return slugOf(tag, { hash: "changed", emptyPrefix: "t-" });
}
