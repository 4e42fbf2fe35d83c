import { describe, expect, it } from 'vitest';
import { classifyRule } from '../../../functions/kinds/catalog.js';

describe('the default severity matrix, read from the registered kinds', () => {
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
    ['backup.compression', 'warning', 'low'],
    ['disk.usage', 'warning', 'medium'],
    ['disk.usage', 'critical', 'high'],
    ['server.unreachable', 'critical', 'high'],
    ['security.count', 'warning', 'medium'],
    ['security.count', 'critical', 'high'],
    ['security.config', 'warning', 'medium'],
  ] as const)('%s at %s is %s', (rule, level, expected) => {
    expect(classifyRule(rule, level)).toBe(expected);
  });

  it('falls back to the other cell and honours overrides', () => {
    expect(classifyRule('postgres.longRunningQuery', 'critical')).toBe('medium');
    expect(classifyRule('http.availability', 'warning')).toBe('critical');
    expect(classifyRule('http.responseTime', 'critical', { critical: 'critical' })).toBe('critical');
  });
});
