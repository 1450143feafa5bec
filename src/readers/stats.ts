// `seedfeed stats`: subscribers of each feed, from the counts `serve` saved, or from an access log
// (seedfeed's own, nginx's, Apache's, Caddy's) run through the very tally the server uses: the same
// numbers either way.

import { parseLogLine } from "./access-log.ts";
import { type CountsView, type DayRecord, type ReaderCounts, sumOf, type SavedCounts, totalOf } from "./counts.ts";
import { FeedReaders } from "./readers.ts";
import { FEED_PATHS } from "../render/urls.ts";

export interface StatsReport {
  /** What the numbers were read from: "dist/" or a log file's name. */
  source: string;
  /** Seconds since 1970: when the counts were saved, or the log's last feed fetch. */
  at: number;
  /** The 24 hours before `at`. */
  current: CountsView;
  days: DayRecord[];
  /** Log lines in none of the formats stats reads. */
  unreadLines?: number;
}

export function statsOfCounts(source: string, saved: SavedCounts): StatsReport {
  return { source, at: saved.savedAt, current: saved.current, days: saved.days };
}

const FEED_NAMES = new Set(Object.values(FEED_PATHS));

/** A head feed's URL path: a feed file's name, not in an archive folder (however the site's base path begins). */
function isHeadFeed(path: string): boolean {
  return FEED_NAMES.has(path.slice(path.lastIndexOf("/") + 1)) && !/\/archive\//.test(path);
}

/** Answers a reader fetched a feed with: the feed, a delta of it, not modified, or told to wait. */
const FETCHED = new Set([200, 226, 304, 429]);

export async function statsOfLog(source: string, lines: AsyncIterable<string> | Iterable<string>): Promise<StatsReport> {
  let readers: FeedReaders | undefined;
  let at = 0;
  let unreadLines = 0;
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const r = parseLogLine(line);
    if (!r) {
      unreadLines++;
      continue;
    }
    if ((r.method !== "GET" && r.method !== "HEAD") || !FETCHED.has(r.status) || !isHeadFeed(r.path)) continue;
    readers ??= new FeedReaders({ counts: true, guardLimit: 0 }, r.time);
    readers.poll(r.path, r.userAgent, r.address, 0, r.time);
    at = Math.max(at, r.time);
  }
  const counts = readers?.counts(at);
  return { source, at, current: counts?.current ?? { feeds: {}, streams: {} }, days: counts?.days ?? [], ...(unreadLines ? { unreadLines } : {}) };
}

/** The numbers for scripts: each stream and feed with its total and its readers, now and by day. */
export function statsJson(report: StatsReport): unknown {
  const scope = (counts: Record<string, ReaderCounts>) =>
    Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, readers]) => [name, { subscribers: sumOf(readers), readers }]));
  const view = (v: CountsView) => ({ streams: scope(v.streams), feeds: scope(v.feeds) });
  return {
    source: report.source,
    at: new Date(report.at * 1000).toISOString(),
    current: view(report.current),
    days: report.days.map((d) => ({ day: d.day, ...view(d), ...(d.untracked ? { untracked: d.untracked } : {}) })),
    ...(report.unreadLines ? { unreadLines: report.unreadLines } : {}),
  };
}

/** "Feedly 134, Feedbin 23, NetNewsWire 2": readers by subscribers, most first. */
function readerList(readers: ReaderCounts | undefined): string {
  return Object.entries(readers ?? {})
    .map(([name, c]) => [name, totalOf(c)] as const)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
}

/** Columns two spaces apart; numbers right-aligned, text left-aligned. */
function table(rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

/** Streams shown as history columns: the most subscribed first. */
const HISTORY_COLUMNS = 6;
const HISTORY_ROWS = 14;

/** The report for a terminal: each stream now (formats together and apart, by reader), then by day. */
export function statsTable(report: StatsReport): string {
  const when = new Date(report.at * 1000).toISOString().replace("T", " ").slice(0, 16);
  const streams = Object.keys(report.current.streams).sort((a, b) => sumOf(report.current.streams[b]) - sumOf(report.current.streams[a]) || (a < b ? -1 : 1));
  const lines = [`Subscribers, ${report.source}, the 24 hours before ${when} UTC:`, ""];
  if (streams.length === 0) lines.push("no subscribers yet");
  else {
    const formats = Object.values(FEED_PATHS);
    const rows = [["feed", "subscribers", ...formats, "readers"]];
    for (const s of streams) rows.push([s, String(sumOf(report.current.streams[s])), ...formats.map((f) => String(sumOf(report.current.feeds[`${s}${f}`]))), readerList(report.current.streams[s])]);
    lines.push(table(rows, (i) => i > 0 && i <= formats.length + 1));
  }
  const days = report.days.slice(-HISTORY_ROWS);
  if (days.length > 0) {
    const columns = [...new Set(days.flatMap((d) => Object.keys(d.streams)))]
      .sort((a, b) => sumOf(days.at(-1)!.streams[b]) - sumOf(days.at(-1)!.streams[a]) || (a < b ? -1 : 1))
      .slice(0, HISTORY_COLUMNS);
    lines.push("", `By day (UTC), formats together${report.days.length > days.length ? `, the last ${days.length} of ${report.days.length} days` : ""}:`, "");
    const rows = [["day", ...columns], ...days.map((d) => [d.day, ...columns.map((c) => String(sumOf(d.streams[c])))])];
    lines.push(table(rows, (i) => i > 0));
  }
  const untracked = report.days.reduce((n, d) => n + (d.untracked ?? 0), 0);
  if (untracked > 0) lines.push("", `${untracked} fetches by readers not told apart: a day's table of readers was full`);
  if (report.unreadLines) lines.push("", `${report.unreadLines} log lines in no format stats reads were skipped`);
  return `${lines.join("\n")}\n`;
}
