// Buffers by key, bounded by their total size. A hit only marks its entry: second-chance eviction, which
// approximates least-recently-used without moving a map entry on every request. Past the bound, entries
// go oldest first; one marked since it was last passed over gets another turn instead, unmarked.

export class ByteCache {
  private readonly entries = new Map<string, { bytes: Buffer; used: boolean }>();
  private held = 0;

  /** Nothing larger than `maxEntryBytes` is kept: one large file must not empty the cache. */
  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes = maxBytes / 8,
  ) {}

  /** Bytes held now, never more than maxBytes. */
  get bytes(): number {
    return this.held;
  }

  get(key: string): Buffer | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    e.used = true;
    return e.bytes;
  }

  set(key: string, bytes: Buffer): void {
    if (bytes.length > this.maxEntryBytes || this.entries.has(key)) return;
    this.entries.set(key, { bytes, used: false });
    this.held += bytes.length;
    while (this.held > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestKey);
      if (oldest.used) {
        oldest.used = false;
        this.entries.set(oldestKey, oldest);
      } else {
        this.held -= oldest.bytes.length;
      }
    }
  }
}
