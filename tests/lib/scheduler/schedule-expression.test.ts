import { describe, expect, it } from 'vitest';
import { scheduleWhen } from '../../../lib/scheduler/schedule-expression.js';

describe('scheduleWhen', () => {
  it.each([
    ['1m', 'cron(0/1 * * * ? *)', 60],
    ['5m', 'cron(0/5 * * * ? *)', 300],
    ['300s', 'cron(0/5 * * * ? *)', 300],
    ['15m', 'cron(0/15 * * * ? *)', 900],
    ['1h', 'cron(0 * * * ? *)', 3600],
    ['60m', 'cron(0 * * * ? *)', 3600],
    ['6h', 'cron(0 0/6 * * ? *)', 21600],
    ['1d', 'cron(0 0 * * ? *)', 86400],
    ['7m', 'rate(7 minutes)', 420],
    ['90m', 'rate(90 minutes)', 5400],
    ['5h', 'rate(5 hours)', 18000],
    ['2d', 'rate(2 days)', 172800],
    ['1w', 'rate(7 days)', 604800],
  ])('%s -> %s', (when, expression, intervalSeconds) => {
    expect(scheduleWhen(when)).toEqual({ expression, intervalSeconds });
  });

  it('reads "HH:MM" as a daily time and puts a "1d" interval at dailyAt', () => {
    expect(scheduleWhen('02:00').expression).toBe('cron(0 2 * * ? *)');
    expect(scheduleWhen('23:45').expression).toBe('cron(45 23 * * ? *)');
    expect(scheduleWhen('1d', '09:05').expression).toBe('cron(5 9 * * ? *)');
  });

  it('passes cron(...) through', () => {
    expect(scheduleWhen('cron(0 3 ? * SUN *)')).toEqual({ expression: 'cron(0 3 ? * SUN *)', intervalSeconds: 86400 });
  });

  it('refuses what Scheduler cannot run, naming the value', () => {
    expect(() => scheduleWhen('30s')).toThrow(/"30s" cannot be scheduled/);
    expect(() => scheduleWhen('90s')).toThrow(/"90s" cannot be scheduled/);
    expect(() => scheduleWhen('soon')).toThrow(/"soon" is neither/);
    expect(() => scheduleWhen('24:00')).toThrow(/"24:00"/);
  });
});
