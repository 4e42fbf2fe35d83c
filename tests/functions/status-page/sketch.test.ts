import { describe, expect, it } from 'vitest';
import {
  addSample,
  addSparse,
  emptySketch,
  formatSketch,
  mergeSketch,
  parseSketch,
  parseSparseSketch,
  quantile,
  RELATIVE_ERROR,
  sketchBuckets,
  sketchCount,
  sparseQuantile,
} from '../../../functions/status-page/history/sketch.js';

/** A seeded generator, so a failure is the same failure every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Response times as a web endpoint gives them: a log-normal body around 80 ms and a slow tail (1% at 2-6 s). */
function responseTimes(n: number, seed: number): number[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    if (next() < 0.01) return 2000 + next() * 4000;
    const gaussian = Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
    return Math.exp(Math.log(80) + 0.4 * gaussian);
  });
}

function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('response-time sketch', () => {
  it('reads p50, p95 and p99 of a day of one-minute samples within its stated error, from a few dozen buckets', () => {
    const values = responseTimes(1440, 7);
    const sketch = emptySketch();
    for (const v of values) addSample(sketch, v);
    expect(sketchCount(sketch)).toBe(1440);
    for (const q of [0.5, 0.95, 0.99]) {
      const got = quantile(sketch, q)!;
      expect(Math.abs(got - exact(values, q)) / exact(values, q), `q=${q}`).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
    }
    expect(sketchBuckets(sketch)).toBeLessThan(60);
    // What is stored: about 8 characters a bucket, not 1440 numbers.
    expect(formatSketch(sketch).length).toBeLessThan(600);
  });

  it('merges: two runs sketched apart then added equal the samples sketched together', () => {
    const a = responseTimes(500, 1);
    const b = responseTimes(700, 2);
    const left = emptySketch();
    const right = emptySketch();
    const both = emptySketch();
    for (const v of a) {
      addSample(left, v);
      addSample(both, v);
    }
    for (const v of b) {
      addSample(right, v);
      addSample(both, v);
    }
    expect(formatSketch(mergeSketch(left, right))).toBe(formatSketch(both));
  });

  it('round-trips through its text, and names a damaged bucket instead of guessing', () => {
    const sketch = emptySketch();
    for (const v of [0.05, 3, 80, 80, 700_000]) addSample(sketch, v);
    expect(formatSketch(parseSketch(formatSketch(sketch)))).toBe(formatSketch(sketch));
    expect(() => parseSketch('71:3,x:2')).toThrow(/invalid sketch bucket "x:2"/);
    expect(() => parseSketch('9999:1')).toThrow(/invalid sketch bucket/);
    expect(quantile(emptySketch(), 0.5)).toBeUndefined();
  });

  it('reads the same quantiles sparsely as densely, in whatever order the pairs come', () => {
    const values = responseTimes(300, 5);
    const sketch = emptySketch();
    for (const v of values) addSample(sketch, v);
    const text = formatSketch(sketch);
    const shuffled = text.split(',').reverse().join(',');
    for (const q of [0.01, 0.5, 0.95, 1]) {
      expect(sparseQuantile(parseSparseSketch(text), q)).toBe(quantile(sketch, q));
      expect(sparseQuantile(parseSparseSketch(shuffled), q)).toBe(quantile(sketch, q));
    }
    expect(formatSketch(addSparse(emptySketch(), parseSparseSketch('71:1,70:2,71:3')))).toBe('70:2,71:4');
    expect(() => parseSparseSketch('71:1,:2')).toThrow(/invalid sketch bucket ":2"/);
  });

  it('ignores what is not a time (NaN, negative) rather than corrupting the buckets', () => {
    const sketch = emptySketch();
    addSample(sketch, Number.NaN);
    addSample(sketch, -5);
    expect(sketchCount(sketch)).toBe(0);
  });
});
