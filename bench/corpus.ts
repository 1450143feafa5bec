// A deterministic synthetic corpus: seed-text articles like the shipped one, plus every tenth a Markdown
// seed with tags. The same --count and --seed give the same bytes on any machine.
//   npm run corpus -- --count 100000 --out /tmp/corpus [--seed 1]

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mapLimit } from "../src/concurrency.ts";

/** mulberry32: tiny, fast, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the a of to and in on for with as by at from that this is are was were be has have will would could should " +
  "government council minister president talks agreement energy market prices growth report study city region " +
  "community schools hospital budget plan policy climate water transport railway bridge harbour festival museum " +
  "library season team coach players match league record weather storm drought harvest farmers exports imports " +
  "technology software network data research university students scientists results discovery space mission " +
  "company shares investors quarter profit jobs workers union strike court ruling law election voters campaign"
).split(" ");
const TITLE_WORDS = "Council Approves Plan Ministers Discuss Energy Prices Storm Hits Coast Researchers Find New Evidence Team Wins Final Budget Talks Resume Harbour Festival Opens Railway Line Reopens Farmers Face Drought Court Rules On Election Dispute".split(" ");
const TAGS = ["politics", "economy", "science", "sport", "culture", "weather", "technology", "health"];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function sentence(r: () => number): string {
  const n = 8 + Math.floor(r() * 14);
  const words = Array.from({ length: n }, () => pick(r, WORDS));
  const s = words.join(" ");
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function paragraph(r: () => number): string {
  return Array.from({ length: 3 + Math.floor(r() * 3) }, () => sentence(r)).join(" ");
}

function title(r: () => number): string {
  return Array.from({ length: 5 + Math.floor(r() * 5) }, () => pick(r, TITLE_WORDS)).join(" ");
}

export const ARTICLES_PER_DAY = 30;

export interface CorpusFile {
  name: string;
  text: string;
}

/** Article i of a corpus; dates run from 2018 onwards, thirty a day, so 100,000 articles span about nine years.
 *  Article i depends only on i and the seed, never on the count: a smaller corpus is a prefix of a larger one. */
export function corpusFile(i: number, seed = 1): CorpusFile {
  const r = prng(seed * 1_000_003 + i);
  const day = new Date(Date.UTC(2018, 0, 1) + Math.floor(i / ARTICLES_PER_DAY) * 86_400_000).toISOString().slice(0, 10);
  const hex = (BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(i) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  const id = hex.toString(16).padStart(16, "0");
  const body = Array.from({ length: 5 }, () => paragraph(r)); // about 400 words
  if (i % 10 === 9) {
    const tags = [...new Set([pick(r, TAGS), pick(r, TAGS)])].sort();
    return {
      name: `md/${id}.md`,
      text: `---\ntitle: ${JSON.stringify(title(r))}\ndate: ${day}\ntags: [${tags.join(", ")}]\n---\n${body.join("\n\n")}\n`,
    };
  }
  return { name: `${String(i).padStart(6, "0")}_${id}.txt`, text: ` date ${day} ${Math.floor(r() * 1000)}\n${title(r)}\n${body.join("\n")}\n` };
}

export async function writeCorpus(out: string, count: number, seed = 1): Promise<void> {
  await mkdir(join(out, "md"), { recursive: true });
  await mapLimit(Array.from({ length: count }, (_, i) => i), 64, async (i) => {
    const f = corpusFile(i, seed);
    await writeFile(join(out, f.name), f.text);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { count: { type: "string", default: "1000" }, out: { type: "string" }, seed: { type: "string", default: "1" } } });
  if (!values.out) {
    process.stderr.write("usage: npm run corpus -- --count N --out DIR [--seed S]\n");
    process.exit(2);
  }
  await writeCorpus(values.out, Number(values.count), Number(values.seed));
  process.stdout.write(`wrote ${values.count} seeds to ${values.out}\n`);
}
