// How the server tells visitors apart without knowing who they are: an HMAC-SHA-256 of the visitor
// (address and User-Agent) under a random key made for each UTC day. Keys live only in this process's
// memory, never on disk: a hash cannot be turned back into an address, and once a day's key is dropped
// (at the end of the next day) nothing can link its hashes to a later visit or to each other across days.

import { createHmac, randomBytes } from "node:crypto";

const DAY_SECONDS = 86_400;

/** The UTC day of a time in seconds, as a day number (days since 1970-01-01). */
export function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY_SECONDS);
}

/** "2026-12-03" for a day number. */
export function dayName(day: number): string {
  return new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/** Characters of a visitor hash: 22 base64 characters, 132 bits. */
export const VISITOR_HASH_LENGTH = 22;

export class VisitorKeys {
  private today: { day: number; key: Buffer };
  /** Yesterday's key, kept one more day so a reader seen on both sides of midnight is one reader. */
  private yesterday: Buffer | undefined;

  constructor(day: number) {
    this.today = { day, key: randomBytes(32) };
  }

  get day(): number {
    return this.today.day;
  }

  /** A new key for `day` (later than the current one); the previous key is kept only if `day` is the next day. */
  rotate(day: number): void {
    this.yesterday = day === this.today.day + 1 ? this.today.key : undefined;
    this.today = { day, key: randomBytes(32) };
  }

  /** The visitor's hash under today's key. `visitor`: the address and User-Agent, which the caller forgets. */
  hash(visitor: string): string {
    return createHmac("sha256", this.today.key).update(visitor).digest("base64").slice(0, VISITOR_HASH_LENGTH);
  }

  /** The visitor's hash under yesterday's key; undefined when there is none. */
  hashYesterday(visitor: string): string | undefined {
    return this.yesterday && createHmac("sha256", this.yesterday).update(visitor).digest("base64").slice(0, VISITOR_HASH_LENGTH);
  }

  /**
   * A stand-in for an address in the access log: a unique-local IPv6 address (fd00::/8) made of the
   * address's hash under today's key. Log tools read it as an address, one visitor has one all day, and
   * no one can tell whose it is, or link two days' pseudonyms.
   */
  pseudonym(address: string): string {
    const hex = createHmac("sha256", this.today.key).update(`address\n${address}`).digest("hex");
    const groups = [`fd${hex.slice(0, 2)}`, ...Array.from({ length: 7 }, (_, i) => hex.slice(2 + i * 4, 6 + i * 4))];
    return groups.join(":");
  }
}
