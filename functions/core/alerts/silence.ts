import type { SilenceConfig } from '../config/schema.js';
import { localTime, WEEKDAYS } from './time-zone.js';

const MINUTES_PER_DAY = 24 * 60;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Whether a weekly window is open at `now`. The window starts on each listed day at `from`
 * (local time) and lasts until the next `to`, so "22:00"-"02:00" on fri covers Saturday 01:00;
 * equal `from` and `to` mean a full day.
 */
export function inWeeklyWindow(window: { days: readonly string[]; from: string; to: string }, now: Date, timeZone: string): boolean {
  const local = localTime(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const from = minutesOf(window.from);
  const length = (minutesOf(window.to) - from + MINUTES_PER_DAY) % MINUTES_PER_DAY || MINUTES_PER_DAY;
  const today = WEEKDAYS.indexOf(local.weekday);
  const yesterday = WEEKDAYS[(today + 6) % 7]!;
  const sinceTodayStart = minute - from;
  if (window.days.includes(local.weekday) && sinceTodayStart >= 0 && sinceTodayStart < length) return true;
  return window.days.includes(yesterday) && sinceTodayStart + MINUTES_PER_DAY < length;
}

export function silenceIsActive(silence: SilenceConfig, now: Date, timeZone: string): boolean {
  if (silence.until !== undefined) return now.getTime() < Date.parse(silence.until);
  if (silence.weekly !== undefined) return inWeeklyWindow(silence.weekly, now, timeZone);
  return false;
}

function matches(silence: SilenceConfig, target: string, check: string): boolean {
  return (silence.target === undefined || silence.target === target) && (silence.check === undefined || silence.check === check);
}

/** The first configured silence covering this target and check at `now`, if any. */
export function activeSilence(
  silences: readonly SilenceConfig[],
  target: string,
  check: string,
  now: Date,
  timeZone: string,
): SilenceConfig | undefined {
  return silences.find((s) => matches(s, target, check) && silenceIsActive(s, now, timeZone));
}
