// Runs the host: listen, timeouts, hot swap of the served site, graceful shutdown.

import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { answerFileHit, createApp, type AppOptions } from "./app.ts";
import { loadServedSite, type ServedSite } from "./from-manifest.ts";

export interface ServeOptions extends AppOptions {
  dir: string;
  port: number;
  host: string;
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
  let site = await loadServedSite(options.dir);
  const source = { current: () => site };
  const app = createApp(source, options);
  // With an access log every request goes through Express, whose middleware writes the log.
  const server = createServer(options.log ? app : (req, res) => answerFileHit(source, req, res) || app(req, res));
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
        server.close(() => resolve()); // also closes the idle connections, with the sweep above
      }),
  };
}
