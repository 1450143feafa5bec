// `serve --log`: one line per request in the combined log format, response time appended
// (src/readers/access-log.ts), every request: those the fast path answers, those Express answers, and
// those the HTTP parser refused. The visitor's address is never written, only a pseudonym for the day.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { formatLogLine } from "../readers/access-log.ts";
import { dayOf, VisitorKeys } from "../readers/visitor-keys.ts";
import type { SocketAnswer } from "./protocol.ts";

export class AccessLog {
  private readonly keys: VisitorKeys;

  /** `clock`: ms since 1970. */
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly clock: () => number = Date.now,
  ) {
    this.keys = new VisitorKeys(dayOf(clock() / 1000));
  }

  /** Follows a request to its end (or its client's going) and writes its line. */
  follow(req: IncomingMessage, res: ServerResponse): void {
    const time = this.clock();
    const started = performance.now();
    const visitor = this.visitorOf(req.socket, time);
    let bytes = 0;
    let done: number | undefined;
    // The body's size as written: responses are written with writeHead's list, which getHeader cannot read.
    const { write, end } = res;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      bytes += byteLength(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== "function") bytes += byteLength(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
    res.once("finish", () => (done = performance.now()));
    res.once("close", () => {
      const requestLine = `${req.method ?? "-"} ${req.url ?? "-"} HTTP/${req.httpVersion}`;
      this.write(visitor, time, requestLine, { status: res.statusCode, bytes }, req.headers.referer, req.headers["user-agent"], (done ?? performance.now()) - started);
    });
  }

  /** The pseudonym of a socket's peer today; take it before the socket is destroyed (its address goes with it). */
  visitorOf(socket: Socket, time = this.clock()): string {
    const day = dayOf(time / 1000);
    if (day !== this.keys.day) this.keys.rotate(day);
    return this.keys.pseudonym(socket.remoteAddress ?? "");
  }

  /** A request answered on its socket, without a ServerResponse (refused by the parser, CONNECT). */
  answered(visitor: string, requestLine: string, answer: SocketAnswer, userAgent?: string): void {
    this.write(visitor, this.clock(), requestLine, answer, undefined, userAgent, 0);
  }

  private write(visitor: string, time: number, requestLine: string, answer: SocketAnswer, referer: string | undefined, userAgent: string | undefined, ms: number): void {
    this.out.write(formatLogLine({ visitor, time, requestLine, status: answer.status, bytes: answer.bytes || undefined, referer, userAgent, seconds: ms / 1000 }));
  }
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === "string") return Buffer.byteLength(chunk);
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}
