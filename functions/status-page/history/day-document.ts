import { z } from 'zod';
import type { Severity } from '../../core/domain/severity.js';
import { addSample, formatSketch, parseSketch, parseSparseSketch, type SparseSketch } from './sketch.js';

/**
 * One day (in the config's time zone) of one schedule group's checks: what every health run of that group adds to,
 * with a conditional write (read, merge, write with If-Match; again on a conflict), so overlapping runs lose nothing.
 * Per check: runs, failures, time not ok, a response-time sketch, and the same per clock hour for the 24-hour chart.
 * `runs` lists the last runs applied, so a write retried after a lost answer is not counted twice.
 */
export const DAY_DOCUMENT_VERSION = 1;
/** Run ids kept to recognise a retried write: far more than runs of one group can overlap. */
const APPLIED_RUNS_KEPT = 32;

/** `[epoch hour, runs, failures, seconds not ok, max ms or null, sketch]`: arrays, as a day holds 24 of them per check. */
export type HourRow = [hour: number, runs: number, failures: number, notOkSeconds: number, maxMs: number | null, sketch: string];

export interface CheckDay {
  readonly kind: string;
  readonly runs: number;
  readonly failures: number;
  readonly notOkSeconds: number;
  readonly maxMs: number | null;
  /** The day's response times (sketch.ts). */
  readonly sketch: string;
  readonly hours: readonly HourRow[];
  /** The severity of the newest run applied, and when that run was. */
  readonly severity: Severity;
  readonly lastAt: string;
}

export interface DayDocument {
  readonly version: typeof DAY_DOCUMENT_VERSION;
  readonly day: string;
  readonly group: string;
  readonly checks: Readonly<Record<string, CheckDay>>;
  /** The newest runs applied, oldest first. */
  readonly runs: readonly string[];
  /** The document was found damaged and started again at these times: earlier runs of the day are missing. */
  readonly restarted?: ReadonlyArray<{ readonly at: string; readonly reason: string }>;
}

/** One check's outcome in one run. */
export interface Observation {
  /** `${target}/${check}` */
  readonly key: string;
  readonly kind: string;
  readonly severity: Severity;
  /** Response time when the probe measured one (an answer, even a failing one; not a timeout). */
  readonly responseMs?: number;
  /** The check's interval: a failing run counts this long as not ok. */
  readonly everySeconds: number;
}

const count = z.number().int().min(0);
const severity = z.enum(['ok', 'low', 'medium', 'high', 'critical']);
const sketchText = z.string().max(4_000);
const checkDay = z.object({
  kind: z.string().max(32),
  runs: count,
  failures: count,
  notOkSeconds: z.number().min(0),
  maxMs: z.number().min(0).nullable(),
  sketch: sketchText,
  // The rows are checked by hand below (validHourRow): a page reads tens of thousands of them.
  hours: z.array(z.unknown()).max(50),
  severity,
  lastAt: z.string(),
});

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** `[hour, runs, failures, seconds not ok, max ms or null, sketch]`, as HourRow says. */
export function validHourRow(row: unknown): row is HourRow {
  return (
    Array.isArray(row) &&
    row.length === 6 &&
    isCount(row[0]) &&
    isCount(row[1]) &&
    isCount(row[2]) &&
    isAmount(row[3]) &&
    (row[4] === null || isAmount(row[4])) &&
    typeof row[5] === 'string' &&
    row[5].length <= 4_000
  );
}
const dayDocument = z.object({
  version: z.literal(DAY_DOCUMENT_VERSION),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  group: z.string(),
  checks: z.record(z.string(), checkDay),
  runs: z.array(z.string()).max(1_000),
  restarted: z.array(z.object({ at: z.string(), reason: z.string() })).optional(),
});

export class HistoryDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryDocumentError';
  }
}

/** A day document with its sketches read: the check's day, and each of its hour rows, in order. */
export interface ReadDayDocument {
  readonly document: DayDocument;
  readonly sketches: ReadonlyMap<string, { readonly day: SparseSketch; readonly hours: readonly SparseSketch[] }>;
}

/** Parses a stored day document and its sketches; a HistoryDocumentError names the first bad field. */
export function readDayDocument(text: string): ReadDayDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HistoryDocumentError(`not JSON: ${(error as Error).message}`);
  }
  const parsed = dayDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HistoryDocumentError(`invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const sketches = new Map<string, { day: SparseSketch; hours: SparseSketch[] }>();
  for (const [key, check] of Object.entries(parsed.data.checks)) {
    const bad = check.hours.findIndex((row) => !validHourRow(row));
    if (bad >= 0) throw new HistoryDocumentError(`invalid at checks.${key}.hours.${bad}: not an hour row`);
    try {
      sketches.set(key, {
        day: parseSparseSketch(check.sketch),
        hours: (check.hours as HourRow[]).map((row) => parseSparseSketch(row[5])),
      });
    } catch (error) {
      throw new HistoryDocumentError(`invalid at checks.${key}: ${(error as Error).message}`);
    }
  }
  return { document: parsed.data as DayDocument, sketches };
}

export function parseDayDocument(text: string): DayDocument {
  return readDayDocument(text).document;
}

export function serializeDayDocument(document: DayDocument): string {
  return JSON.stringify(document);
}

export function emptyDayDocument(day: string, group: string): DayDocument {
  return { version: DAY_DOCUMENT_VERSION, day, group, checks: {}, runs: [] };
}

export function epochHour(at: Date): number {
  return Math.floor(at.getTime() / 3_600_000);
}

function withSample(sketchText: string, ms: number | undefined): string {
  if (ms === undefined) return sketchText;
  const sketch = parseSketch(sketchText);
  addSample(sketch, ms);
  return formatSketch(sketch);
}

function maxOf(a: number | null, b: number | undefined): number | null {
  if (b === undefined || !Number.isFinite(b)) return a;
  return a === null ? b : Math.max(a, b);
}

function applyToHours(hours: readonly HourRow[], hour: number, o: Observation, failed: boolean): HourRow[] {
  const rows = hours.map((row) => [...row] as HourRow);
  let row = rows.find((r) => r[0] === hour);
  if (!row) {
    row = [hour, 0, 0, 0, null, ''];
    rows.push(row);
    rows.sort((a, b) => a[0] - b[0]);
  }
  row[1] += 1;
  row[2] += failed ? 1 : 0;
  row[3] += failed ? o.everySeconds : 0;
  row[4] = maxOf(row[4], o.responseMs);
  row[5] = withSample(row[5], o.responseMs);
  return rows;
}

/**
 * The document with one run's observations added; unchanged when that run is already in it (a write retried after
 * its answer was lost). A run not ok is any severity but `ok`, as the alert engine counts failures.
 */
export function applyRun(document: DayDocument, runId: string, at: Date, observations: readonly Observation[]): DayDocument {
  if (document.runs.includes(runId)) return document;
  const checks: Record<string, CheckDay> = { ...document.checks };
  const hour = epochHour(at);
  const lastAt = at.toISOString();
  for (const o of observations) {
    const failed = o.severity !== 'ok';
    const before = checks[o.key];
    const newer = !before || Date.parse(before.lastAt) <= at.getTime();
    checks[o.key] = {
      kind: o.kind,
      runs: (before?.runs ?? 0) + 1,
      failures: (before?.failures ?? 0) + (failed ? 1 : 0),
      notOkSeconds: (before?.notOkSeconds ?? 0) + (failed ? o.everySeconds : 0),
      maxMs: maxOf(before?.maxMs ?? null, o.responseMs),
      sketch: withSample(before?.sketch ?? '', o.responseMs),
      hours: applyToHours(before?.hours ?? [], hour, o, failed),
      // Overlapping runs may apply out of order: the severity shown is the newest run's.
      severity: newer ? o.severity : before.severity,
      lastAt: newer ? lastAt : before.lastAt,
    };
  }
  return { ...document, checks, runs: [...document.runs, runId].slice(-APPLIED_RUNS_KEPT) };
}

/** A check's totals of several days or documents (a check that moved between schedule parts has two in a day). */
export interface DayTotals {
  runs: number;
  failures: number;
  notOkSeconds: number;
  maxMs: number | null;
}

export function addTotals(into: DayTotals, from: Pick<CheckDay, 'runs' | 'failures' | 'notOkSeconds' | 'maxMs'>): DayTotals {
  into.runs += from.runs;
  into.failures += from.failures;
  into.notOkSeconds += from.notOkSeconds;
  into.maxMs = maxOf(into.maxMs, from.maxMs ?? undefined);
  return into;
}
