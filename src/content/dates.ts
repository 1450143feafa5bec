// Dates in seeds: strict ISO 8601 / RFC 3339, checked against the calendar (2025-02-30 is an error).

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export type ParsedDate = { ok: true; iso: string } | { ok: false; message: string };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses "YYYY-MM-DD" (midnight UTC) or an RFC 3339 date-time into a canonical ISO string. */
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
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, "0").slice(0, 3)));
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(":").map(Number) as [number, number];
    if (zh > 23 || zm > 59) return { ok: false, message: `impossible time zone offset ${zone}` };
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return { ok: true, iso: new Date(ms).toISOString() };
}
