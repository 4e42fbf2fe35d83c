import { parseDuration } from '../../functions/core/config/duration.js';

const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;
const DAY_MINUTES = 24 * HOUR_MINUTES;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface ScheduleWhen {
  /** The EventBridge Scheduler expression, `cron(...)` or `rate(...)`. */
  readonly expression: string;
  /** Seconds between two runs (for a `cron(...)` given as is: a day). */
  readonly intervalSeconds: number;
}

/**
 * Turns the config's "when" into a Scheduler expression, read in the config timezone:
 *
 * - `"HH:MM"` -> daily at that time: `cron(MM HH * * ? *)`
 * - `cron(...)` -> as is
 * - a duration -> a cron aligned to the clock when it divides an hour or a day
 *   (`"5m"` -> `cron(0/5 * * * ? *)`, `"1h"` -> `cron(0 * * * ? *)`, `"6h"` -> `cron(0 0/6 * * ? *)`,
 *   `"1d"` -> `cron(MM HH * * ? *)` at `dailyAt`), else `rate(...)`.
 *
 * Throws an Error naming the value when it cannot be scheduled (under a minute, or not whole minutes).
 */
export function scheduleWhen(when: string, dailyAt = '00:00'): ScheduleWhen {
  const time = HHMM.exec(when);
  if (time) return { expression: `cron(${Number(time[2])} ${Number(time[1])} * * ? *)`, intervalSeconds: DAY_MINUTES * 60 };
  if (/^cron\(.+\)$/.test(when)) return { expression: when, intervalSeconds: DAY_MINUTES * 60 };

  const ms = parseDuration(when);
  if (ms === undefined) throw new Error(`"${when}" is neither a duration, "HH:MM" nor cron(...)`);
  if (ms < MINUTE_MS || ms % MINUTE_MS !== 0)
    throw new Error(`"${when}" cannot be scheduled: EventBridge Scheduler runs at most once a minute, in whole minutes`);
  const minutes = ms / MINUTE_MS;
  const intervalSeconds = minutes * 60;

  if (minutes < HOUR_MINUTES && HOUR_MINUTES % minutes === 0) return { expression: `cron(0/${minutes} * * * ? *)`, intervalSeconds };
  if (minutes === HOUR_MINUTES) return { expression: 'cron(0 * * * ? *)', intervalSeconds };
  if (minutes < DAY_MINUTES && minutes % HOUR_MINUTES === 0 && DAY_MINUTES % minutes === 0)
    return { expression: `cron(0 0/${minutes / HOUR_MINUTES} * * ? *)`, intervalSeconds };
  if (minutes === DAY_MINUTES) return { ...scheduleWhen(dailyAt), intervalSeconds };
  return { expression: `rate(${rate(minutes)})`, intervalSeconds };
}

function rate(minutes: number): string {
  const [value, unit] =
    minutes % DAY_MINUTES === 0
      ? [minutes / DAY_MINUTES, 'day']
      : minutes % HOUR_MINUTES === 0
        ? [minutes / HOUR_MINUTES, 'hour']
        : [minutes, 'minute'];
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}
