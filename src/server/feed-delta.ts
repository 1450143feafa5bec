// RFC 3229 feed deltas (`A-IM: feed`): a reader that names, in If-None-Match, an older version of a head
// feed that the feed versions still know gets `226 IM Used` and a feed document holding only the entries
// that are new or changed since that version, byte for byte as the full feed has them. Everything about
// the document itself comes from the current feed: its head (less `fh:complete`, which a delta must
// not claim), the entries it picks, its end. Each (version, base) pair is made once and kept in a
// bounded cache, in each coding.

import type { FeedVersion, StreamVersions } from "../output/feed-versions.ts";
import { compress } from "../output/stage-worker.mjs";
import type { Levels } from "../types.ts";
import { ByteCache } from "./byte-cache.ts";
import { chooseEncoding, type Coding } from "./negotiate.ts";

/** The parts of a feed document: up to its first entry, each entry with the blank space before it, the rest. */
export interface SplitFeed {
  head: string;
  entries: string[];
  tail: string;
}

/**
 * The positions of markup in XML: each "<" that starts a tag, skipping comments, CDATA sections and
 * processing instructions, where a "<" is text. Text elsewhere is escaped, so every other "<" is a tag.
 */
function* tags(xml: string): Generator<number> {
  for (let at = xml.indexOf("<"); at >= 0; ) {
    const skipTo = xml.startsWith("<!--", at) ? xml.indexOf("-->", at) : xml.startsWith("<![CDATA[", at) ? xml.indexOf("]]>", at) : xml.startsWith("<?", at) ? xml.indexOf("?>", at) : -2;
    if (skipTo === -1) return;
    if (skipTo === -2) yield at;
    at = xml.indexOf("<", skipTo === -2 ? at + 1 : skipTo);
  }
}

const isNameEnd = (c: string | undefined) => c === ">" || c === " " || c === "/" || c === "\t" || c === "\n" || c === "\r";

/** The feed's entries (`item` in RSS, `entry` in Atom) and what surrounds them; undefined when they nest or do not close. */
export function splitFeed(xml: string, entry: "item" | "entry"): SplitFeed | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const at of tags(xml)) {
    const closing = xml[at + 1] === "/";
    const nameAt = at + (closing ? 2 : 1);
    if (!xml.startsWith(entry, nameAt) || !isNameEnd(xml[nameAt + entry.length])) continue;
    if (closing) {
      if (starts.length !== ends.length + 1) return undefined;
      ends.push(xml.indexOf(">", at) + 1);
    } else {
      if (starts.length !== ends.length) return undefined;
      starts.push(at);
    }
  }
  if (starts.length !== ends.length) return undefined;
  if (starts.length === 0) return { head: xml, entries: [], tail: "" };
  // Each entry takes the blank space before it, so a document of some of them is laid out like the whole.
  const from = starts.map((s) => s - /\s*$/.exec(xml.slice(0, s))![0].length);
  return { head: xml.slice(0, from[0]), entries: from.map((f, i) => xml.slice(f, ends[i])), tail: xml.slice(ends.at(-1)) };
}

/** RFC 5005's fh:complete says the document holds every entry of the feed: never true of a delta. */
function withoutComplete(head: string): string {
  for (const at of tags(head)) {
    if (head.startsWith("<fh:complete", at)) {
      const end = head.indexOf(">", at) + 1;
      const lineStart = at - /[ \t]*$/.exec(head.slice(0, at))![0].length;
      return head.slice(0, lineStart > 0 && head[lineStart - 1] === "\n" ? lineStart - 1 : at) + head.slice(end);
    }
  }
  return head;
}

/**
 * The delta document: the current feed with only the entries that are not in `base` with the same
 * version, in feed order. Undefined when the feed's entries are not those `current` lists.
 */
export function deltaDocument(xml: string, entry: "item" | "entry", current: FeedVersion, base: FeedVersion): string | undefined {
  const split = splitFeed(xml, entry);
  if (!split || split.entries.length !== current.entries.length) return undefined;
  const had = new Map(base.entries);
  const picked = split.entries.filter((_, i) => {
    const [id, version] = current.entries[i]!;
    return had.get(id) !== version;
  });
  return withoutComplete(split.head) + picked.join("") + split.tail;
}

/** `A-IM` lists `feed` (RFC 3229 §10.5.3: instance manipulations, case-insensitive, with optional parameters). */
export function acceptsFeedIm(aIm: string): boolean {
  for (const part of aIm.split(",")) {
    const [name, ...params] = part.split(";");
    if (name!.trim().toLowerCase() !== "feed") continue;
    if (!params.some((p) => /^\s*q\s*=\s*0(?:\.0{0,3})?\s*$/i.test(p))) return true;
  }
  return false;
}

/** The entity tags of an If-None-Match value, as sent (with W/ and quotes). */
function entityTags(ifNoneMatch: string): string[] {
  return ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/** The version tag an ETag of ours names: `"<32 hex>"`, `"<32 hex>-br"` or `"<32 hex>-gzip"`, weak or not. */
function tagOfEtag(etag: string): string | undefined {
  return /^(?:W\/)?"([0-9a-f]{32})(?:-br|-gzip)?"$/.exec(etag)?.[1];
}

/** The newest version whose `format` feed had `tag`, as an index; -1 when none. */
function versionIndex(versions: StreamVersions, format: "rss" | "atom", tag: string): number {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i]![format] === tag) return i;
  return -1;
}

/** The client's newest version the history knows, and the ETag it named it by (Delta-Base). */
export function baseVersion(ifNoneMatch: string, versions: StreamVersions, format: "rss" | "atom"): { version: FeedVersion; etag: string } | undefined {
  let best: { index: number; etag: string } | undefined;
  for (const etag of entityTags(ifNoneMatch)) {
    const tag = tagOfEtag(etag);
    if (tag === undefined) continue;
    const index = versionIndex(versions, format, tag);
    if (index >= 0 && (best === undefined || index > best.index)) best = { index, etag };
  }
  return best && { version: versions[best.index]!, etag: best.etag };
}

const ALL_CODINGS: ReadonlySet<Coding> = new Set(["identity", "br", "gzip"]);

const MiB = 1024 * 1024;

/** What a 226 needs from the feed it is a delta of. */
export interface DeltaTarget {
  format: "rss" | "atom";
  /** The current feed's identity bytes (may throw StaleBodyError, as a body does). */
  body(): Buffer;
  /** The current ETag tag. */
  tag: string;
  /** Content-Type, Link, X-Content-Type-Options, Last-Modified: what every answer of the file says. */
  headers: string[];
}

export interface DeltaAnswer {
  /** Flat [name, value, …], for writeHead(226, …). */
  headers: string[];
  body: Buffer;
}

/**
 * Makes and keeps deltas: each (current version, base version) once, in the three codings, in a cache
 * bounded by size (evicted oldest first, a recently used entry getting one more turn).
 */
export class FeedDeltas {
  private readonly cache: ByteCache;
  constructor(
    private readonly levels: Levels,
    bytes = 16 * MiB,
  ) {
    this.cache = new ByteCache(bytes);
  }

  /**
   * The 226 answer to a request with `A-IM` and `If-None-Match` for `target`, or undefined when a full
   * 200 it must be: no `feed` IM, no ETag the versions know, or a feed the versions do not describe.
   */
  answer(target: DeltaTarget, versions: StreamVersions | undefined, request: { aIm: string; ifNoneMatch: string; acceptEncoding: string | undefined }): DeltaAnswer | undefined {
    if (!versions || !acceptsFeedIm(request.aIm)) return undefined;
    const current = versions[versionIndex(versions, target.format, target.tag)];
    const base = current && baseVersion(request.ifNoneMatch, versions, target.format);
    if (!current || !base) return undefined;
    const coding = chooseEncoding(request.acceptEncoding, ALL_CODINGS);
    const body = this.bytes(target, current, base.version, coding);
    if (body === undefined) return undefined;
    const etag = body.coding === "identity" ? `"${target.tag}"` : `"${target.tag}-${body.coding}"`;
    const headers = [
      ...target.headers,
      // RFC 3229 §10.5.2: a cache that does not know "im" must not store a delta as the feed.
      "Cache-Control", "no-store, im",
      "Vary", "Accept-Encoding, A-IM, If-None-Match",
      "IM", "feed",
      // The current instance's ETag (RFC 3229): the reader sends it next time and gets 304 or the next delta.
      "ETag", etag,
      "Delta-Base", base.etag,
      ...(body.coding === "identity" ? [] : ["Content-Encoding", body.coding]),
      "Content-Length", String(body.bytes.length),
    ];
    return { headers, body: body.bytes };
  }

  /** The delta in `coding`, or identity when that coding is no smaller; made once per pair while kept. */
  private bytes(target: DeltaTarget, current: FeedVersion, base: FeedVersion, coding: Coding): { bytes: Buffer; coding: Coding } | undefined {
    const key = (c: Coding) => `${target.tag}:${base[target.format]}:${c}`;
    let identity = this.cache.get(key("identity"));
    if (identity === undefined) {
      const text = deltaDocument(target.body().toString("utf8"), target.format === "rss" ? "item" : "entry", current, base);
      if (text === undefined) return undefined;
      identity = Buffer.from(text, "utf8");
      this.cache.set(key("identity"), identity);
    }
    if (coding === "identity") return { bytes: identity, coding };
    let encoded = this.cache.get(key(coding));
    if (encoded === undefined) {
      // Both codings at once, as the build makes them: a request for the other one then costs nothing.
      const made = compress(identity, this.levels);
      for (const c of ["br", "gzip"] as const) if (made[c]) this.cache.set(key(c), made[c]);
      encoded = made[coding];
    }
    return encoded ? { bytes: encoded, coding } : { bytes: identity, coding: "identity" };
  }
}
