import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { healthIntervals, healthRuns, healthTimeoutSeconds } from '../../../lib/health/health-plan.js';
import { config } from '../support/cdk-app.js';

let n = 0;
/** An HTTP check with a distinct URL path (check names must be unique per target). */
const http = (every?: string, timeout?: string) => ({ url: `https://x.example.com/c${n++}`, every, timeout });

describe('healthIntervals', () => {
  it('lists each length of interval once, in config order, over HTTP and PostgreSQL checks', () => {
    const c = config({
      targets: {
        a: { health: [http('5m'), http('1m'), http('300s')], postgres: [{ host: 'h', database: 'd', user: 'u', every: '1h' }] },
        b: { health: [http()], servers: { tags: { App: 'b' } } },
      },
    });
    expect(healthIntervals(c)).toEqual(['5m', '1m', '1h']);
  });

  it('is empty without HTTP or PostgreSQL checks', () => {
    expect(healthIntervals(config({ targets: { a: { servers: { tags: { App: 'a' } } } } }))).toEqual([]);
  });

  it('refuses an interval Scheduler cannot run, with the field path', () => {
    const c = config({
      targets: { a: { health: [http('1m'), http('30s')] }, b: { postgres: [{ host: 'h', database: 'd', user: 'u', every: '90s' }] } },
    });
    let error: unknown;
    try {
      healthIntervals(c);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      'targets.a.health[1].every: "30s" cannot be scheduled: EventBridge Scheduler runs at most once a minute, in whole minutes',
      'targets.b.postgres[0].every: "90s" cannot be scheduled: EventBridge Scheduler runs at most once a minute, in whole minutes',
    ]);
  });
});

describe('healthTimeoutSeconds', () => {
  it('is 60 s for short checks and grows with the longest timeout per batch of 64', () => {
    expect(healthTimeoutSeconds(config({ targets: { a: { health: [http('5m', '10s')] } } }))).toBe(60);
    expect(healthTimeoutSeconds(config({ targets: { a: { health: [http('5m', '10s'), http('5m', '45s')] } } }))).toBe(75);
    const many = Array.from({ length: 65 }, () => http('5m', '40s'));
    expect(healthTimeoutSeconds(config({ targets: { a: { health: many } } }))).toBe(110);
    // The longest timeout config allows (15m, on a check run hourly) still fits Lambda's 15 minutes.
    expect(healthTimeoutSeconds(config({ targets: { a: { health: [http('1h', '15m')] } } }))).toBe(900);
  });
});

describe('healthRuns: an interval whose checks cannot finish within it runs in parts', () => {
  it('keeps one run per interval while it fits', () => {
    const c = config({ targets: { a: { health: [http('1m'), http('5m'), http('1m')] } } });
    expect(healthRuns(c)).toEqual([
      { every: '1m', part: 0, parts: 1 },
      { every: '5m', part: 0, parts: 1 },
    ]);
  });

  it('splits 1,000 checks a minute with a 10 s timeout into the fewest parts that fit the minute', () => {
    const targets = Object.fromEntries(
      Array.from({ length: 100 }, (_, t) => [`t${t}`, { health: Array.from({ length: 10 }, () => http('1m', '10s')) }]),
    );
    const c = config({ targets });
    const runs = healthRuns(c);
    // 16 batches of 64 at 10 s are 190 s with headroom; 6 parts of at most 167 checks are 3 batches, 60 s.
    expect(runs).toEqual(Array.from({ length: 6 }, (_, part) => ({ every: '1m', part, parts: 6 })));
    expect(healthTimeoutSeconds(c)).toBe(60);
  });
});
