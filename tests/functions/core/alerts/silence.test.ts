import { describe, expect, it } from 'vitest';
import { activeSilence, inWeeklyWindow } from '../../../../functions/core/alerts/silence.js';
import { formatLocal, localTime } from '../../../../functions/core/alerts/time-zone.js';

describe('localTime', () => {
  it('reads the wall clock of an IANA zone', () => {
    expect(localTime(new Date('2026-11-27T15:30:00Z'), 'Asia/Tokyo')).toEqual({
      year: 2026,
      month: 11,
      day: 28,
      hour: 0,
      minute: 30,
      weekday: 'sat',
    });
    expect(formatLocal(new Date('2026-11-27T15:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-28 00:30 Asia/Tokyo');
    expect(formatLocal(new Date('2026-11-27T15:30:00Z'), 'UTC')).toBe('2026-11-27 15:30 UTC');
  });
});

describe('weekly windows', () => {
  const overnight = { days: ['fri'], from: '22:00', to: '02:00' };
  const jst = (iso: string) => new Date(`${iso}+09:00`);

  it.each([
    ['2026-11-27T21:59', false], // Fri, before
    ['2026-11-27T22:00', true], // Fri, start
    ['2026-11-27T23:59', true],
    ['2026-11-28T00:00', true], // Sat, after midnight
    ['2026-11-28T01:59', true],
    ['2026-11-28T02:00', false], // Sat, end is exclusive
    ['2026-11-28T22:30', false], // Sat evening is not a listed start day
    ['2026-11-26T23:00', false], // Thu
    ['2026-11-29T01:00', false], // Sun early: its window would have started on Sat
  ])('fri 22:00-02:00 Asia/Tokyo at %s JST -> %s', (local, expected) => {
    expect(inWeeklyWindow(overnight, jst(local), 'Asia/Tokyo')).toBe(expected);
  });

  it('evaluates in the given zone, not UTC', () => {
    // Fri 23:00 JST is Fri 14:00 UTC.
    expect(inWeeklyWindow(overnight, jst('2026-11-27T23:00'), 'UTC')).toBe(false);
  });

  it('a same-day window and a full-day window', () => {
    expect(inWeeklyWindow({ days: ['mon', 'wed'], from: '09:00', to: '10:00' }, new Date('2026-11-25T09:30:00Z'), 'UTC')).toBe(true);
    expect(inWeeklyWindow({ days: ['mon', 'wed'], from: '09:00', to: '10:00' }, new Date('2026-11-25T10:00:00Z'), 'UTC')).toBe(false);
    expect(inWeeklyWindow({ days: ['sun'], from: '00:00', to: '00:00' }, new Date('2026-11-29T23:59:00Z'), 'UTC')).toBe(true);
    expect(inWeeklyWindow({ days: ['sun'], from: '00:00', to: '00:00' }, new Date('2026-11-30T00:00:00Z'), 'UTC')).toBe(false);
  });
});

describe('activeSilence', () => {
  const silences = [
    { target: 'mycats', check: 'api', reason: 'api only', until: '2026-11-23T03:00:00Z' },
    { target: 'cafemuji', reason: 'whole target', until: '2026-11-23T03:00:00+09:00' },
  ];
  it('matches on target and check, and only before `until`', () => {
    const now = new Date('2026-11-23T02:00:00Z');
    expect(activeSilence(silences, 'mycats', 'api', now, 'UTC')?.reason).toBe('api only');
    expect(activeSilence(silences, 'mycats', 'web', now, 'UTC')).toBeUndefined();
    expect(activeSilence(silences, 'cafemuji', 'health', now, 'UTC')).toBeUndefined(); // 03:00+09:00 is 18:00Z the day before
    expect(activeSilence(silences, 'mycats', 'api', new Date('2026-11-23T03:00:00Z'), 'UTC')).toBeUndefined();
  });
});
