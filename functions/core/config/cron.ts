/**
 * Checks an EventBridge Scheduler cron expression, `cron(minutes hours day-of-month month day-of-week year)`, as
 * the service would at deploy time (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 * six fields, each value in its range, only the wildcards its field allows, and `?` in exactly one of day-of-month
 * and day-of-week. Returns what is wrong, or undefined when the expression is valid.
 */
export function cronProblem(expression: string): string | undefined {
  const inner = /^cron\((.*)\)$/s.exec(expression.trim());
  if (!inner) return 'a cron expression is written cron(minutes hours day-of-month month day-of-week year)';
  const fields = inner[1]!.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 6)
    return `cron(...) takes 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}: e.g. "cron(0 2 * * ? *)"`;
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  const problem =
    fieldProblem(minutes, MINUTES) ??
    fieldProblem(hours, HOURS) ??
    (dayOfMonth === '?' ? undefined : fieldProblem(dayOfMonth, DAY_OF_MONTH)) ??
    fieldProblem(month, MONTH) ??
    (dayOfWeek === '?' ? undefined : fieldProblem(dayOfWeek, DAY_OF_WEEK)) ??
    fieldProblem(year, YEAR);
  if (problem) return problem;
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    return 'exactly one of day-of-month and day-of-week must be "?" (e.g. "cron(0 2 * * ? *)" daily, "cron(0 2 ? * MON *)" on Mondays)';
  return undefined;
}

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Forms of a whole field beyond lists, ranges and steps (L, W, #). */
  readonly special?: RegExp;
}

const MINUTES: Field = { name: 'minutes', min: 0, max: 59 };
const HOURS: Field = { name: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: Field = { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|L-([1-9]|[12]\d|30)|([1-9]|[12]\d|3[01])W)$/ };
const MONTH: Field = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DAY_OF_WEEK: Field = {
  name: 'day-of-week',
  min: 1,
  max: 7,
  names: DAYS,
  special: new RegExp(`^(L|([1-7]|${DAYS.join('|')})L|([1-7]|${DAYS.join('|')})#[1-5])$`, 'i'),
};
const YEAR: Field = { name: 'year', min: 1970, max: 2199 };

function fieldProblem(text: string, field: Field): string | undefined {
  if (field.special?.test(text)) return undefined;
  const bad =
    `${field.name} "${text}" is not valid ` +
    `(${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''}, with , - * /)`;
  for (const part of text.split(',')) {
    const match = /^(\*|[^/-]+(?:-[^/-]+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) return bad;
    const [, range, step] = match;
    if (step !== undefined && (Number(step) < 1 || Number(step) > field.max - field.min + 1)) return bad;
    if (range === '*') continue;
    const [from, to] = range!.split('-').map((value) => fieldValue(value, field));
    if (from === undefined || (range!.includes('-') && (to === undefined || to < from))) return bad;
  }
  return undefined;
}

function fieldValue(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}
