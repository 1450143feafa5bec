// One server for bench/serve.ts, in its own process so it never shares an event loop with the load generator.
//   tsx bench/bench-server.ts <seedfeed|static|bare> <dist> → prints "listening <port>"

import express from "express";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startServer } from "../src/server/serve.ts";

const [kind, dist] = process.argv.slice(2) as [string, string];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

let port: number;
if (kind === "seedfeed") {
  const running = await startServer({ dir: dist, port: 0, host: "127.0.0.1" });
  port = Number(new URL(running.url).port);
} else if (kind === "static") {
  const app = express();
  app.use(express.static(dist));
  port = await listen(createServer(app));
} else if (kind === "bare") {
  // The ceiling: the same brotli bytes from memory, headers written by hand, no routing at all.
  const br = readFileSync(join(dist, "rss.xml.br"));
  const etag = `"${br.length}-bare"`;
  const headers = {
    "Content-Type": "application/rss+xml; charset=utf-8",
    "Content-Encoding": "br",
    "Content-Length": String(br.length),
    ETag: etag,
    Vary: "Accept-Encoding",
    "Cache-Control": "public, max-age=300",
  };
  port = await listen(
    createServer((req, res) => {
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { ETag: etag, Vary: "Accept-Encoding", "Cache-Control": "public, max-age=300" });
        res.end();
      } else {
        res.writeHead(200, headers);
        res.end(br);
      }
    }),
  );
} else {
  throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(`listening ${port}\n`);
