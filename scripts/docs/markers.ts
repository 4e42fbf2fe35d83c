/*
 * Generated blocks in Markdown: `<!-- generated:<name> -->`, the generated text, `<!-- /generated:<name> -->`. Everything
 * between the two markers belongs to `npm run docs`; everything around them is written by hand.
 */

export const startMarker = (name: string): string => `<!-- generated:${name} -->`;
export const endMarker = (name: string): string => `<!-- /generated:${name} -->`;

const START = /<!-- generated:([a-z0-9-]+) -->/g;
const ANY_START = /<!-- generated:[a-z0-9-]+ -->/;

export interface Block {
  readonly name: string;
  /** Index just after the start marker. */
  readonly from: number;
  /** Index of the end marker. */
  readonly to: number;
  /** 1-based line of the start marker, for messages. */
  readonly line: number;
  /** What stands between the markers now, without the line breaks that frame it. */
  readonly content: string;
}

/** A marker out of place; `detail` says what, `line` where. */
export class MarkerError extends Error {
  override readonly name = 'MarkerError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** The generated blocks of one file, in order; a start without its end, or a start inside a block, is an error. */
export function findBlocks(text: string, file: string): Block[] {
  const blocks: Block[] = [];
  for (const match of text.matchAll(START)) {
    const name = match[1]!;
    const line = text.slice(0, match.index).split('\n').length;
    const from = match.index + match[0].length;
    const to = text.indexOf(endMarker(name), from);
    if (to < 0) throw new MarkerError(file, line, `generated block "${name}" has no end marker ${endMarker(name)}`);
    const inner = text.slice(from, to);
    if (ANY_START.test(inner)) throw new MarkerError(file, line, `generated block "${name}" holds another block's start marker`);
    blocks.push({ name, from, to, line, content: inner.replace(/^\n/, '').replace(/\n$/, '') });
  }
  return blocks;
}

/** The text with each block's content replaced by `render(name)`. */
export function replaceBlocks(text: string, file: string, render: (name: string) => string): string {
  let out = '';
  let at = 0;
  for (const block of findBlocks(text, file)) {
    out += `${text.slice(at, block.from)}\n${render(block.name).trim()}\n`;
    at = block.to;
  }
  return out + text.slice(at);
}
