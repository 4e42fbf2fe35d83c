import { describe, expect, it } from 'vitest';
import { missingInvocationsWindow, scheduleIntervalSeconds, spanText } from '../../../lib/monitoring/invocation-window.js';
import { scheduleWhen } from '../../../lib/scheduler/schedule-expression.js';

describe('scheduleIntervalSeconds', () => {
  it('reads the expressions the stack writes for each "when"', () => {
    const cases: Array<[when: string, seconds: number]> = [
      ['1m', 60],
      ['5m', 300],
      ['15m', 900],
      ['1h', 3600],
      ['6h', 21_600],
      ['1d', 86_400],
      ['02:00', 86_400],
      ['7m', 420],
      ['90m', 5400],
      ['2d', 172_800],
    ];
    for (const [when, seconds] of cases) expect([when, scheduleIntervalSeconds(scheduleWhen(when).expression)]).toEqual([when, seconds]);
  });

  it('takes the longest gap of a cron with lists, ranges and increments, across midnight', () => {
    expect(scheduleIntervalSeconds('cron(0 8-18/2 * * ? *)')).toBe(14 * 3600); // 18:00 to 08:00
    expect(scheduleIntervalSeconds('cron(0,50 * * * ? *)')).toBe(50 * 60);
    expect(scheduleIntervalSeconds('cron(30 2,14 * * ? *)')).toBe(12 * 3600);
    expect(scheduleIntervalSeconds('cron(*/10 * * * ? *)')).toBe(600);
    expect(scheduleIntervalSeconds('cron(* * * * ? *)')).toBe(60);
  });

  it('cannot tell crons that pick days, months or years, nor anything else', () => {
    for (const expression of [
      'cron(0 3 ? * SUN *)',
      'cron(0 3 1 * ? *)',
      'cron(0 3 * 1 ? *)',
      'cron(0 3 * * ? 2027)',
      'cron(0 3 * * ?)',
      'cron(0 25 * * ? *)',
      'cron(0 L * * ? *)',
      'rate(0 minutes)',
      'at(2026-01-01T00:00:00)',
      'every day',
    ]) {
      expect([expression, scheduleIntervalSeconds(expression)]).toEqual([expression, undefined]);
    }
  });
});

describe('missingInvocationsWindow', () => {
  it('watches a job with periods of its interval, up to an hour, over the interval plus a grace of 10 minutes to an hour', () => {
    const shape = (seconds: number) => {
      const w = missingInvocationsWindow(seconds)!;
      return [w.periodSeconds, w.evaluationPeriods, w.windowSeconds, w.warmUpMinutes];
    };
    expect(shape(60)).toEqual([60, 11, 660, 11]);
    expect(shape(300)).toEqual([300, 3, 900, 15]);
    expect(shape(1800)).toEqual([1800, 2, 3600, 60]);
    expect(shape(3600)).toEqual([3600, 2, 7200, 120]);
    expect(shape(21_600)).toEqual([3600, 7, 25_200, 420]);
    expect(shape(86_400)).toEqual([3600, 25, 90_000, 1500]);
    expect(shape(5400)).toEqual([3600, 3, 10_800, 180]);
  });

  it('always leaves at least one whole period after the expected run, so normal operation never pages', () => {
    for (let minutes = 1; minutes <= 6 * 1440; minutes += minutes < 120 ? 1 : 37) {
      const w = missingInvocationsWindow(minutes * 60)!;
      expect(w, `${minutes}m`).toBeDefined();
      // Runs every I seconds leave at most floor(I / P) whole empty periods between them.
      expect(w.evaluationPeriods, `${minutes}m`).toBeGreaterThan(Math.floor((minutes * 60) / w.periodSeconds));
      expect(w.evaluationPeriods * w.periodSeconds, `${minutes}m`).toBeLessThanOrEqual(w.periodSeconds < 3600 ? 86_400 : 604_800);
      expect(w.warmUpMinutes).toBeLessThanOrEqual(2880);
    }
  });

  it('gives no window CloudWatch cannot hold (a weekly job) and refuses odd intervals', () => {
    expect(missingInvocationsWindow(7 * 86_400)).toBeUndefined();
    expect(missingInvocationsWindow(30)).toBeUndefined();
    expect(missingInvocationsWindow(90)).toBeUndefined();
    expect(missingInvocationsWindow(Number.NaN)).toBeUndefined();
  });
});

describe('spanText', () => {
  it('names spans in the largest whole unit', () => {
    expect([spanText(660), spanText(7200), spanText(90_000), spanText(86_400), spanText(45)]).toEqual(['11m', '2h', '25h', '1d', '45s']);
  });
});
