// Build progress on a terminal: one line, repainted in place, a few times a second at most.
// The build calls `report` once per unit of work (100,000 times for a big site), so a call that
// does not repaint costs one clock read and a comparison; the line is only formatted when drawn.

import type { ProgressReport } from "./types.ts";

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** --quiet: no progress line at all. */
  quiet?: boolean;
  /** Milliseconds; default performance.now (this is UI, never part of the output). */
  now?: () => number;
  /** Least time between two repaints of the same phase; default 250 ms. A new phase always repaints. */
  intervalMs?: number;
}

export interface TerminalProgress {
  /** Undefined when the stream is not a terminal or with --quiet: the build then skips reporting. */
  report: ProgressReport | undefined;
  /** Erases the progress line (if one is drawn), so the summary and diagnostics start on a clean line. */
  clear(): void;
}

const CLEAR_LINE = "\r\x1b[K";

/** 12345 → "12,345", independent of the locale. */
function groupDigits(n: number): string {
  const s = String(Math.trunc(n));
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `rendering 12,345/100,000 (12%)`, cut to fit in `columns` (one column short, so the cursor never wraps). */
export function progressLine(phase: string, done: number, total: number, columns?: number): string {
  const percent = total > 0 ? Math.min(100, Math.max(0, Math.floor((done * 100) / total))) : 0;
  const line = `${phase} ${groupDigits(done)}/${groupDigits(total)} (${percent}%)`;
  return columns !== undefined && columns > 1 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

export function terminalProgress(out: ProgressStream, options: ProgressOptions = {}): TerminalProgress {
  if (!out.isTTY || options.quiet) return { report: undefined, clear: () => {} };
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 250;
  let phaseShown: string | undefined;
  let paintedAt = -Infinity;
  let drawn = false;

  const report: ProgressReport = (phase, done, total) => {
    const t = now();
    if (phase === phaseShown && t - paintedAt < intervalMs) return;
    phaseShown = phase;
    paintedAt = t;
    drawn = true;
    // \x1b[K after the text: a shorter line leaves nothing of the longer one it replaces.
    out.write(`\r${progressLine(phase, done, total, out.columns)}\x1b[K`);
  };

  return {
    report,
    clear: () => {
      if (!drawn) return;
      drawn = false;
      phaseShown = undefined; // a report after clear() draws the line again at once
      out.write(CLEAR_LINE);
    },
  };
}
