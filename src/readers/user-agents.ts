// Feed readers by their User-Agent: which reader asks and, for an aggregator, how many subscribers it
// asks for. Aggregators announce it as Google Reader's fetcher did ("Feedly/1.0 (…; 131 subscribers)",
// "Feedbin feed-id:1234 - 12 subscribers"), some with their own id of the feed. Pure.

export interface ReaderAgent {
  /** A short name for tables: "Feedly", "NetNewsWire", "Firefox"; the product token for a reader not listed here. */
  reader: string;
  /** The subscribers an aggregator announces; absent for a reader that reads for one person. */
  subscribers?: number;
  /**
   * The aggregator's own id of the feed, when it sends one (Feedbin, The Old Reader, NewsBlur, Google):
   * one aggregator may know one feed under several URLs, each with its own subscribers.
   */
  feedId?: string;
}

/** Known readers, tried in order: aggregators and apps first, since many of them also say "Mozilla" or "Safari". */
const KNOWN: [string, RegExp][] = [
  ["Feedly", /\bfeedly\b/i],
  ["Inoreader", /inoreader/i],
  ["Feedbin", /\bfeedbin\b/i],
  ["NewsBlur", /newsblur/i],
  ["The Old Reader", /theoldreader/i],
  ["Feedspot", /feedspot/i],
  ["Google Feedfetcher", /feedfetcher-google/i],
  ["Netvibes", /netvibes/i],
  ["BazQux", /bazqux/i],
  ["Superfeedr", /superfeedr/i],
  ["Miniflux", /miniflux/i],
  ["FreshRSS", /freshrss/i],
  ["Tiny Tiny RSS", /tiny tiny rss|tt-rss/i],
  ["NetNewsWire", /netnewswire/i],
  ["Newsboat", /newsboat|newsbeuter/i],
  ["Reeder", /\breeder\b/i],
  ["Akregator", /akregator/i],
  ["Liferea", /liferea/i],
  ["Thunderbird", /thunderbird\//i],
  ["Edge", /\bedg(?:e|a|ios)?\//i],
  ["Firefox", /firefox\//i],
  ["Chrome", /chrom(?:e|ium)\//i],
  ["Safari", /safari\//i],
];

/** The names readerOf gives known readers. */
export const KNOWN_READERS: ReadonlySet<string> = new Set(KNOWN.map(([name]) => name));

/** Clients that fetch but subscribe to nothing: crawlers, link checkers, validators, command-line tools. */
const NOT_A_READER = /bot\b|bot\/|crawler|spider|slurp|curl\/|wget\/|python-requests|go-http-client|headlesschrome|facebookexternalhit|validator/i;

/** "131 subscribers", "1 subscriber", "1,204 readers". */
const SUBSCRIBERS = /(\d[\d,]*)\s+(?:subscribers?|readers?)\b/i;
/** "feed-id:1234" (Feedbin), "feed-id=0719…" (The Old Reader, Google), "feedId: 5404723" (Netvibes). */
const FEED_ID = /feed-?id\s*[:=]\s*([\w-]+)/i;
/** NewsBlur names the feed by its page: "https://www.newsblur.com/site/1234/example". */
const NEWSBLUR_SITE = /newsblur\.com\/site\/(\d+)/i;

/** More than anyone has: a claim above it is not a count. */
const MAX_SUBSCRIBERS = 100_000_000;

/** The product a User-Agent names when no known reader matches: "Foo" in "Foo/1.2 (…)" or "Mozilla/5.0 (compatible; Foo/1.2; …)". */
function productOf(userAgent: string): string {
  const compatible = /^Mozilla\/[\d.]+ \(compatible; ([^;)/]+)/.exec(userAgent);
  const name = (compatible?.[1] ?? /^[^/(;]+/.exec(userAgent)?.[0] ?? "").trim();
  return name.slice(0, 40) || "unknown";
}

/** The reader a User-Agent names; undefined for a client that is not one (and for no User-Agent at all). */
export function readerOf(userAgent: string): ReaderAgent | undefined {
  if (userAgent.trim() === "") return undefined;
  const count = SUBSCRIBERS.exec(userAgent);
  const subscribers = count ? Number(count[1]!.replaceAll(",", "")) : undefined;
  const announces = subscribers !== undefined && subscribers <= MAX_SUBSCRIBERS;
  if (!announces && NOT_A_READER.test(userAgent)) return undefined;
  const reader = KNOWN.find(([, re]) => re.test(userAgent))?.[0] ?? productOf(userAgent);
  if (!announces) return { reader };
  const feedId = FEED_ID.exec(userAgent)?.[1] ?? NEWSBLUR_SITE.exec(userAgent)?.[1];
  return { reader, subscribers, ...(feedId ? { feedId } : {}) };
}

/**
 * readerOf, remembered by User-Agent: a feed is polled by a few dozen distinct agents. Emptied when
 * full, so a flood of random agents cannot grow it.
 */
const MEMO_SIZE = 1024;
const memo = new Map<string, ReaderAgent | null>();

export function readerOfCached(userAgent: string): ReaderAgent | undefined {
  let agent = memo.get(userAgent);
  if (agent === undefined) {
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(userAgent, (agent = readerOf(userAgent) ?? null));
  }
  return agent ?? undefined;
}
