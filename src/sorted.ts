// Sorted arrays kept up to date in place (watch mode), instead of sorted again.

/** The first index whose item is not `before` the sought one: where it is, or would go. A binary search. */
export function lowerBound<T>(items: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
