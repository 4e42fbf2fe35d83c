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

/** Counts by bucket index. */
export type Sketch = Map<number, number>;

export function emptySketch(): Sketch {
  return new Map();
}

export function bucketOf(ms: number): number {
  const clamped = Math.min(MAX_MS, Math.max(MIN_MS, ms));
  return Math.min(MAX_INDEX, Math.max(MIN_INDEX, Math.ceil(Math.log(clamped) / LOG_GAMMA - 1e-9)));
}

export function addSample(sketch: Sketch, ms: number, count = 1): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  const index = bucketOf(ms);
  sketch.set(index, (sketch.get(index) ?? 0) + count);
}

/** `into` plus `from`, bucket by bucket (into is changed). */
export function mergeSketch(into: Sketch, from: Sketch): Sketch {
  for (const [index, count] of from) into.set(index, (into.get(index) ?? 0) + count);
  return into;
}

export function sketchCount(sketch: Sketch): number {
  let n = 0;
  for (const count of sketch.values()) n += count;
  return n;
}

/** The value of the q-quantile (0..1, nearest rank), within RELATIVE_ERROR; undefined for an empty sketch. */
export function quantile(sketch: Sketch, q: number): number | undefined {
  const total = sketchCount(sketch);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * total));
  let seen = 0;
  for (const index of [...sketch.keys()].sort((a, b) => a - b)) {
    seen += sketch.get(index)!;
    // The bucket's midpoint in relative terms: at most RELATIVE_ERROR from any value in (GAMMA^(i-1), GAMMA^i].
    if (seen >= rank) return (2 * GAMMA ** index) / (GAMMA + 1);
  }
  return undefined;
}

export function formatSketch(sketch: Sketch): string {
  return [...sketch.entries()]
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([index, count]) => `${index}:${count}`)
    .join(',');
}

const PAIR = /^(-?\d{1,3}):(\d{1,9})$/;

/** Reads `formatSketch`'s text; throws naming what is wrong (a damaged history document is reported, not guessed at). */
export function parseSketch(text: string): Sketch {
  const sketch = emptySketch();
  if (text === '') return sketch;
  for (const pair of text.split(',')) {
    const m = PAIR.exec(pair);
    const index = m ? Number(m[1]) : Number.NaN;
    if (!m || index < MIN_INDEX || index > MAX_INDEX) throw new Error(`invalid sketch bucket "${pair.slice(0, 20)}"`);
    sketch.set(index, (sketch.get(index) ?? 0) + Number(m[2]));
  }
  return sketch;
}
