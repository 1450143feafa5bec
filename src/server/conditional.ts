// Conditional requests for GET and HEAD, evaluated in the order of RFC 9110 §13.2.2.

export type Outcome = "send" | "not-modified" | "precondition-failed";

export interface Validators {
  /** Strong entity tag with quotes, e.g. "\"abc\"". */
  etag: string;
  /** Last-Modified in whole seconds since the epoch, if the file has one. */
  lastModifiedSeconds?: number;
}

export interface ConditionalHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** The entity tags of a list header, with W/ kept; "*" is returned as ["*"]. */
function entityTags(header: string): string[] {
  if (header.trim() === "*") return ["*"];
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/** Weak comparison (§8.8.3.2): opaque tags equal, W/ ignored. If-None-Match uses it. */
function weakMatch(header: string, etag: string): boolean {
  return entityTags(header).some((t) => t === "*" || opaque(t) === etag);
}

/** Strong comparison: neither tag weak. If-Match uses it. */
function strongMatch(header: string, etag: string): boolean {
  return entityTags(header).some((t) => t === "*" || t === etag);
}

/** An HTTP-date in whole seconds, or undefined when malformed (then the header is ignored). */
export function parseHttpDate(value: string): number | undefined {
  if (!/^[A-Za-z]{3},? /.test(value.trim())) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function evaluateConditions(h: ConditionalHeaders, v: Validators): Outcome {
  // 1. If-Match, else 2. If-Unmodified-Since.
  if (h.ifMatch !== undefined) {
    if (!strongMatch(h.ifMatch, v.etag)) return "precondition-failed";
  } else if (h.ifUnmodifiedSince !== undefined && v.lastModifiedSeconds !== undefined) {
    const since = parseHttpDate(h.ifUnmodifiedSince);
    if (since !== undefined && v.lastModifiedSeconds > since) return "precondition-failed";
  }
  // 3. If-None-Match, else 4. If-Modified-Since ("not modified since or later": equal counts as not modified).
  if (h.ifNoneMatch !== undefined) return weakMatch(h.ifNoneMatch, v.etag) ? "not-modified" : "send";
  if (h.ifModifiedSince !== undefined && v.lastModifiedSeconds !== undefined) {
    const since = parseHttpDate(h.ifModifiedSince);
    if (since !== undefined && v.lastModifiedSeconds <= since) return "not-modified";
  }
  return "send";
}
