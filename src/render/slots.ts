// `feed` v6 writes text through xml-js, which (a) escapes only the first "]]>" in CDATA, (b) leaves "<"
// and "&" raw in attributes and (c) turns a literal "&amp;" in text into "&". So `feed` never sees our
// text: it gets opaque tokens, and after it has laid out the document each token (with any CDATA
// wrapper around it) is replaced by our own escaping. Tokens use private-use characters, which
// xml-js passes through untouched and which nothing else in the skeleton contains.

import { escapeXml } from "../escape.ts";

const TOKEN = /<!\[CDATA\[\uE000(\d+)\uE001\]\]>|\uE000(\d+)\uE001/g;

export class TextSlots {
  private readonly values: string[] = [];

  /** A token that stands for `text` in the skeleton. */
  put(text: string): string {
    this.values.push(text);
    return `\uE000${this.values.length - 1}\uE001`;
  }

  /** The skeleton with every token replaced by its escaped text. Throws if `feed` mangled a token. */
  fill(skeleton: string): string {
    if (/[\uE000\uE001]/.test(skeleton.replace(TOKEN, ""))) throw new Error("feed skeleton has a token that could not be filled");
    return skeleton.replace(TOKEN, (_, cdata?: string, plain?: string) => escapeXml(this.values[Number(cdata ?? plain)]!));
  }
}
