import { describe, expect, it } from 'vitest';
import { mapWithLimit } from '../../../functions/health/limiter.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapWithLimit', () => {
  it('keeps the item order whatever order tasks finish in, and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      for (let k = 0; k < n; k++) await tick();
      running--;
      return `${i}:${n}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    expect(peak).toBe(3);
  });

  it('resolves an empty list', async () => {
    await expect(mapWithLimit([], 4, async () => 1)).resolves.toEqual([]);
  });

  it('starts each task on its own event-loop turn', async () => {
    // A spinner counts event-loop turns; started in one synchronous loop, all tasks would see the same count.
    let immediateTurns = 0;
    const started: number[] = [];
    const spin = () =>
      setImmediate(() => {
        immediateTurns++;
        if (immediateTurns < 50) spin();
      });
    spin();
    await mapWithLimit([1, 2, 3, 4], 4, async () => {
      started.push(immediateTurns);
    });
    expect(new Set(started).size).toBe(4);
  });

  it('spaces starts by spacingMs, on a schedule from the first start', async () => {
    const starts: number[] = [];
    await mapWithLimit([0, 1, 2, 3, 4], { limit: 5, spacingMs: 20 }, async () => {
      starts.push(performance.now());
    });
    const offsets = starts.map((t) => t - (starts[0] ?? 0));
    for (const [i, offset] of offsets.entries()) expect(offset).toBeGreaterThanOrEqual(i * 20 - 1);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(mapWithLimit([1], 0, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapWithLimit([1], 1.5, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapWithLimit([1], { limit: 1, spacingMs: -1 }, async () => 1)).rejects.toThrow(/spacing/);
  });
});
