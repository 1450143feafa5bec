// Site configuration: defaults, the config file, CLI overrides, and validation with messages that name the key.

import { readFile } from "node:fs/promises";
import { DEFAULT_CACHE_CONTROL, POLICY_KINDS } from "./output/cache-policy.ts";
import { PRECOMPRESS_MODES } from "./output/compress.ts";
import { hasXmlInvalidChars } from "./content/text.ts";
import type { Person, SiteConfig } from "./types.ts";

export const DEFAULT_CONFIG_FILE = "seedfeed.config.json";

export const DEFAULTS: SiteConfig = {
  title: "seedfeed",
  description: "Articles built by seedfeed",
  baseUrl: "http://localhost:3000/",
  author: { name: "seedfeed" },
  language: "en",
  feedSize: 50,
  pageSize: 50,
  tagPrefix: "tag:seedfeed.example,2025:",
  cacheControl: DEFAULT_CACHE_CONTROL,
  precompress: "polled",
};

type Check = (value: unknown) => string | undefined; // an error message, or undefined when fine

const nonEmptyText: Check = (v) => {
  if (typeof v !== "string" || v.trim() === "") return "must be non-empty text";
  // Config text goes into every feed as is: a character XML cannot carry would make them all malformed.
  if (hasXmlInvalidChars(v)) return "must not hold control characters (XML cannot carry them)";
  return undefined;
};
const httpUrl = (v: unknown): string | undefined => {
  if (typeof v !== "string") return "must be an absolute http(s) URL";
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") return `must be an http(s) URL, got ${JSON.stringify(v)}`;
    if (u.search || u.hash) return `must not have a query or fragment, got ${JSON.stringify(v)}`;
    return undefined;
  } catch {
    return `must be an absolute http(s) URL, got ${JSON.stringify(v)}`;
  }
};

const wholeNumber = (min: number, max: number): Check => (v) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`;

const CHECKS: Record<keyof SiteConfig, Check> = {
  cacheControl: (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return `must be an object with any of the keys ${POLICY_KINDS.join(", ")}`;
    for (const [kind, value] of Object.entries(v)) {
      if (!(POLICY_KINDS as string[]).includes(kind)) return `has an unknown kind "${kind}" (known: ${POLICY_KINDS.join(", ")})`;
      if (typeof value !== "string" || value.trim() === "" || /[\r\n]/.test(value)) return `.${kind} must be a one-line Cache-Control value`;
    }
    return undefined;
  },
  title: nonEmptyText,
  description: nonEmptyText,
  precompress: (v) => ((PRECOMPRESS_MODES as readonly unknown[]).includes(v) ? undefined : `must be one of ${PRECOMPRESS_MODES.join(", ")}, got ${JSON.stringify(v)}`),
  baseUrl: httpUrl,
  hub: (v) => (v === undefined ? undefined : httpUrl(v)),
  author: (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return 'must be an object like {"name": "Ada", "email": "ada@example.org", "url": "https://example.org/"}';
    const p = v as Record<string, unknown>;
    const unknown = Object.keys(p).find((k) => !["name", "email", "url"].includes(k));
    if (unknown) return `has an unknown key "${unknown}" (known: name, email, url)`;
    const nameProblem = nonEmptyText(p.name);
    if (nameProblem) return `.name ${nameProblem}`;
    if (p.email !== undefined && (typeof p.email !== "string" || !/^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(p.email))) return ".email must be an e-mail address";
    if (p.url !== undefined && httpUrl(p.url)) return `.url ${httpUrl(p.url)}`;
    return undefined;
  },
  language: (v) => (typeof v === "string" && /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(v) ? undefined : `must be a language tag like "en" or "pt-BR", got ${JSON.stringify(v)}`),
  feedSize: wholeNumber(1, 10_000),
  pageSize: wholeNumber(1, 10_000),
  tagPrefix: (v) =>
    typeof v === "string" && /^tag:[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?:$/i.test(v)
      ? undefined
      : `must be a tag: URI prefix (RFC 4151) like "tag:example.org,2025:", got ${JSON.stringify(v)}`,
};

export const CONFIG_KEYS = Object.keys(CHECKS) as (keyof SiteConfig)[];

export class ConfigError extends Error {}

/** The config file's settings of `seedfeed publish` (src/publish/settings.ts): not part of the site, so never in its key. */
export const PUBLISH_SECTION = "publish";

/** The config file's settings of what the server does for feed readers (src/readers/settings.ts): not part of the site either. */
export const READERS_SECTION = "readers";

const asText = (text: string): unknown => text;

/** How each key's flag text becomes a value; the value is then checked like one from the file. */
const FROM_FLAG: Record<keyof SiteConfig, (text: string) => unknown> = {
  title: asText,
  description: asText,
  baseUrl: asText,
  hub: asText,
  // A name alone: loadConfig keeps the file's e-mail and URL.
  author: asText,
  language: asText,
  feedSize: Number,
  pageSize: Number,
  tagPrefix: asText,
  precompress: asText,
  cacheControl: (text) => {
    try {
      return JSON.parse(text);
    } catch {
      throw new ConfigError(`--cache-control must be JSON like '{"feed": "public, max-age=600"}'`);
    }
  },
};

/** Every config key is also a flag: baseUrl → --base-url. */
export function flagOf(key: keyof SiteConfig): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The config flags, for node:util parseArgs. */
export const CONFIG_FLAG_OPTIONS = Object.fromEntries(CONFIG_KEYS.map((k) => [flagOf(k), { type: "string" as const }]));

/** The config keys set by flags (parseArgs values by flag name), as values for loadConfig's overrides. */
export function overridesFromFlags(values: Record<string, unknown>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = values[flagOf(key)];
    if (typeof text === "string") overrides[key] = FROM_FLAG[key](text);
  }
  return overrides;
}

/** Validates a raw object (from JSON or flags) merged over the defaults; throws one error listing every bad key. */
export function validateConfig(raw: Record<string, unknown>, origin: string): SiteConfig {
  const problems: string[] = [];
  const { [PUBLISH_SECTION]: _publish, [READERS_SECTION]: _readers, ...site } = raw;
  for (const key of Object.keys(site)) {
    if (!(key in CHECKS)) problems.push(`unknown key "${key}" (known: ${CONFIG_KEYS.join(", ")}, ${PUBLISH_SECTION}, ${READERS_SECTION})`);
  }
  const merged: Record<string, unknown> = { ...DEFAULTS, ...site };
  if (typeof raw.author === "string") merged.author = { name: raw.author };
  if (typeof raw.cacheControl === "object" && raw.cacheControl !== null) merged.cacheControl = { ...DEFAULT_CACHE_CONTROL, ...raw.cacheControl };
  for (const key of CONFIG_KEYS) {
    const problem = CHECKS[key](merged[key]);
    if (problem) problems.push(`"${key}" ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${origin}: ${p}`).join("\n"));
  const config = merged as unknown as SiteConfig;
  const base = new URL(config.baseUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return { ...config, baseUrl: base.href, author: { ...(config.author as Person) } };
}

/** The config file as JSON, and its name; {} when the default file is missing. */
export async function readConfigFile(file: string | undefined): Promise<{ path: string; raw: Record<string, unknown> }> {
  const path = file ?? DEFAULT_CONFIG_FILE;
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${path}: must hold a JSON object`);
    return { path, raw: parsed as Record<string, unknown> };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (!(code === "ENOENT" && file === undefined)) {
      throw new ConfigError(code ? `${path}: cannot be read (${code})` : `${path}: not valid JSON: ${(e as Error).message}`);
    }
    return { path, raw: {} };
  }
}

/** Reads the config file (a missing default file is fine) and applies CLI overrides on top. */
export async function loadConfig(file: string | undefined, overrides: Record<string, unknown>): Promise<SiteConfig> {
  const { path, raw: fromFile } = await readConfigFile(file);
  validateConfig(fromFile, path);
  const merged = { ...fromFile, ...overrides };
  if (typeof overrides.author === "string") merged.author = { ...(fromFile.author as object | undefined), name: overrides.author };
  return validateConfig(merged, Object.keys(overrides).length ? `${path} with command-line options` : path);
}
