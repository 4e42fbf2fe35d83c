import { HISTORY_DAYS_PREFIX, HISTORY_ROLLUP_PREFIX } from '../../core/layout.js';
import type { ObjectStore } from '../../core/ports/object-store.js';
import { addTotals, type DayTotals, HistoryDocumentError, type ReadDayDocument, readDayDocument } from './day-document.js';
import { localDay, readRollup } from './record-history.js';
import { RETENTION_DAYS, shiftDay } from './rollup.js';
import { type SparseSketch, sparseQuantile } from './sketch.js';

/** One day of one check as the page draws it. */
export interface DayView extends DayTotals {
  readonly p50: number | null;
  readonly p95: number | null;
}

/** One clock hour of one check (one group's row; a check in two groups that hour has two). */
export interface HourView {
  /** Epoch hour. */
  readonly hour: number;
  readonly runs: number;
  readonly failures: number;
  readonly sketch: SparseSketch;
}

export interface CheckHistory {
  readonly kind: string;
  /** By local date; days without runs are absent. */
  readonly days: Map<string, DayView>;
  /** The hourly rows of today and yesterday, for the 24-hour chart, their sketches read once here. */
  readonly hours: HourView[];
}

export interface HistoryView {
  readonly today: string;
  readonly checks: Map<string, CheckHistory>;
  /** Objects that could not be read, each named with what it costs the page. */
  readonly problems: string[];
  /** History objects read. */
  readonly reads: number;
}

/** Day documents read at once. */
const READ_AHEAD = 8;
const DAY_KEY = /^history\/days\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9-]{1,64})\.json$/;
const ROLLUP_KEY = /^history\/rollup\/([A-Za-z0-9-]{1,64})\.json$/;

function entry(checks: Map<string, CheckHistory>, key: string, kind: string): CheckHistory {
  let history = checks.get(key);
  if (!history) {
    history = { kind, days: new Map(), hours: [] };
    checks.set(key, history);
  }
  return history;
}

function addDay(history: CheckHistory, day: string, totals: DayTotals, p50: number | null, p95: number | null): void {
  const seen = history.days.get(day);
  if (!seen) {
    history.days.set(day, { ...totals, p50, p95 });
    return;
  }
  // The same check in two groups' documents of one day (it moved between schedule parts): counts add up; the
  // percentiles are the larger group's (the roll-up keeps no sketch to merge).
  const larger = totals.runs > seen.runs;
  history.days.set(day, { ...addTotals({ ...seen }, totals), p50: larger ? p50 : seen.p50, p95: larger ? p95 : seen.p95 });
}

/**
 * What the page draws from: each check's last 90 days (the groups' roll-ups, then the day documents they do not
 * cover yet) and its hourly rows of the last two days. Two listings and about three reads per schedule group. A
 * document that does not read is named in `problems` and the rest is drawn.
 */
export async function readHistory(store: ObjectStore, now: Date, timeZone: string): Promise<HistoryView> {
  const today = localDay(now, timeZone);
  const oldest = shiftDay(today, -(RETENTION_DAYS - 1));
  const yesterday = shiftDay(today, -1);
  const checks = new Map<string, CheckHistory>();
  const problems: string[] = [];
  let reads = 0;

  const [rollupKeys, dayKeys] = await Promise.all([store.list(HISTORY_ROLLUP_PREFIX), store.list(HISTORY_DAYS_PREFIX)]);
  const through = new Map<string, string | null>();
  for (const info of rollupKeys) {
    const group = ROLLUP_KEY.exec(info.key)?.[1];
    if (!group) continue;
    reads++;
    const { rollup, warning } = await readRollup(store, group);
    if (warning) problems.push(warning);
    through.set(group, rollup.through);
    for (const [key, check] of Object.entries(rollup.checks)) {
      for (const [day, runs, failures, notOkSeconds, p50, p95, max] of check.days) {
        if (day < oldest || day > today) continue;
        addDay(entry(checks, key, check.kind), day, { runs, failures, notOkSeconds, maxMs: max }, p50, p95);
      }
    }
  }

  const wanted = dayKeys.flatMap((info) => {
    const m = DAY_KEY.exec(info.key);
    if (!m) return [];
    const [, day, group] = m as unknown as [string, string, string];
    const rolled = through.get(group);
    if (day < oldest || day > today || (rolled != null && day <= rolled)) return [];
    return [{ key: info.key, day }];
  });
  // A few at a time: S3 answers each in tens of milliseconds, and the documents are independent.
  const documents: Array<{ key: string; day: string; read: ReadDayDocument }> = [];
  for (let i = 0; i < wanted.length; i += READ_AHEAD) {
    const batch = wanted.slice(i, i + READ_AHEAD);
    const read = await Promise.all(batch.map((w) => store.get(w.key)));
    reads += batch.length;
    batch.forEach((w, j) => {
      const stored = read[j];
      if (!stored) return;
      try {
        documents.push({ ...w, read: readDayDocument(stored.body.toString('utf8')) });
      } catch (error) {
        if (!(error instanceof HistoryDocumentError)) throw error;
        problems.push(`${w.key}: ${error.message}: the day's bars and hours of its checks are missing`);
      }
    });
  }
  for (const { key, day, read } of documents) {
    const { document, sketches } = read;
    for (const restart of document.restarted ?? []) {
      problems.push(`${key}: was damaged (${restart.reason}) and started again at ${restart.at}: earlier runs of that day are missing`);
    }
    for (const [checkKey, check] of Object.entries(document.checks)) {
      const history = entry(checks, checkKey, check.kind);
      const sketch = sketches.get(checkKey)!;
      addDay(history, day, check, sparseQuantile(sketch.day, 0.5) ?? null, sparseQuantile(sketch.day, 0.95) ?? null);
      if (day === today || day === yesterday) {
        for (const [i, [hour, runs, failures]] of check.hours.entries()) {
          history.hours.push({ hour, runs, failures, sketch: sketch.hours[i]! });
        }
      }
    }
  }
  return { today, checks, problems, reads };
}
