// The recent versions of each head feed, for RFC 3229 deltas (`A-IM: feed`), kept beside dist/ in
// `.dist-cache/feed-versions.json`. For each stream (the site's, each tag's): its last K versions, each
// with the ETag tags its RSS and Atom feeds were served under and its entries (article id and a version
// of the entry's bytes). The pipeline records them after each commit from what it already knows (the
// planned head feeds name their articles, seeds' versions are their sha-256s), never by parsing feeds;
// the server reads them to tell which entries a reader holding an older ETag lacks.

import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cacheDirOf } from "../cache-dir.ts";
import { sha256 } from "../hash.ts";
import { replaceFile } from "../replace-file.ts";
import { readRecords } from "../read-lines.ts";
import type { PlannedFile } from "../render/site.ts";
import { headFeedOf } from "../render/urls.ts";
import type { ArticleMeta } from "../types.ts";
import type { ManifestEntry } from "./manifest.ts";

/** The hex digits of a file's identity sha-256 that name it in its ETags: `"<tag>"`, `"<tag>-br"`, `"<tag>-gzip"`. */
export function etagTagOf(sha256: string): string {
  return sha256.slice(0, 32);
}

/** One version of a stream's head feeds. */
export interface FeedVersion {
  /** The ETag tags of the RSS and the Atom feed of this version. */
  rss: string;
  atom: string;
  /**
   * The entries, in feed order (newest first): [article id, entry version]. The entry version stands for
   * every input of the entry's bytes (the seed's sha-256, the config, seedfeed's code): equal versions,
   * equal bytes.
   */
  entries: [string, string][];
}

/** Versions of the feeds of one stream, oldest first. */
export type StreamVersions = readonly FeedVersion[];

export const DEFAULT_FEED_VERSIONS = 20;

export function feedVersionsFile(outDir: string): string {
  return join(cacheDirOf(outDir), "feed-versions.json");
}

const HEADER_LINE = `{"version":1,"streams":[`;

interface StreamRecord {
  base: string;
  versions: FeedVersion[];
}

/**
 * The history as the pipeline keeps it between runs. `keep` versions per stream (0: none, and no deltas).
 * Each stream's record line is kept encoded, so watch mode writes again only the streams that changed.
 */
export class FeedVersionHistory {
  private readonly streams = new Map<string, { versions: FeedVersion[]; line: string }>();

  constructor(readonly keep: number) {}

  /** The history `build` and `dev` left beside `outDir`; empty when there is none or it cannot be read. */
  static read(outDir: string, keep: number): FeedVersionHistory {
    const history = new FeedVersionHistory(keep);
    try {
      for (const r of readRecords<StreamRecord>(feedVersionsFile(outDir), (line) => line === HEADER_LINE)) history.set(r.base, r.versions.slice(-keep));
    } catch {
      // no history: deltas start with the next version
    }
    return history;
  }

  /** Every stream's versions, by stream folder ("" or "tags/<slug>/"). */
  get byStream(): ReadonlyMap<string, StreamVersions> {
    return new Map([...this.streams].map(([base, s]) => [base, s.versions]));
  }

  /**
   * Records the head feeds among `files`, which a run produced as `entries` (same order): a stream whose
   * RSS or Atom bytes are new gets a version. `complete`: `files` is the whole site, so a stream without
   * head feeds in it is gone; otherwise the streams whose head feeds are among `gone` are. Returns
   * whether anything changed.
   */
  record(files: readonly PlannedFile[], entries: readonly ManifestEntry[], gone: readonly string[], complete: boolean, entryVersion: (m: ArticleMeta) => string): boolean {
    if (this.keep === 0) return false;
    const seen = new Map<string, { rss?: string; atom?: string; bodies: readonly ArticleMeta[] }>();
    files.forEach((f, i) => {
      const head = f.kind === "feed" ? headFeedOf(f.path) : undefined;
      if (!head || head.format === "json") return;
      let s = seen.get(head.base);
      if (!s) seen.set(head.base, (s = { bodies: f.bodies }));
      s[head.format] = etagTagOf(entries[i]!.sha256);
    });
    let changed = false;
    for (const base of complete ? [...this.streams.keys()].filter((b) => !seen.has(b)) : gone.flatMap((p) => headFeedOf(p)?.base ?? [])) {
      changed = this.streams.delete(base) || changed;
    }
    for (const [base, s] of seen) {
      // A stream's head feeds are planned together; one without the other has nothing to record.
      if (s.rss === undefined || s.atom === undefined) continue;
      const versions = this.streams.get(base)?.versions ?? [];
      const last = versions.at(-1);
      if (last?.rss === s.rss && last.atom === s.atom) continue;
      this.set(base, [...versions, { rss: s.rss, atom: s.atom, entries: s.bodies.map((m): [string, string] => [m.id, entryVersion(m)]) }].slice(-this.keep));
      changed = true;
    }
    return changed;
  }

  /** Saves the history beside `outDir`, by rename: a kill leaves the old file or the new one. */
  async write(outDir: string): Promise<void> {
    const file = feedVersionsFile(outDir);
    await mkdir(dirname(file), { recursive: true });
    await replaceFile(file, this.chunks());
  }

  private set(base: string, versions: FeedVersion[]): void {
    this.streams.set(base, { versions, line: JSON.stringify({ base, versions } satisfies StreamRecord) });
  }

  /** One JSON document, a stream a line, streams in path order: the same history, the same bytes. */
  private *chunks(): Generator<string> {
    yield `${HEADER_LINE}\n`;
    const bases = [...this.streams.keys()].sort();
    yield bases.map((b) => this.streams.get(b)!.line).join(",\n");
    yield bases.length > 0 ? "\n]}\n" : "]}\n";
  }
}

/** The versions the server reads: by stream folder. Empty when there is no history. */
export function readFeedVersions(outDir: string): ReadonlyMap<string, StreamVersions> {
  return FeedVersionHistory.read(outDir, Number.MAX_SAFE_INTEGER).byStream;
}

/** An entry's version: its seed's version under one site key (the config and seedfeed's code). */
export function entryVersion(siteKey: string, seedVersion: string): string {
  return sha256(`${siteKey}\n${seedVersion}`).slice(0, 16);
}
