// The settings of a publish: the config file's "publish" section, with the command line over it. Never
// secrets: credentials come from the AWS SDK's own chain (environment, profiles, instance roles).

import { ConfigError, PUBLISH_SECTION } from "../config.ts";
import { parseTarget, type PublishTarget } from "./target.ts";

export interface PublishSettings {
  target: PublishTarget;
  endpoint?: string;
  region?: string;
  pathStyle: boolean;
  maxDeletes: number;
  concurrency: number;
}

/** The command line's values, as parseArgs gives them (strings and booleans). */
export interface PublishFlags {
  target?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  maxDeletes?: string;
  concurrency?: string;
}

export const DEFAULT_MAX_DELETES = 256;
export const DEFAULT_CONCURRENCY = 16;

const KEYS = ["target", "endpoint", "region", "pathStyle", "maxDeletes", "concurrency"] as const;
const SECRETS = /secret|password|token|credential|access.?key/i;

function wholeNumber(value: unknown, name: string, min: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number from ${min} up, got ${JSON.stringify(value)}`);
  return n;
}

function endpointUrl(value: unknown, name: string): string {
  try {
    const u = new URL(String(value));
    if (u.protocol === "http:" || u.protocol === "https:") return u.href;
  } catch {
    // the message below says it
  }
  throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new ConfigError(`${name} must be non-empty text`);
  return value;
}

/** Flags win over the file's section; `origin` names the file in messages. */
export function publishSettings(section: unknown, flags: PublishFlags, origin: string): PublishSettings {
  const inFile = (key: string) => `${origin}: "${PUBLISH_SECTION}.${key}"`;
  const file: Record<string, unknown> = {};
  if (section !== undefined) {
    if (typeof section !== "object" || section === null || Array.isArray(section)) throw new ConfigError(`${origin}: "${PUBLISH_SECTION}" must be an object`);
    for (const [key, value] of Object.entries(section)) {
      if (SECRETS.test(key)) throw new ConfigError(`${inFile(key)}: secrets never go in the config file; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`);
      if (!(KEYS as readonly string[]).includes(key)) throw new ConfigError(`${inFile(key)} is not a publish setting (known: ${KEYS.join(", ")})`);
      file[key] = value;
    }
  }
  const targetText = flags.target ?? (file.target !== undefined ? text(file.target, inFile("target")) : undefined);
  if (targetText === undefined) throw new ConfigError(`publish needs a target: seedfeed publish s3://BUCKET[/PREFIX], or "${PUBLISH_SECTION}": {"target": …} in ${origin}`);
  const settings: PublishSettings = {
    target: parseTarget(targetText),
    pathStyle: flags.pathStyle || (file.pathStyle ?? false) === true,
    maxDeletes:
      flags.maxDeletes !== undefined
        ? wholeNumber(flags.maxDeletes, "--max-deletes", -1)
        : file.maxDeletes !== undefined
          ? wholeNumber(file.maxDeletes, inFile("maxDeletes"), -1)
          : DEFAULT_MAX_DELETES,
    concurrency:
      flags.concurrency !== undefined
        ? wholeNumber(flags.concurrency, "--concurrency", 1)
        : file.concurrency !== undefined
          ? wholeNumber(file.concurrency, inFile("concurrency"), 1)
          : DEFAULT_CONCURRENCY,
  };
  if (file.pathStyle !== undefined && typeof file.pathStyle !== "boolean") throw new ConfigError(`${inFile("pathStyle")} must be true or false`);
  const endpoint = flags.endpoint !== undefined ? endpointUrl(flags.endpoint, "--endpoint") : file.endpoint !== undefined ? endpointUrl(file.endpoint, inFile("endpoint")) : undefined;
  if (endpoint) settings.endpoint = endpoint;
  const region = flags.region !== undefined ? text(flags.region, "--region") : file.region !== undefined ? text(file.region, inFile("region")) : undefined;
  if (region) settings.region = region;
  return settings;
}
