// How a list of articles (the site's, or one tag's) is split into the newest entries and fixed-size pages.
// Pages count from the oldest article, so appending an article never moves one between full pages.

/**
 * A stream of `n` articles, newest first. The newest `headSize` (= feedSize) go in the head feed and on
 * the first HTML page. When there are more, all of them also live on pages counted from the oldest:
 * pages 1…full hold `pageSize` each and change only when one of their articles does; page full+1 is
 * the open page that new articles fill (it may be empty), so a full page always has a next page to
 * link to. Pages are never longer than the head, so every entry of the open page is also in the head
 * and a reader walking back from the head misses nothing.
 */
export interface Paging {
  n: number;
  headSize: number;
  /** True when the head holds every article: no pages at all (fh:complete). */
  complete: boolean;
  /** Number of full pages; the open page is number `full + 1`. 0 when complete. */
  full: number;
  pageSize: number;
}

export function pagingOf(n: number, feedSize: number, pageSize: number): Paging {
  if (n <= feedSize) return { n, headSize: n, complete: true, full: 0, pageSize };
  const size = Math.min(pageSize, feedSize);
  return { n, headSize: feedSize, complete: false, full: Math.floor(n / size), pageSize: size };
}

/** Page numbers, oldest first: 1…full, then the open page. Empty when complete. */
export function pageNumbers(p: Paging): number[] {
  return p.complete ? [] : Array.from({ length: p.full + 1 }, (_, i) => i + 1);
}

/**
 * The [start, end) range of page `k` in a newest-first array of `n` articles. Page 1 holds the oldest
 * `pageSize` articles, i.e. the last ones of the array.
 */
export function pageRange(p: Paging, k: number): { start: number; end: number } {
  const oldestIndex = (k - 1) * p.pageSize; // position counted from the oldest
  const newestIndex = Math.min(k * p.pageSize, p.n);
  return { start: p.n - newestIndex, end: p.n - oldestIndex };
}
