// The HTTP/1.1 message rules Node's parser leaves to the server: which methods exist (501 or 405), one
// valid Host field (RFC 9112 §3.2), and an answer to a request the parser refused or does not hand over.

import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** What every file allows. */
export const ALLOWED_METHODS = "GET, HEAD";

/** Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2); an empty reg-name is allowed. */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|\[v[0-9A-Fa-f]+\.[\w\-.~!$&'()*+,;=:]+\]|(?:[\w\-.~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::\d*)?$/;

/**
 * A request RFC 9112 §3.2 says to answer 400: an HTTP/1.1 request without Host, any request with more
 * than one Host field line, or one whose Host value is not a host[:port]. Node keeps only the first of
 * two Host fields in req.headers, so the raw lines are counted.
 */
export function hasBadHost(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 4 || name.toLowerCase() !== "host") continue;
    if (host !== undefined) return true;
    host = raw[i + 1]!;
  }
  if (host === undefined) return req.httpVersionMajor === 1 && req.httpVersionMinor >= 1;
  return !HOST_VALUE.test(host);
}

/** A whole response written on a socket that has no ServerResponse: its status and body size, for the access log. */
export interface SocketAnswer {
  status: number;
  bytes: number;
}

/**
 * A whole response, for a socket that has no ServerResponse: the connection closes after it. Without
 * a body where the request may have been a HEAD (the parser refused it before its method was known).
 */
function closingAnswer(status: number, reason: string, { extra = [] as string[], withBody = true } = {}): { text: string } & SocketAnswer {
  const body = withBody ? `${reason}\n` : "";
  const text = [
    `HTTP/1.1 ${status} ${reason}`,
    "Content-Type: text/plain; charset=utf-8",
    "X-Content-Type-Options: nosniff",
    ...extra,
    `Content-Length: ${body.length}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
  return { text, status, bytes: body.length };
}

/** A request line (RFC 9112 §3): method token, one space, target, one space, version. */
const REQUEST_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^\s]+ HTTP\/\d\.\d$/;
/** When the packet ends inside the line, the method token and what follows it so far must be one. */
const REQUEST_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?: |$)/;

/**
 * The answer to a request Node's parser refused ('clientError'). The parser knows the registered methods
 * (http.METHODS: RFC 9110's, WebDAV's, PATCH, PURGE…) and hands those to the handler, which answers 405
 * with Allow; it refuses any other, and Node's own handler would answer 400. A well-formed request line
 * whose method the parser does not know names a method this server does not implement: 501 (RFC 9110
 * §9.1). A line that is not a request line (no token, a tab for a space, no version) stays 400. The
 * other codes are the ones Node's handler sends.
 */
function clientErrorAnswer(err: NodeJS.ErrnoException & { bytesParsed?: number; rawPacket?: Buffer }): ReturnType<typeof closingAnswer> {
  switch (err.code) {
    case "HPE_INVALID_METHOD": {
      const packet = err.rawPacket?.toString("latin1") ?? "";
      // The refused request's line: the last one that starts at or before where parsing stopped.
      const start = packet.lastIndexOf("\n", Math.max(0, (err.bytesParsed ?? 0) - 1)) + 1;
      const end = packet.indexOf("\r\n", start);
      const wellFormed = end < 0 ? REQUEST_LINE_START.test(packet.slice(start)) : REQUEST_LINE.test(packet.slice(start, end));
      return wellFormed ? closingAnswer(501, "Not Implemented") : closingAnswer(400, "Bad Request", { withBody: false });
    }
    case "HPE_HEADER_OVERFLOW":
      return closingAnswer(431, "Request Header Fields Too Large", { withBody: false });
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return closingAnswer(413, "Payload Too Large", { withBody: false });
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return closingAnswer(408, "Request Timeout", { withBody: false });
    default:
      return closingAnswer(400, "Bad Request", { withBody: false });
  }
}

/**
 * Answers a refused request on its socket and closes it. Call it once the socket's earlier responses are
 * sent. Returns what it answered; undefined when the client was gone.
 */
export function answerClientError(err: Error, socket: Socket): SocketAnswer | undefined {
  let answered: SocketAnswer | undefined;
  if ((err as NodeJS.ErrnoException).code !== "ECONNRESET" && socket.writable) {
    const answer = clientErrorAnswer(err);
    socket.write(answer.text);
    answered = { status: answer.status, bytes: answer.bytes };
  }
  socket.destroy();
  return answered;
}

/** The request line of a request the parser refused, as far as it came (for the access log); "-" when none. */
export function refusedRequestLine(err: Error): string {
  const packet = (err as { rawPacket?: Buffer }).rawPacket?.toString("latin1") ?? "";
  const end = packet.indexOf("\r\n");
  const line = (end < 0 ? packet : packet.slice(0, end)).slice(0, 2048);
  return line === "" ? "-" : line;
}

/**
 * CONNECT asks a proxy for a tunnel; Node hands it to 'connect' listeners, and without one closes the
 * connection without a word. It is a known method no file allows: 405.
 */
export function answerConnect(socket: Socket): SocketAnswer | undefined {
  const answer = closingAnswer(405, "Method Not Allowed", { extra: [`Allow: ${ALLOWED_METHODS}`] });
  const writable = socket.writable;
  if (writable) socket.write(answer.text);
  socket.destroy();
  return writable ? { status: answer.status, bytes: answer.bytes } : undefined;
}
