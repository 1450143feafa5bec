// Conditional requests for GET and HEAD, evaluated in the order of RFC 9110 §13.2.2.

export type Outcome = "send" | "not-modified" | "precondition-failed";

export interface Validators {
  /** Strong entity tag with quotes, e.g. "\"abc\"". */
  etag: string;
  /** Last-Modified in whole seconds since the epoch, if the file has one. */
  lastModifiedSeconds?: number;
}

export interface ConditionalHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** The entity tags of a list header, with W/ kept; "*" is returned as ["*"]. */
function entityTags(header: string): string[] {
  if (header.trim() === "*") return ["*"];
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/** Weak comparison (§8.8.3.2): opaque tags equal, W/ ignored. If-None-Match uses it. */
function weakMatch(header: string, etag: string): boolean {
  return entityTags(header).some((t) => t === "*" || opaque(t) === etag);
}

/** Strong comparison: neither tag weak. If-Match uses it. */
function strongMatch(header: string, etag: string): boolean {
  return entityTags(header).some((t) => t === "*" || t === etag);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = MONTHS.join("|");
const DAY = "Mon|Tue|Wed|Thu|Fri|Sat|Sun";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
/** The three forms of RFC 9110 §5.6.7, which a recipient must all accept; each is GMT. */
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:${DAY}) (${MONTH}) ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * An HTTP-date in whole seconds, or undefined when malformed (then the header is ignored, §13.1.3).
 * Strict on purpose: Date.parse would also take dates without a time, other zones, impossible days
 * (rolled over into the next month) and asctime in the server's local time zone.
 */
export function parseHttpDate(value: string): number | undefined {
  let day: string, month: string, year: number, time: string[];
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(value.trim()))) {
    [day, month, year, time] = [m[1]!, m[2]!, Number(m[3]), m.slice(4, 7)];
  } else if ((m = RFC850_DATE.exec(value.trim()))) {
    // A two-digit year more than 50 years in the future is the most recent past year with those digits.
    const thisYear = new Date().getUTCFullYear();
    year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    [day, month, time] = [m[1]!, m[2]!, m.slice(4, 7)];
  } else if ((m = ASCTIME_DATE.exec(value.trim()))) {
    [month, day, time, year] = [m[1]!, m[2]!.trim(), m.slice(3, 6), Number(m[6])];
  } else return undefined;
  const [h, min, s] = time.map(Number) as [number, number, number];
  const mon = MONTHS.indexOf(month);
  const ms = Date.UTC(year, mon, Number(day), h, min, s);
  const d = new Date(ms);
  // Out-of-range parts (31 Feb, 25:00) would roll over: the date must read back as written.
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== mon || d.getUTCDate() !== Number(day) || d.getUTCHours() !== h || d.getUTCMinutes() !== min || d.getUTCSeconds() !== s) {
    return undefined;
  }
  return ms / 1000;
}

export function evaluateConditions(h: ConditionalHeaders, v: Validators): Outcome {
  // 1. If-Match, else 2. If-Unmodified-Since.
  if (h.ifMatch !== undefined) {
    if (!strongMatch(h.ifMatch, v.etag)) return "precondition-failed";
  } else if (h.ifUnmodifiedSince !== undefined && v.lastModifiedSeconds !== undefined) {
    const since = parseHttpDate(h.ifUnmodifiedSince);
    if (since !== undefined && v.lastModifiedSeconds > since) return "precondition-failed";
  }
  // 3. If-None-Match, else 4. If-Modified-Since ("not modified since or later": equal counts as not modified).
  // A poller sends back exactly the ETag it was given: that needs no parsing.
  if (h.ifNoneMatch !== undefined) return h.ifNoneMatch === v.etag || weakMatch(h.ifNoneMatch, v.etag) ? "not-modified" : "send";
  if (h.ifModifiedSince !== undefined && v.lastModifiedSeconds !== undefined) {
    const since = parseHttpDate(h.ifModifiedSince);
    if (since !== undefined && v.lastModifiedSeconds <= since) return "not-modified";
  }
  return "send";
}
