import { describe, expect, it } from 'vitest';
import { classify, worst } from '../../../../functions/core/domain/severity.js';
import { durationMs, formatDuration, parseDuration } from '../../../../functions/core/config/duration.js';

describe('severity matrix (CONTRACT section 4)', () => {
  it.each([
    ['http.availability', 'critical', 'critical'],
    ['http.responseTime', 'warning', 'medium'],
    ['http.responseTime', 'critical', 'high'],
    ['http.certificate', 'warning', 'low'],
    ['http.certificate', 'critical', 'high'],
    ['postgres.connect', 'critical', 'high'],
    ['postgres.connections', 'warning', 'medium'],
    ['postgres.connections', 'critical', 'high'],
    ['postgres.longRunningQuery', 'warning', 'medium'],
    ['backup.failed', 'critical', 'high'],
    ['disk.usage', 'warning', 'medium'],
    ['disk.usage', 'critical', 'high'],
    ['server.unreachable', 'critical', 'high'],
    ['security.count', 'warning', 'medium'],
    ['security.count', 'critical', 'high'],
    ['security.config', 'warning', 'medium'],
  ] as const)('%s at %s is %s', (rule, level, expected) => {
    expect(classify(rule, level)).toBe(expected);
  });

  it('is ok at level ok, falls back to the other cell, and honours overrides', () => {
    expect(classify('http.responseTime', 'ok')).toBe('ok');
    expect(classify('postgres.longRunningQuery', 'critical')).toBe('medium');
    expect(classify('http.availability', 'warning')).toBe('critical');
    expect(classify('http.responseTime', 'critical', { critical: 'critical' })).toBe('critical');
    expect(classify('http.responseTime', 'warning', { critical: 'critical' })).toBe('medium');
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
