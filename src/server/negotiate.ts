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

/**
 * The coding to send, among those we have. Without the header anything goes, so identity.
 * Identity stays acceptable unless refused by "identity;q=0" or "*;q=0"; if everything is refused
 * we still send identity (RFC 9110 allows it, and a body beats a 406 for a feed reader).
 */
export function chooseEncoding(header: string | undefined, available: ReadonlySet<Coding>): Coding {
  if (!header) return "identity";
  const weights = parseAcceptEncoding(header);
  const star = weights.get("*");
  // "*" stands for every coding not listed, identity included (§12.5.3).
  const weightOf = (c: Coding): number => weights.get(c) ?? star ?? (c === "identity" ? IMPLICIT_IDENTITY : 0);
  let best: Coding = "identity";
  let bestQ = -1;
  for (const c of PREFERENCE) {
    if (!available.has(c)) continue;
    const q = weightOf(c);
    if (q > 0 && q > bestQ) {
      best = c;
      bestQ = q;
    }
  }
  return best;
}
