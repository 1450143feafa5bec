// Loopback ports for servers a test starts itself, and for one that nothing answers on.

import { createServer } from "node:net";

/** A loopback port free a moment ago (nothing listens on it until someone takes it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
