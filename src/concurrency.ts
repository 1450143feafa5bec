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

/**
 * Runs of one job that never overlap: a call during a run queues exactly one more run, which every later
 * caller shares (it starts after their call, so it sees what they changed). Waiters share the queued run
 * rather than call again once the running one ends: that found a newly started run every time and never
 * resolved, while runs went on back to back forever.
 */
export class SerialRuns<T> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;
  constructor(private readonly job: () => Promise<T>) {}

  run(): Promise<T> {
    if (this.queued) return this.queued;
    if (this.running) {
      const next = this.running.catch(() => undefined).then(() => {
        this.queued = undefined;
        return this.run();
      });
      this.queued = next;
      return next;
    }
    const current = this.job().finally(() => {
      this.running = undefined;
    });
    this.running = current;
    return current;
  }

  /** Resolves when no run is going or queued. */
  async idle(): Promise<void> {
    while (this.queued ?? this.running) await (this.queued ?? this.running)!.catch(() => undefined);
  }
}
