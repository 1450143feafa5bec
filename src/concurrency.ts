/**
 * Maps with at most `limit` calls in flight; results keep the input order. After a failure no new call
 * starts, and the first error is thrown only once the calls in flight have ended, so a caller that
 * cleans up after an error never races its own work.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = outcomes.find((o) => o.status === "rejected");
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return results;
}
