import { z } from 'zod';
import { type DayDocument, HistoryDocumentError } from './day-document.js';
import { parseSketch, quantile } from './sketch.js';

/**
 * A schedule group's closed days, 90 of them, one short row per check and day: what the status page's daily bars
 * read, so drawing 90 days costs one object per group instead of ninety. The first run of a group on a new day folds
 * in the days that can no longer change (two days back: a run lasts at most 15 minutes past midnight) and drops rows
 * older than the retention.
 */
export const ROLLUP_VERSION = 1;
/** Days of daily bars the page draws, today included. */
export const RETENTION_DAYS = 90;
/** Day documents are read this far back when rolling up (the bucket's lifecycle rule keeps them a little longer). */
export const DAY_DOCUMENT_DAYS = 8;

/** `[day, runs, failures, seconds not ok, p50 ms, p95 ms, max ms]` */
export type RollupRow = [
  day: string,
  runs: number,
  failures: number,
  notOkSeconds: number,
  p50: number | null,
  p95: number | null,
  max: number | null,
];

export interface RollupDocument {
  readonly version: typeof ROLLUP_VERSION;
  readonly group: string;
  /** The newest day folded in; null before the first roll-up. */
  readonly through: string | null;
  readonly checks: Readonly<Record<string, { readonly kind: string; readonly days: readonly RollupRow[] }>>;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const dayText = z.string().regex(DAY);
const rollupSchema = z.object({
  version: z.literal(ROLLUP_VERSION),
  group: z.string(),
  through: dayText.nullable(),
  // Rows checked by hand (validRow): 500 checks hold 45,000 of them.
  checks: z.record(z.string(), z.object({ kind: z.string().max(32), days: z.array(z.unknown()).max(400) })),
});

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isMs = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

function validRow(row: unknown): row is RollupRow {
  return (
    Array.isArray(row) &&
    row.length === 7 &&
    typeof row[0] === 'string' &&
    DAY.test(row[0]) &&
    isCount(row[1]) &&
    isCount(row[2]) &&
    typeof row[3] === 'number' &&
    row[3] >= 0 &&
    isMs(row[4]) &&
    isMs(row[5]) &&
    isMs(row[6])
  );
}

export function parseRollup(text: string): RollupDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HistoryDocumentError(`not JSON: ${(error as Error).message}`);
  }
  const parsed = rollupSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HistoryDocumentError(`invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  for (const [key, check] of Object.entries(parsed.data.checks)) {
    const bad = check.days.findIndex((row) => !validRow(row));
    if (bad >= 0) throw new HistoryDocumentError(`invalid at checks.${key}.days.${bad}: not a day row`);
  }
  return parsed.data as RollupDocument;
}

export function serializeRollup(rollup: RollupDocument): string {
  return JSON.stringify(rollup);
}

export function emptyRollup(group: string): RollupDocument {
  return { version: ROLLUP_VERSION, group, through: null, checks: {} };
}

/** `2026-12-04` moved by `days` (calendar arithmetic on the date alone). */
export function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The days from `from` to `to`, both included (none when from > to). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to && days.length < 1_000; day = shiftDay(day, 1)) days.push(day);
  return days;
}

const round = (value: number | undefined): number | null => (value === undefined ? null : Math.round(value * 10) / 10);

/** The rollup with `document`'s day folded in (its rows replace any earlier ones of that day). */
export function foldDay(rollup: RollupDocument, document: DayDocument): RollupDocument {
  const checks: Record<string, { kind: string; days: RollupRow[] }> = {};
  for (const [key, value] of Object.entries(rollup.checks)) checks[key] = { kind: value.kind, days: [...value.days] };
  for (const [key, day] of Object.entries(document.checks)) {
    const sketch = parseSketch(day.sketch);
    const row: RollupRow = [
      document.day,
      day.runs,
      day.failures,
      day.notOkSeconds,
      round(quantile(sketch, 0.5)),
      round(quantile(sketch, 0.95)),
      round(day.maxMs ?? undefined),
    ];
    const entry = checks[key] ?? { kind: day.kind, days: [] };
    entry.kind = day.kind;
    entry.days = [...entry.days.filter((r) => r[0] !== document.day), row].sort((a, b) => a[0].localeCompare(b[0]));
    checks[key] = entry;
  }
  return { ...rollup, checks };
}

/** Rows older than `oldest` dropped, and checks left without rows with them. */
export function pruneRollup(rollup: RollupDocument, oldest: string): RollupDocument {
  const checks: Record<string, { kind: string; days: RollupRow[] }> = {};
  for (const [key, value] of Object.entries(rollup.checks)) {
    const days = value.days.filter((row) => row[0] >= oldest);
    if (days.length) checks[key] = { kind: value.kind, days };
  }
  return { ...rollup, checks };
}
