// Dates in seeds: strict ISO 8601 / RFC 3339, checked against the calendar (2025-02-30 is an error) and
// against the range every feed format and reader carries exactly.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * The instants a seed may carry, in UTC. RSS writes RFC 822 dates, and JavaScript readers (rss-parser,
 * @rowanmanning/feed-parser, feedsmith) read a year below 100 there as 19xx or 20xx; from year 1000 on
 * every year is four digits without a leading zero, and all five readers in tests/helpers/consumers.ts
 * read it back exactly. RFC 3339 (Atom, JSON Feed) stops at 9999.
 */
export const FIRST_DATE = "1000-01-01T00:00:00Z";
export const LAST_DATE = "9999-12-31T23:59:59Z";
const FIRST_MS = Date.parse(FIRST_DATE);
const LAST_MS = Date.parse(LAST_DATE);
export const DATE_RANGE = `${FIRST_DATE.slice(0, 10)} to ${LAST_DATE.slice(0, 10)} (UTC)`;

export type ParsedDate = { ok: true; iso: string } | { ok: false; message: string };

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds since 1970 of a UTC calendar time. Not Date.UTC: it reads years 0 to 99 as 1900 to 1999. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/**
 * Parses "YYYY-MM-DD" (midnight UTC) or an RFC 3339 date-time into a canonical ISO string, the same
 * instant in UTC. Fractions of a second are refused unless zero: an RSS date carries whole seconds.
 */
export function parseSeedDate(value: string): ParsedDate {
  const m = DATE_TIME.exec(value.trim());
  if (!m) return { ok: false, message: `"${value}" is not a date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ` };
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: `impossible date ${y}-${mo}-${d}` };
  }
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, message: `impossible time in "${value}"` };
  if (m[4] !== undefined && zone === undefined) {
    return { ok: false, message: `"${value}" has a time but no time zone: add Z or an offset like +02:00` };
  }
  if (/[1-9]/.test(frac)) return { ok: false, message: `"${value}" has a fraction of a second: feeds carry whole seconds (RSS cannot say .${frac})` };
  let ms = utcMs(year, month, day, hour, minute, second);
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(":").map(Number) as [number, number];
    if (zh > 23 || zm > 59) return { ok: false, message: `impossible time zone offset ${zone}` };
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  if (ms < FIRST_MS || ms > LAST_MS) {
    const utc = zone && zone !== "Z" ? ` (${isoOf(ms)} in UTC)` : "";
    return { ok: false, message: `"${value}"${utc} is outside the dates seedfeed accepts: ${DATE_RANGE}` };
  }
  return { ok: true, iso: new Date(ms).toISOString() };
}

/** An instant as RFC 3339 in UTC, also where toISOString would write a six-digit year. */
function isoOf(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const year = d.getUTCFullYear();
  return `${year < 0 ? "-" : ""}${String(Math.abs(year)).padStart(4, "0")}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}` +
    `T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}Z`;
}
