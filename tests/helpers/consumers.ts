// Real consumers of our output: libxml2's xmllint, Debian's Python feedparser, and html-validate.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HtmlValidate, type Message } from "html-validate";

const run = promisify(execFile);

export interface ToolResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

async function tool(cmd: string, args: string[], input?: string): Promise<ToolResult> {
  try {
    const p = run(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    if (input !== undefined) {
      p.child.stdin?.end(input);
    }
    const { stdout, stderr } = await p;
    return { ok: true, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (err.code === "ENOENT") throw new Error(`${cmd} is not installed (see .ci/run)`);
    return { ok: false, stdout: err.stdout ?? "", stderr: err.stderr ?? err.message };
  }
}

/** `xmllint --noout`: well-formedness (and, with a schema, RELAX NG validity). */
export function xmllint(file: string, relaxng?: string): Promise<ToolResult> {
  return tool("xmllint", ["--noout", "--nonet", ...(relaxng ? ["--relaxng", relaxng] : []), file]);
}

/** Debian's python3-feedparser; the pyenv python3 on PATH does not have it. */
const PYTHON = "/usr/bin/python3";

const FEEDPARSER_SCRIPT = `
import feedparser, json, sys
def utc(t):
    # feedparser's own reading of a date (a UTC time tuple), as RFC 3339; None when it could not read it.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(t[:6]) if t else None
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        d = feedparser.parse(f.read())
    out.append({
        "version": d.version,
        "bozo": bool(d.bozo),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "feed": {k: d.feed.get(k) for k in ("title", "id", "link", "updated", "language")},
        "entries": [{
            "id": e.get("id"),
            "title": e.get("title"),
            "title_type": (e.get("title_detail") or {}).get("type"),
            "link": e.get("link"),
            "published": e.get("published"),
            "updated": e.get("updated"),
            "published_utc": utc(e.get("published_parsed")),
            "updated_utc": utc(e.get("updated_parsed")),
            "content": [c.get("value") for c in e.get("content", [])],
            "content_types": [c.get("type") for c in e.get("content", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "author": e.get("author"),
            "summary": e.get("summary"),
        } for e in d.entries],
    })
json.dump(out, sys.stdout)
`;

export interface PyEntry {
  id: string | null;
  title: string | null;
  title_type: string | null;
  link: string | null;
  published: string | null;
  updated: string | null;
  /** The dates as feedparser read them, in UTC: YYYY-MM-DDTHH:MM:SSZ. */
  published_utc: string | null;
  updated_utc: string | null;
  content: string[];
  content_types: string[];
  tags: string[];
  author: string | null;
  summary: string | null;
}

export interface PyFeed {
  version: string;
  bozo: boolean;
  bozo_exception: string;
  feed: { title: string | null; id: string | null; link: string | null; updated: string | null; language: string | null };
  entries: PyEntry[];
}

/** Parses each file with Python's feedparser, in one interpreter. */
export async function pythonFeedparser(...files: string[]): Promise<PyFeed[]> {
  const r = await tool(PYTHON, ["-c", FEEDPARSER_SCRIPT, ...files]);
  if (!r.ok) throw new Error(`python feedparser failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyFeed[];
}

/** Python's own JSON reader (Debian's feedparser 6.0.10 has no JSON Feed support). */
export async function pythonJson(file: string): Promise<unknown> {
  const r = await tool(PYTHON, ["-c", "import json,sys; json.dump(json.load(open(sys.argv[1], encoding='utf-8')), sys.stdout)", file]);
  if (!r.ok) throw new Error(`python json failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * html-validate with its "recommended" preset. `relax` turns rules off for one call; each caller says why
 * (only rules that are a matter of style, never of HTML validity).
 */
export async function validateHtml(html: string, name: string, relax: string[] = []): Promise<Message[]> {
  const validator = new HtmlValidate({
    extends: ["html-validate:recommended"],
    rules: Object.fromEntries(relax.map((rule) => [rule, "off" as const])),
  });
  const report = await validator.validateString(html, name);
  return report.results.flatMap((r) => r.messages);
}

/** Decodes the character references that HTML serializers (ours, markdown-it's) write. */
export function decodeHtml(html: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, ref: string) => {
    if (ref[0] === "#") return String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return named[ref.toLowerCase()] ?? m;
  });
}

/** HTML-escapes text as a careful writer would: an independent expectation, not our escaper. */
export function htmlText(text: string): string {
  const refs: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return text.replace(/[&<>"']/g, (c) => refs[c]!);
}
