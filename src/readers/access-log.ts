// Access logs: the line `serve --log` writes, and the lines `stats --log` reads.
//
// seedfeed writes the combined log format (Apache's and nginx's default) with the response time in
// seconds appended, as nginx's $request_time:
//   fd3c:9a1e:… - - [03/Dec/2026:10:00:00 +0000] "GET /rss.xml HTTP/1.1" 200 28022 "-" "Feedly/1.0 (…)" 0.001
// The address is never written: its place holds a pseudonym (visitor-keys.ts), a unique-local IPv6
// address that stands for one visitor for one UTC day. Quotes, backslashes and bytes outside printable
// ASCII in the quoted fields are written as \xHH, as nginx does.
//
// stats reads that format (the trailing fields are optional: plain combined and common-with-agent lines
// from nginx, Apache and Caddy v1 too) and Caddy v2's JSON access log.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "03/Dec/2026:10:00:00 +0000" */
function logTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A quoted field's text: `"`, `\`, controls and anything past ASCII as \xHH (one per UTF-16 unit below 256, as Node reads header bytes). */
function escapeField(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 256 ? `\\x${code.toString(16).toUpperCase().padStart(2, "0")}` : encodeURIComponent(c).replaceAll("%", "\\x");
  });
}

export interface LoggedRequest {
  /** The pseudonym standing for the visitor's address. */
  visitor: string;
  /** When the request came, in ms since 1970. */
  time: number;
  /** The request line as received ("GET /rss.xml HTTP/1.1"), or "-" when there was none. */
  requestLine: string;
  status: number;
  /** Body bytes sent; undefined: none ("-"). */
  bytes: number | undefined;
  referer: string | undefined;
  userAgent: string | undefined;
  /** From the request to the last byte handed to the OS. */
  seconds: number;
}

export function formatLogLine(r: LoggedRequest): string {
  const quoted = (v: string | undefined) => `"${v === undefined || v === "" ? "-" : escapeField(v)}"`;
  return `${r.visitor} - - [${logTime(r.time)}] ${quoted(r.requestLine)} ${r.status} ${r.bytes ? r.bytes : "-"} ${quoted(r.referer)} ${quoted(r.userAgent)} ${r.seconds.toFixed(3)}\n`;
}

/** What stats needs of a log line. */
export interface LogRecord {
  address: string;
  /** Seconds since 1970. */
  time: number;
  method: string;
  /** The path of the request target, without its query. */
  path: string;
  status: number;
  userAgent: string;
}

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
/** host ident user [time] "request" status bytes, then optionally "referer" "user agent" and anything after. */
const COMBINED = new RegExp(String.raw`^(\S+) \S+ \S+ \[([^\]]+)\] ${QUOTED} (\d{3}) (?:\d+|-)(?: ${QUOTED} ${QUOTED})?`);
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

function unescapeField(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string | undefined, c: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : c!));
}

function clfSeconds(text: string): number | undefined {
  const m = CLF_TIME.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!) : -1;
  if (!m || month < 0) return undefined;
  const offset = (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000 - offset;
}

const pathOf = (target: string) => target.replace(/[?#].*$/, "");

function parseCombined(line: string): LogRecord | undefined {
  const m = COMBINED.exec(line);
  if (!m) return undefined;
  const time = clfSeconds(m[2]!);
  const request = /^(\S+) (\S+)/.exec(unescapeField(m[3]!));
  if (time === undefined || !request) return undefined;
  return { address: m[1]!, time, method: request[1]!, path: pathOf(request[2]!), status: Number(m[4]), userAgent: m[6] === undefined || m[6] === "-" ? "" : unescapeField(m[6]) };
}

interface CaddyEntry {
  ts?: number;
  status?: number;
  request?: { client_ip?: string; remote_ip?: string; remote_addr?: string; method?: string; uri?: string; headers?: Record<string, string[]> };
}

/** Caddy v2's JSON access log (the JSON object may follow the console encoder's tab-separated prefix). */
function parseCaddy(line: string): LogRecord | undefined {
  let e: CaddyEntry;
  try {
    e = JSON.parse(line.slice(line.indexOf("{"))) as CaddyEntry;
  } catch {
    return undefined;
  }
  const r = e.request;
  const address = r?.client_ip || r?.remote_ip || r?.remote_addr?.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  if (!r || !address || typeof e.ts !== "number" || typeof e.status !== "number" || !r.method || !r.uri) return undefined;
  const agent = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === "user-agent")?.[1]?.[0] ?? "";
  return { address, time: e.ts, method: r.method, path: pathOf(r.uri), status: e.status, userAgent: agent };
}

/** A log line read; undefined when it is in none of the formats stats reads. */
export function parseLogLine(line: string): LogRecord | undefined {
  return parseCombined(line) ?? (line.includes("{") ? parseCaddy(line) : undefined);
}
