// The domain types, in one place. Everything downstream of `load` speaks these.

/** One article, whatever file format it came from. Plain data: safe to serialize. */
export interface Article {
  /** Stable identity: the 16 hex digits of a seed file name, or a Markdown seed's `id`. */
  id: string;
  /** The seed's path relative to the seeds folder, with forward slashes. */
  source: string;
  title: string;
  /** ISO 8601 UTC instant, e.g. 2025-07-28T00:00:00.000Z. */
  published: string;
  /** ISO 8601 UTC instant; never before `published`. */
  updated: string;
  /** Absent means "the site's author". */
  author?: string;
  /** Plain text. */
  summary: string;
  tags: string[];
  /** The body as an HTML fragment; every text run already escaped. */
  contentHtml: string;
  /** The integer after the date in a seed text header. Its meaning is not documented; kept as is. */
  headerNumber?: number;
}

/**
 * An article without its text (body and summary): what the build plan needs, held for every article of
 * the site, so kept small: 100,000 summaries were 50 MB. Pages that show text read the seed again.
 */
export type ArticleMeta = Omit<Article, "contentHtml" | "summary">;

/** Build progress for a terminal: the phase, and how far it is (done of total units). */
export type ProgressReport = (phase: string, done: number, total: number) => void;

export type Severity = "error" | "warning";

/** A problem with one input, reported with where it is and what is wrong. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  line?: number;
  message: string;
}

export interface Person {
  name: string;
  email?: string;
  url?: string;
}

/** The validated site configuration. */
export interface SiteConfig {
  title: string;
  description: string;
  /** Absolute http(s) URL ending in "/". */
  baseUrl: string;
  author: Person;
  /** BCP 47 language tag. */
  language: string;
  /** Entries in the main and tag feeds (the newest ones); older ones are in the archive pages. */
  feedSize: number;
  /** Entries per archive page and per HTML list page (RFC 5005 archives; the index's older pages). */
  pageSize: number;
  /** Prefix of every id: a tag: URI authority and date, e.g. "tag:example.org,2025:". */
  tagPrefix: string;
  /** WebSub hub the feeds advertise and seedfeed pings after a change; absent: no hub. */
  hub?: string;
  /** Cache-Control by kind of file; see src/output/cache-policy.ts for the defaults. */
  cacheControl: Record<Exclude<FileKind, "manifest">, string>;
  /** Which files `build` writes brotli and gzip variants of; see src/output/compress.ts. */
  precompress: PrecompressMode;
}

/** Which files get precompressed variants at build time: the polled ones, all, or none. */
export type PrecompressMode = "polled" | "all" | "none";

/** What kind of thing a file is; the cache policy is chosen by this. */
export type FileKind = "feed" | "archive" | "html" | "immutable" | "manifest";

/** A precompressed variant as written: its file beside the original, its size and hash. */
export interface Variant {
  /**
   * The variant's file name in the variants folder beside dist/ (encodedDirOf): the identity bytes'
   * sha-256, the coding and its level ("<sha-256>-b9.br"). Variants are never part of the published site.
   */
  path: string;
  size: number;
  /** Hex sha-256 of the variant's bytes. */
  sha256: string;
}

/** Compression levels of one kind of file; see src/output/compress.ts. */
export interface Levels {
  brotli: number;
  gzip: number;
}

/** One rendered file, sent to a stage worker (src/output/stage-worker.mjs) to be hashed, compressed and written. */
export interface StageRequest {
  id: number;
  /** The staging folder. */
  dir: string;
  /** The variants folder beside dist/ (encodedDirOf): variants are written there, named by content. */
  encodedDir: string;
  /** Relative path with forward slashes, e.g. "articles/9f37872381fe7d58.html". */
  path: string;
  text: string;
  /** Absent: no precompressed variants. */
  levels?: Levels;
  /** The sha-256 of this path in dist/ now: equal bytes are not written again. */
  previousSha?: string;
}

/** What a stage worker made of one file. */
export interface StagedFile {
  size: number;
  /** Hex sha-256 of the UTF-8 bytes. */
  sha256: string;
  br?: Variant;
  gzip?: Variant;
  /** False when the bytes equal `previousSha`'s: nothing was written. */
  written: boolean;
  /** Variants (names in the cache folder) this stage created, not found there: a failed build removes them. */
  newVariants?: string[];
}

/** A failed stage carries the system error's fields across the thread boundary: the path above all. */
export type StageReply = (StagedFile & { id: number }) | { id: number; error: { message: string; code?: string; syscall?: string; path?: string; dest?: string; errno?: number } };

export type FeedFormat = "rss" | "atom" | "json";

/** The same document in each format: URLs of a feed or of one archive page. */
export type FeedUrls = Record<FeedFormat, string>;

/**
 * Where a feed document sits in its feed's history (RFC 5005). A reader walks `prevArchive` from the
 * current document back to the first article; `nextArchive` and `current` lead forwards again.
 */
export type FeedHistory =
  /** Every entry of the feed is in this one document: fh:complete. */
  | { kind: "complete" }
  /** The newest entries; older ones are in the archive pages, the newest full one being `prevArchive`. */
  | { kind: "current"; prevArchive: FeedUrls }
  /** One fixed-size archive page: fh:archive. Page 1 has no `prevArchive`; the newest, open page no `nextArchive`. */
  | { kind: "archive"; current: FeedUrls; prevArchive?: FeedUrls; nextArchive?: FeedUrls };

/** One feed, independent of its format: the renderers turn it into RSS, Atom and JSON Feed. */
export interface FeedDocument {
  /** tag: URI naming this feed. */
  id: string;
  title: string;
  description: string;
  /** Absolute URL of the HTML page this feed mirrors. */
  homeUrl: string;
  /** Absolute URL of this feed in each format. */
  selfUrl: Record<FeedFormat, string>;
  /** Newest first. */
  entries: readonly ArticleMeta[];
  /** An entry's article with its text: read only for entries whose fragment is not kept (render/fragments.ts). */
  body(m: ArticleMeta): Article;
  /** The newest `updated` of the entries: the feed changes date only when its content does. */
  updated: string;
  history: FeedHistory;
}
