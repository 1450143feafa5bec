// One server for bench/serve.ts, in its own process so it never shares an event loop with the load generator.
//   tsx bench/bench-server.ts seedfeed <dist>       seedfeed's host on that dist/
//   tsx bench/bench-server.ts readers <dist>        the same with subscriber counts, the polling guard and
//                                                   RFC 3229 deltas on (the guard's limit out of wrk's reach)
//   tsx bench/bench-server.ts bare <replies.json>   the ceiling: recorded replies sent from memory
// Each prints "listening <port>".

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startServer } from "../src/server/serve.ts";

/** What seedfeed answered for one URL, recorded by bench/serve.ts: the bare server sends exactly these bytes. */
export interface RecordedReply {
  url: string;
  etag: string;
  /** Flat [name, value, …] lists as seedfeed sent them, without Date (Node adds it for both servers). */
  headers200: string[];
  headers304: string[];
  /** The 200 body, base64. */
  body: string;
  /** With `A-IM: feed`: the 226 seedfeed answered (headers as above; body base64). */
  delta?: { headers: string[]; body: string };
}

const [kind, arg] = process.argv.slice(2) as [string, string];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

let port: number;
if (kind === "seedfeed" || kind === "readers") {
  // The guard counts every request as it would a reader's, but wrk polls far faster than any: out of its reach.
  const readers = kind === "readers" ? { readers: { counts: true, guardLimit: Number.MAX_SAFE_INTEGER, deltas: true } } : {};
  const running = await startServer({ dir: arg, port: 0, host: "127.0.0.1", ...readers });
  port = Number(new URL(running.url).port);
} else if (kind === "bare") {
  // No routing, no negotiation, no checks: a table lookup by the exact URL and one string comparison.
  const replies = new Map(
    (JSON.parse(readFileSync(arg, "utf8")) as RecordedReply[]).map((r) => [r.url, { ...r, bytes: Buffer.from(r.body, "base64"), deltaBytes: r.delta && Buffer.from(r.delta.body, "base64") }]),
  );
  port = await listen(
    createServer((req, res) => {
      const r = replies.get(req.url ?? "");
      if (!r) {
        res.writeHead(404);
        res.end();
      } else if (r.delta && req.headers["a-im"] !== undefined) {
        res.writeHead(226, r.delta.headers);
        res.end(r.deltaBytes);
      } else if (req.headers["if-none-match"] === r.etag) {
        res.writeHead(304, r.headers304);
        res.end();
      } else {
        res.writeHead(200, r.headers200);
        res.end(r.bytes);
      }
    }),
  );
} else {
  throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(`listening ${port}\n`);
