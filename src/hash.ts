// The one sha-256 helper of the main thread (the stage worker keeps its own: it imports only Node's modules).

import { createHash } from "node:crypto";

/** Hex sha-256 of bytes, or of a string's UTF-8 bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}
