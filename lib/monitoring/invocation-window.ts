const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const MINUTES_PER_DAY = 1440;

/** CloudWatch: period × evaluation periods at most a day for periods under an hour, else at most 7 days. */
const MAX_SPAN_SHORT_PERIODS = DAY;
const MAX_SPAN = 7 * DAY;
/** CloudWatch alarm warm-up: 1 to 2,880 minutes. */
const MAX_WARM_UP_MINUTES = 2880;
/** Slack after the expected run before "not invoked" pages: at least 10 minutes (metric delay), at most an hour. */
const MIN_GRACE = 10 * MINUTE;
const MAX_GRACE = HOUR;

/**
 * The longest gap, in seconds, between two runs of a Scheduler expression, or undefined when it
 * cannot be told (a cron that picks days of the month or week, months or years).
 *
 * Understands `rate(n minute|minutes|hour|hours|day|days)` and `cron(min hour * * ? *)` with
 * minute and hour fields made of `*`, numbers, lists, ranges and increments (`0/5`, `*\/15`, `8-18/2`).
 */
export function scheduleIntervalSeconds(expression: string): number | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const unit = rate[2]!.startsWith('minute') ? MINUTE : rate[2]!.startsWith('hour') ? HOUR : DAY;
    const n = Number(rate[1]);
    return n > 0 ? n * unit : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minuteField, hourField, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  const anyDay = (f: string) => f === '*' || f === '?';
  if (!anyDay(dayOfMonth) || !anyDay(dayOfWeek) || month !== '*' || year !== '*') return undefined;
  const minutes = expandField(minuteField, 0, 59);
  const hours = expandField(hourField, 0, 23);
  if (!minutes?.length || !hours?.length) return undefined;
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let gap = times[0]! + MINUTES_PER_DAY - times[times.length - 1]!;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap * MINUTE;
}

function expandField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const start = m[1] === '*' ? min : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? max : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start < min || end > max || start > end || step < 1) return undefined;
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values];
}

/** How a "not invoked" alarm watches a function that should run at least every `intervalSeconds`. */
export interface MissingInvocationsWindow {
  readonly intervalSeconds: number;
  /** The alarm fires after this long without a single invocation: the interval plus a grace. */
  readonly windowSeconds: number;
  readonly periodSeconds: number;
  /** Every one of these periods must have had no invocation (datapoints to alarm = evaluation periods). */
  readonly evaluationPeriods: number;
  /** Right after deploying, a job that has not had its first run yet must not page. */
  readonly warmUpMinutes: number;
}

/**
 * The shape of the alarm "Invocations Sum < 1 in every one of N periods, missing data breaching":
 *
 * - period = the interval for jobs running at least hourly, else one hour (CloudWatch allows a
 *   day of history for periods under an hour and seven days for longer ones);
 * - window = interval + grace (grace = the interval, between 10 minutes and an hour), so a run
 *   that is a little late or a metric that arrives late does not page, and there is at least
 *   one whole period of slack: a daily job is watched with 25 one-hour periods;
 * - N = window / period, rounded up.
 *
 * Returns undefined when no alarm can span the window (a job running less than about weekly).
 */
export function missingInvocationsWindow(intervalSeconds: number): MissingInvocationsWindow | undefined {
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < MINUTE || intervalSeconds % MINUTE !== 0) return undefined;
  const grace = Math.min(MAX_GRACE, Math.max(MIN_GRACE, intervalSeconds));
  const periodSeconds = Math.min(intervalSeconds, HOUR);
  const evaluationPeriods = Math.ceil((intervalSeconds + grace) / periodSeconds);
  const span = evaluationPeriods * periodSeconds;
  if (span > (periodSeconds < HOUR ? MAX_SPAN_SHORT_PERIODS : MAX_SPAN)) return undefined;
  return {
    intervalSeconds,
    windowSeconds: span,
    periodSeconds,
    evaluationPeriods,
    warmUpMinutes: Math.min(MAX_WARM_UP_MINUTES, Math.ceil(span / MINUTE)),
  };
}

/** "1m", "5m", "2h", "1d 1h", "25h" style text for alarm descriptions. */
export function spanText(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY}d`;
  if (seconds % HOUR === 0) return `${seconds / HOUR}h`;
  if (seconds % MINUTE === 0) return `${seconds / MINUTE}m`;
  return `${seconds}s`;
}
