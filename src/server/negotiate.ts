// Accept-Encoding (RFC 9110 §12.5.3): q-values, q=0 refuses, "*" covers codings not listed.

export type Coding = "br" | "gzip" | "identity";

/** Our preference when the client weighs codings equally: smallest first. */
const PREFERENCE: Coding[] = ["br", "gzip", "identity"];

function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.split(";");
    const name = rawName!.trim().toLowerCase();
    if (name === "") continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]));
    }
    weights.set(name === "x-gzip" ? "gzip" : name, q);
  }
  return weights;
}

/** Unlisted identity (and no "*"): acceptable, but below any coding the client did list with q > 0. */
const IMPLICIT_IDENTITY = Number.MIN_VALUE;

/** The weight of each of our codings under one Accept-Encoding value, in PREFERENCE order. */
function weightsOf(header: string): number[] {
  const weights = parseAcceptEncoding(header);
  const star = weights.get("*");
  // "*" stands for every coding not listed, identity included (§12.5.3).
  return PREFERENCE.map((c) => weights.get(c) ?? star ?? (c === "identity" ? IMPLICIT_IDENTITY : 0));
}

/**
 * Weights by header value: clients send a handful of distinct values, and parsing one was a large part of
 * answering a request (BENCHMARKS.md). Emptied when full, so a client cannot grow it.
 */
const WEIGHTS_MEMO_SIZE = 1024;
const weightsMemo = new Map<string, number[]>();

/**
 * The coding to send, among those we have. Without the header anything goes, so identity.
 * Identity stays acceptable unless refused by "identity;q=0" or "*;q=0"; if everything is refused
 * we still send identity (RFC 9110 allows it, and a body beats a 406 for a feed reader).
 */
export function chooseEncoding(header: string | undefined, available: ReadonlySet<Coding>): Coding {
  if (!header) return "identity";
  let weights = weightsMemo.get(header);
  if (weights === undefined) {
    if (weightsMemo.size >= WEIGHTS_MEMO_SIZE) weightsMemo.clear();
    weightsMemo.set(header, (weights = weightsOf(header)));
  }
  let best: Coding = "identity";
  let bestQ = -1;
  for (let i = 0; i < PREFERENCE.length; i++) {
    const q = weights[i]!;
    if (q > 0 && q > bestQ && available.has(PREFERENCE[i]!)) {
      best = PREFERENCE[i]!;
      bestQ = q;
    }
  }
  return best;
}
