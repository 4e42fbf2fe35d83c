import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../functions/core/errors.js';
import { parseInvokeEvent, selectedTargets } from '../../../../functions/core/run/invoke-event.js';
import { validateConfig } from '../../../../functions/kinds/config.js';

const config = validateConfig({
  targets: { mycats: { health: [{ url: 'http://127.0.0.1/health' }] }, cafemuji: { health: [{ url: 'http://127.0.0.1/' }] } },
});

function issuesFor(event: unknown): string[] {
  try {
    parseInvokeEvent(event, config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('event was accepted');
}

describe('parseInvokeEvent', () => {
  it('accepts the scheduler event, a console test event and an empty event', () => {
    expect(parseInvokeEvent({ source: 'schedule', every: '1m' }, config)).toEqual({ source: 'schedule', every: '1m' });
    expect(parseInvokeEvent({ targets: ['mycats'] }, config)).toEqual({ targets: ['mycats'] });
    expect(parseInvokeEvent(undefined, config)).toEqual({});
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown target', { targets: ['mycat'] }, /^event\.targets\[0\]: unknown target "mycat" \(known: mycats, cafemuji\)/],
    ['the second target unknown', { targets: ['mycats', 'nope'] }, /^event\.targets\[1\]: unknown target "nope"/],
    ['targets as a string', { targets: 'mycats' }, /^event\.targets: /],
    ['an empty target list', { targets: [] }, /^event\.targets: give at least one target/],
    ['a misspelt key', { target: ['mycats'] }, /^event: Unrecognized key.*"target"/],
    ['a malformed interval', { every: 'often' }, /^event\.every: invalid duration/],
    ['an unknown source', { source: 'cron' }, /^event\.source: /],
    ['an unknown job', { job: 'reboot' }, /^event\.job: /],
    ['a non-object event', 'mycats', /^event: /],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, event, expected) => {
    const issues = issuesFor(event);
    expect(
      issues.some((issue) => expected.test(issue)),
      issues.join('\n'),
    ).toBe(true);
  });
});

describe('parseInvokeEvent: parts of an interval', () => {
  const c = validateConfig({ targets: { mycats: { health: [{ url: 'https://mycats.example.com/' }] } } });
  it('takes a part with its count, and refuses one without the other or a part past the count, naming the field', () => {
    expect(parseInvokeEvent({ source: 'schedule', every: '1m', part: 2, parts: 6 }, c)).toMatchObject({ part: 2, parts: 6 });
    for (const event of [{ part: 1 }, { parts: 3 }, { part: 3, parts: 3 }]) {
      expect(() => parseInvokeEvent(event, c)).toThrow(/event\.part: give "part" and "parts" together, part below parts/);
    }
  });
});

describe('selectedTargets: the one reading of a target selection (CLI, events, jobs)', () => {
  it('covers the selection in config order, or every target when none is given', () => {
    expect(selectedTargets(config, ['cafemuji', 'mycats'])).toEqual(['mycats', 'cafemuji']);
    expect(selectedTargets(config)).toEqual(['mycats', 'cafemuji']);
    expect(selectedTargets(config, [])).toEqual(['mycats', 'cafemuji']);
  });

  it('names the field and index of every unknown name, as the caller calls the field', () => {
    expect(() => selectedTargets(config, ['mycats', 'nope', 'toString'], '--target')).toThrow(ConfigError);
    try {
      selectedTargets(config, ['mycats', 'nope', 'toString'], '--target');
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        '--target[1]: unknown target "nope" (known: mycats, cafemuji)',
        '--target[2]: unknown target "toString" (known: mycats, cafemuji)',
      ]);
    }
  });
});
