// Runs the host: listen, timeouts, hot swap of the served site, graceful shutdown.

import { statSync, unwatchFile, watchFile } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { manifestFileOf } from "../output/manifest.ts";
import type { AddressInfo, Socket } from "node:net";
import { AccessLog } from "./access-log.ts";
import { answerFileHit, createApp, type SiteSource } from "./app.ts";
import { loadServedSite, newServerCaches, type ServedSite, type ServerCaches } from "./from-manifest.ts";
import { answerClientError, answerConnect, refusedRequestLine } from "./protocol.ts";
import { startReaders, type ReaderSettings } from "./readers.ts";

export interface ServeOptions {
  dir: string;
  /** Serve this site instead of loading `dir` (watch mode builds it in memory). */
  site?: ServedSite;
  port: number;
  host: string;
  /** Bodies and on-demand encodings kept across the sites this server loads; its own, unless given. */
  caches?: ServerCaches;
  /** One line per request, in the combined log format (access-log.ts), on this stream. */
  log?: NodeJS.WritableStream;
  /** Subscriber counts, the polling guard and RFC 3229 deltas; absent: none of them. */
  readers?: ReaderSettings;
  /** Where a problem the server keeps running through is told (a count file it cannot save); default stderr. */
  warn?(line: string): void;
}

export interface RunningServer {
  server: Server;
  /** e.g. http://127.0.0.1:3000/ */
  url: string;
  /** Answers every request that starts after this call from `site`. */
  swap(site: ServedSite): void;
  /** Stops accepting, lets in-flight responses finish, closes idle keep-alive connections. */
  close(): Promise<void>;
}

export class PortInUseError extends Error {}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const manifestFile = manifestFileOf(options.dir);
  // Which manifest.json the site was read from: a request that meets a replaced body asks for a reload,
  // and many may, while a build runs; the manifest (50 MB at 100,000 articles) is read again only once
  // it has itself changed. The stamp is for noticing a change, never part of a response.
  const stampOf = () => {
    try {
      const st = statSync(manifestFile);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return "";
    }
  };
  let loadedStamp = options.site ? "" : stampOf();
  const caches = options.caches ?? newServerCaches();
  let site = options.site ?? loadServedSite(options.dir, caches);
  // Watch mode swaps sites itself; a plain server follows builds made beside it by reading the manifest again.
  const reload = options.site
    ? undefined
    : () => {
        const stamp = stampOf();
        if (stamp === "" || stamp === loadedStamp) return;
        try {
          site = loadServedSite(options.dir, caches);
          loadedStamp = stamp;
        } catch {
          // mid-build: the next request tries again
        }
      };
  const warn = options.warn ?? ((line: string) => process.stderr.write(`seedfeed: ${line}\n`));
  const readers = options.readers ? await startReaders(options.dir, options.readers, warn) : undefined;
  const source: SiteSource = { current: () => site, ...(reload ? { reload } : {}), ...(readers ? { readers: readers.hooks } : {}) };
  // By path, polled: a clean build swaps the whole folder, which a watch on the old folder would miss.
  if (reload) watchFile(manifestFile, { interval: 500, persistent: false }, reload);
  const app = createApp(source);
  const log = options.log ? new AccessLog(options.log) : undefined;
  // Host rules are checked by the handler (protocol.ts), so every 400 for Host is ours and is logged.
  const server = createServer({ requireHostHeader: false });
  // Node's own idle sweep (server.close(), closeIdleConnections()) destroys a connection as soon as its
  // response is end()ed, even while the body still waits in memory for a slow reader: a feed cut short.
  // So connections are tracked here: one is busy from its request until its response's last byte has gone
  // to the OS ('close' after 'finish'), and only the others are closed as idle.
  const connections = new Set<Socket>();
  const sending = new Map<Socket, ServerResponse>();
  let closing = false;
  server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  // A request the parser refused after pipelined ones is answered once their responses are out, in order.
  const refused = new WeakSet<Socket>();
  server.on("clientError", (err: Error, socket: Socket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    const visitor = log?.visitorOf(socket);
    const answer = () => {
      const answered = answerClientError(err, socket);
      if (answered) log?.answered(visitor!, refusedRequestLine(err), answered);
    };
    const inFlight = sending.get(socket);
    if (inFlight) inFlight.once("close", answer);
    else answer();
  });
  server.on("connect", (req: IncomingMessage, socket: Socket) => {
    const visitor = log?.visitorOf(socket);
    const answered = answerConnect(socket);
    if (answered) log?.answered(visitor!, `${req.method} ${req.url} HTTP/${req.httpVersion}`, answered, req.headers["user-agent"]);
  });
  server.closeIdleConnections = () => {
    for (const socket of connections) if (!sending.has(socket)) socket.destroy();
  };
  const answer = (req: IncomingMessage, res: ServerResponse) => answerFileHit(source, req, res) || app(req, res);
  // One listener: an event with two copies its listener list on every emit.
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    sending.set(socket, res);
    if (closing) res.shouldKeepAlive = false;
    res.once("close", () => {
      if (sending.get(socket) !== res) return;
      sending.delete(socket);
      if (closing) socket.end(); // kept alive before close(): nothing more will be answered on it
    });
    // Only when logging: without a log, no request pays for it.
    if (log) log.follow(req, res);
    answer(req, res);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new PortInUseError(`port ${options.port} on ${options.host} is already in use: choose another with --port`) : e),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}/`,
    swap(next) {
      site = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (reload) unwatchFile(manifestFile, reload);
        // also closes the idle connections, with the sweep above; the counts are saved once the last response is out
        server.close(() => void (readers?.close() ?? Promise.resolve()).then(() => resolve()));
      }),
  };
}
