/**
 * Response times as a small mergeable histogram: fixed log-spaced buckets (each 8% wider than the one below), so
 * any quantile read back is within 4% of the true sample's value, two runs' sketches add up bucket by bucket, and a
 * day of one-minute samples of a steady service fills a handful of buckets. Nothing keeps the samples themselves.
 *
 * Stored as text, `index:count` pairs in index order (`"71:1380,72:52,90:8"`): bucket `i` holds values in
 * (GAMMA^(i-1), GAMMA^i] milliseconds.
 */
export const GAMMA = 1.08;
const LOG_GAMMA = Math.log(GAMMA);
/** Values are clamped to this range (0.1 ms to 10 minutes): indexes -29 to 173. */
const MIN_MS = 0.1;
const MAX_MS = 600_000;
export const MIN_INDEX = Math.ceil(Math.log(MIN_MS) / LOG_GAMMA);
export const MAX_INDEX = Math.ceil(Math.log(MAX_MS) / LOG_GAMMA);
/** The worst relative error of a quantile read back: (GAMMA - 1) / (GAMMA + 1). */
export const RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);

/** Counts by bucket, dense: slot `index - MIN_INDEX` (a few hundred bytes; merging is adding two arrays). */
export type Sketch = Uint32Array;
const SLOTS = MAX_INDEX - MIN_INDEX + 1;

export function emptySketch(): Sketch {
  return new Uint32Array(SLOTS);
}

export function bucketOf(ms: number): number {
  const clamped = Math.min(MAX_MS, Math.max(MIN_MS, ms));
  return Math.min(MAX_INDEX, Math.max(MIN_INDEX, Math.ceil(Math.log(clamped) / LOG_GAMMA - 1e-9)));
}

export function addSample(sketch: Sketch, ms: number, count = 1): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  sketch[bucketOf(ms) - MIN_INDEX]! += count;
}

/** `into` plus `from`, bucket by bucket (into is changed). */
export function mergeSketch(into: Sketch, from: Sketch): Sketch {
  for (let i = 0; i < SLOTS; i++) into[i]! += from[i]!;
  return into;
}

export function sketchCount(sketch: Sketch): number {
  let n = 0;
  for (let i = 0; i < SLOTS; i++) n += sketch[i]!;
  return n;
}

/** Buckets holding at least one sample. */
export function sketchBuckets(sketch: Sketch): number {
  let n = 0;
  for (let i = 0; i < SLOTS; i++) if (sketch[i]) n++;
  return n;
}

/** The value of the q-quantile (0..1, nearest rank), within RELATIVE_ERROR; undefined for an empty sketch. */
export function quantile(sketch: Sketch, q: number): number | undefined {
  const total = sketchCount(sketch);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * total));
  let seen = 0;
  for (let i = 0; i < SLOTS; i++) {
    seen += sketch[i]!;
    // The bucket's midpoint in relative terms: at most RELATIVE_ERROR from any value in (GAMMA^(i-1), GAMMA^i].
    if (seen >= rank) return (2 * GAMMA ** (i + MIN_INDEX)) / (GAMMA + 1);
  }
  return undefined;
}

export function formatSketch(sketch: Sketch): string {
  const pairs: string[] = [];
  for (let i = 0; i < SLOTS; i++) if (sketch[i]) pairs.push(`${i + MIN_INDEX}:${sketch[i]}`);
  return pairs.join(',');
}

/**
 * A sketch as read from its text, sparse: `[slot, count, slot, count, ...]`. What a page holds for each of the tens
 * of thousands of hour rows it reads, where a dense array each would be most of its memory and time.
 */
export type SparseSketch = readonly number[];

/** Reads `formatSketch`'s text sparsely; throws naming what is wrong, as parseSketch does. */
export function parseSparseSketch(text: string): SparseSketch {
  const pairs: number[] = [];
  if (text === '') return pairs;
  let ordered = true;
  for (const pair of text.split(',')) {
    const [slot, count] = readPair(pair);
    if (pairs.length && slot <= pairs[pairs.length - 2]!) ordered = false;
    pairs.push(slot, count);
  }
  if (ordered) return pairs;
  // Not as formatSketch writes it (still a valid sketch): made dense and back, in order, with repeats added up.
  const dense = addSparse(emptySketch(), pairs);
  return [...dense.keys()].flatMap((slot) => (dense[slot] ? [slot, dense[slot]!] : []));
}

/** `into` plus a sparse sketch (into is changed). */
export function addSparse(into: Sketch, sparse: SparseSketch): Sketch {
  for (let i = 0; i < sparse.length; i += 2) into[sparse[i]!]! += sparse[i + 1]!;
  return into;
}

/** quantile() of one sparse sketch, without making it dense (parseSparseSketch keeps its pairs in slot order). */
export function sparseQuantile(sparse: SparseSketch, q: number): number | undefined {
  let total = 0;
  for (let i = 1; i < sparse.length; i += 2) total += sparse[i]!;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * total));
  let seen = 0;
  for (let i = 0; i < sparse.length; i += 2) {
    seen += sparse[i + 1]!;
    if (seen >= rank) return (2 * GAMMA ** (sparse[i]! + MIN_INDEX)) / (GAMMA + 1);
  }
  return undefined;
}

/** `index:count` as [slot, count]; throws naming the pair when it is not one. */
function readPair(pair: string): [number, number] {
  const colon = pair.indexOf(':');
  const index = colon > 0 && colon <= 4 ? Number(pair.slice(0, colon)) : Number.NaN;
  const count = colon > 0 && pair.length - colon <= 10 ? Number(pair.slice(colon + 1)) : Number.NaN;
  if (
    !Number.isInteger(index) ||
    index < MIN_INDEX ||
    index > MAX_INDEX ||
    !Number.isInteger(count) ||
    count < 0 ||
    colon === pair.length - 1
  ) {
    throw new Error(`invalid sketch bucket "${pair.slice(0, 20)}"`);
  }
  return [index - MIN_INDEX, count];
}

/**
 * Reads `formatSketch`'s text; throws naming what is wrong (a damaged history document is reported, not guessed at).
 * By hand rather than by regular expression: a page of 500 checks reads some 40,000 of these.
 */
export function parseSketch(text: string): Sketch {
  const sketch = emptySketch();
  if (text === '') return sketch;
  for (const pair of text.split(',')) {
    const [slot, count] = readPair(pair);
    sketch[slot]! += count;
  }
  return sketch;
}
