// ByteCache: the bound holds whatever is put in, a recently used entry outlives an unused older one, and
// what is kept is given back unchanged.

import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ByteCache } from "../../src/server/byte-cache.ts";

describe("ByteCache", () => {
  it("never holds more than its bound, over many entries of many sizes", () => {
    const cache = new ByteCache(10_000, 2_000);
    const kept = new Map<string, Buffer>();
    for (let i = 0; i < 2_000; i++) {
      const bytes = randomBytes(1 + ((i * 7919) % 2_500));
      cache.set(`k${i}`, bytes);
      kept.set(`k${i}`, bytes);
      expect(cache.bytes).toBeLessThanOrEqual(10_000);
      if (i % 3 === 0) cache.get(`k${i - 1}`);
    }
    // Whatever it still has is the very bytes put in under that key, and it has something.
    let hits = 0;
    for (const [k, v] of kept) {
      const got = cache.get(k);
      if (got) {
        hits++;
        expect(got.equals(v), k).toBe(true);
      }
    }
    expect(hits).toBeGreaterThan(3);
    expect(cache.bytes).toBeGreaterThan(5_000);
  });

  it("keeps nothing larger than its entry bound", () => {
    const cache = new ByteCache(10_000, 1_000);
    cache.set("big", Buffer.alloc(1_001));
    expect(cache.get("big")).toBeUndefined();
    expect(cache.bytes).toBe(0);
    cache.set("fits", Buffer.alloc(1_000));
    expect(cache.get("fits")?.length).toBe(1_000);
  });

  it("evicts the oldest unused entry first: one read since it was put in gets another turn", () => {
    const cache = new ByteCache(3_000, 1_000);
    for (const k of ["a", "b", "c"]) cache.set(k, Buffer.alloc(1_000, k));
    cache.get("a");
    cache.set("d", Buffer.alloc(1_000, "d"));
    // "a" was oldest but used: "b" goes.
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.[0]).toBe("a".charCodeAt(0));
    expect(cache.get("c")).toBeDefined();
    expect(cache.get("d")).toBeDefined();
    expect(cache.bytes).toBe(3_000);
  });

  it("a key already held keeps its first bytes", () => {
    const cache = new ByteCache(10_000);
    cache.set("k", Buffer.from("first"));
    cache.set("k", Buffer.from("second"));
    expect(cache.get("k")?.toString()).toBe("first");
    expect(cache.bytes).toBe(5);
  });
});
