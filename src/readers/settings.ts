// The config file's "readers" section, with the command line over it: what `serve` and `dev` do for feed
// readers, and how many versions of each head feed `build` and `dev` keep for deltas. Not part of the
// site: changing it rebuilds nothing.

import { ConfigError, READERS_SECTION } from "../config.ts";
import { DEFAULT_FEED_VERSIONS } from "../output/feed-versions.ts";

export interface ReadersConfig {
  /** Versions of each head feed kept for RFC 3229 deltas; 0: none (and no deltas). */
  feedVersions: number;
  /** Fetches of one feed by one client allowed within one max-age window before 429; 0: no guard. */
  guardLimit: number;
  /** Count subscribers. */
  counts: boolean;
  /** Answer `A-IM: feed` with deltas. */
  deltas: boolean;
}

export const DEFAULT_GUARD_LIMIT = 10;

const DEFAULTS: ReadersConfig = { feedVersions: DEFAULT_FEED_VERSIONS, guardLimit: DEFAULT_GUARD_LIMIT, counts: true, deltas: true };
const KEYS = Object.keys(DEFAULTS) as (keyof ReadersConfig)[];

function wholeNumber(value: unknown, name: string, max: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > max) throw new ConfigError(`${name} must be a whole number from 0 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** The section of the config file (`origin` names it in messages), then `--guard-limit` over it. */
export function readersConfig(section: unknown, origin: string, flags: { guardLimit?: string | undefined } = {}): ReadersConfig {
  const inFile = (key: string) => `${origin}: "${READERS_SECTION}.${key}"`;
  const config = { ...DEFAULTS };
  if (section !== undefined) {
    if (typeof section !== "object" || section === null || Array.isArray(section)) throw new ConfigError(`${origin}: "${READERS_SECTION}" must be an object`);
    for (const [key, value] of Object.entries(section)) {
      if (!(KEYS as string[]).includes(key)) throw new ConfigError(`${inFile(key)} is not a readers setting (known: ${KEYS.join(", ")})`);
      if (key === "counts" || key === "deltas") {
        if (typeof value !== "boolean") throw new ConfigError(`${inFile(key)} must be true or false`);
        config[key] = value;
      } else {
        config[key as "feedVersions" | "guardLimit"] = wholeNumber(value, inFile(key), key === "feedVersions" ? 1000 : 1_000_000);
      }
    }
  }
  if (flags.guardLimit !== undefined) config.guardLimit = wholeNumber(flags.guardLimit, "--guard-limit", 1_000_000);
  return config;
}
