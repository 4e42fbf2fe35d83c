import { describe, expect, it } from 'vitest';
import { classify, worst } from '../../../../functions/core/domain/severity.js';
import { durationMs, formatDuration, parseDuration } from '../../../../functions/core/config/duration.js';

describe('severity: one row of the matrix, a level, an override', () => {
  it('is ok at level ok, falls back to the other cell, and honours overrides', () => {
    const responseTime = { warning: 'medium', critical: 'high' } as const;
    expect(classify(responseTime, 'ok')).toBe('ok');
    expect(classify({ warning: 'medium' }, 'critical')).toBe('medium');
    expect(classify({ critical: 'critical' }, 'warning')).toBe('critical');
    expect(classify(responseTime, 'critical', { critical: 'critical' })).toBe('critical');
    expect(classify(responseTime, 'warning', { critical: 'critical' })).toBe('medium');
    expect(classify({}, 'critical')).toBe('ok');
  });

  it('picks the worst severity', () => {
    expect(worst(['ok', 'low', 'high', 'medium'])).toBe('high');
    expect(worst([])).toBe('ok');
  });
});

describe('durations', () => {
  it('parses every unit of the contract and rejects others', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(durationMs('10s')).toBe(10_000);
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('26h')).toBe(93_600_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(durationMs('1w')).toBe(604_800_000);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('1y')).toBeUndefined();
    expect(() => durationMs('soon')).toThrow(/invalid duration/);
  });

  it('formats spans for people', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(26 * 3_600_000)).toBe('1d 2h');
  });
});
