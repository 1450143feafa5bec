// The terminal progress line: silent when not a terminal or --quiet, throttled, repainted on a new phase, erased before the summary.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { progressLine, terminalProgress } from "../src/progress.ts";
import { runCli } from "./helpers/cli.ts";
import { copyRepoSeeds } from "./helpers/files.ts";
import { useTempDirs } from "./helpers/tmp.ts";

const tmp = useTempDirs();

function fakeTerminal(isTTY = true, columns: number | undefined = 80) {
  const writes: string[] = [];
  return { stream: { isTTY, columns, write: (s: string) => writes.push(s) }, writes };
}

/** A clock the test moves by hand. */
function fakeClock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("terminalProgress", () => {
  it("writes nothing and has no report when the stream is not a terminal, or with quiet", () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
      [false, true],
    ] as const) {
      const { stream, writes } = fakeTerminal(isTTY);
      const p = terminalProgress(stream, { quiet, now: fakeClock().now });
      expect(p.report).toBeUndefined();
      p.clear();
      expect(writes).toEqual([]);
    }
    // A stream without isTTY at all (a file, a pipe in some runtimes) counts as not a terminal.
    const writes: string[] = [];
    const p = terminalProgress({ write: (s: string) => writes.push(s) }, {});
    expect(p.report).toBeUndefined();
    p.clear();
    expect(writes).toEqual([]);
  });

  it("draws the line with \\r, counts grouped by thousands and a percentage", () => {
    const { stream, writes } = fakeTerminal();
    const p = terminalProgress(stream, { now: fakeClock().now });
    p.report!("rendering", 12_345, 100_000);
    expect(writes).toEqual(["\rrendering 12,345/100,000 (12%)\x1b[K"]);
  });

  it("repaints at most once per interval: 1000 calls within 100 ms make one or two writes", () => {
    const { stream, writes } = fakeTerminal();
    const clock = fakeClock();
    const p = terminalProgress(stream, { now: clock.now });
    for (let i = 0; i < 1000; i++) {
      p.report!("rendering", i, 100_000);
      clock.advance(0.1);
    }
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(2);
    // Once the interval has passed, the next call repaints with the current count.
    clock.advance(250);
    p.report!("rendering", 1000, 100_000);
    expect(writes.at(-1)).toBe("\rrendering 1,000/100,000 (1%)\x1b[K");
  });

  it("over a long run, paints about once per interval", () => {
    const { stream, writes } = fakeTerminal();
    const clock = fakeClock();
    const p = terminalProgress(stream, { now: clock.now, intervalMs: 100 });
    for (let i = 0; i < 100_000; i++) {
      p.report!("rendering", i, 100_000);
      clock.advance(0.01); // 1 s in all
    }
    expect(writes.length).toBeGreaterThanOrEqual(9);
    expect(writes.length).toBeLessThanOrEqual(11);
  });

  it("always repaints when the phase changes, even within the interval", () => {
    const { stream, writes } = fakeTerminal();
    const clock = fakeClock();
    const p = terminalProgress(stream, { now: clock.now });
    p.report!("loading", 1, 3);
    clock.advance(1);
    p.report!("loading", 2, 3);
    clock.advance(1);
    p.report!("rendering", 0, 3);
    clock.advance(1);
    p.report!("rendering", 1, 3);
    clock.advance(1);
    p.report!("writing", 3, 3);
    expect(writes).toEqual(["\rloading 1/3 (33%)\x1b[K", "\rrendering 0/3 (0%)\x1b[K", "\rwriting 3/3 (100%)\x1b[K"]);
  });

  it("clear() erases a drawn line, and writes nothing when no line is drawn", () => {
    const { stream, writes } = fakeTerminal();
    const p = terminalProgress(stream, { now: fakeClock().now });
    p.clear();
    expect(writes).toEqual([]);
    p.report!("rendering", 5, 10);
    p.clear();
    expect(writes.at(-1)).toBe("\r\x1b[K");
    p.clear();
    expect(writes).toHaveLength(2);
  });

  it("fits the line in the terminal's width", () => {
    const { stream, writes } = fakeTerminal(true, 20);
    const p = terminalProgress(stream, { now: fakeClock().now });
    p.report!("compressing", 12_345_678, 100_000_000);
    const text = writes[0]!.replace(/^\r/, "").replace(/\x1b\[K$/, "");
    expect(text.length).toBeLessThan(20);
    expect(text).toBe("compressing 12,345,");
  });

  it("formats edge cases without throwing", () => {
    expect(progressLine("loading", 0, 0)).toBe("loading 0/0 (0%)");
    expect(progressLine("loading", 7, 5)).toBe("loading 7/5 (100%)");
    expect(progressLine("loading", 999, 1000)).toBe("loading 999/1,000 (99%)");
    expect(progressLine("loading", 1, 1_000_000)).toBe("loading 1/1,000,000 (0%)");
  });
});

describe("the build command", () => {
  it("prints no progress escape sequences when stderr is not a terminal", async () => {
    const root = await tmp.make();
    await copyRepoSeeds(join(root, "seeds"));
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, "dist")], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^built \d+ articles? into /);
    for (const output of [r.stdout, r.stderr]) {
      expect(output).not.toContain("\r");
      expect(output).not.toContain("\x1b[");
    }
  });
});
