import { localTime } from '../../core/alerts/time-zone.js';
import { historyDayKey, historyRollupKey } from '../../core/layout.js';
import type { ObjectStore } from '../../core/ports/object-store.js';
import { type RetryOptions, updateDocument } from './conditional-update.js';
import {
  applyRun,
  type DayDocument,
  emptyDayDocument,
  HistoryDocumentError,
  type Observation,
  parseDayDocument,
  serializeDayDocument,
} from './day-document.js';
import {
  DAY_DOCUMENT_DAYS,
  daysBetween,
  emptyRollup,
  foldDay,
  parseRollup,
  pruneRollup,
  RETENTION_DAYS,
  type RollupDocument,
  serializeRollup,
  shiftDay,
} from './rollup.js';

/** `2026-12-04`: the local date of `at` in the config's time zone, which the daily bars follow. */
export function localDay(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/**
 * The history group of a run: the schedule it belongs to (`1m`, `5m-part2of3`), prefixed for a second function on
 * the same schedules (`vpc-1m`); `all` for a run of every check (the CLI). Each group has its own day documents, so
 * the parts of one interval, which run at the same moment, never contend for one object.
 */
export function historyGroup(options: { every?: string; part?: { part: number; parts: number }; prefix?: string }): string {
  const base = options.every ?? 'all';
  const part = options.part && options.part.parts > 1 ? `-part${options.part.part + 1}of${options.part.parts}` : '';
  const name = `${options.prefix ? `${options.prefix}-` : ''}${base}${part}`;
  return name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
}

export interface RecordHistoryInput {
  readonly store: ObjectStore;
  readonly group: string;
  /** Unique per run: a write retried after a lost answer is recognised by it. */
  readonly runId: string;
  readonly at: Date;
  readonly timeZone: string;
  readonly observations: readonly Observation[];
  readonly retry?: RetryOptions;
}

export interface RecordHistoryResult {
  readonly day: string;
  readonly document: DayDocument;
  /** Problems that did not stop the run (a damaged document started again, a roll-up that failed). */
  readonly warnings: string[];
}

/**
 * Adds one run to its group's document of the day (one GET and one conditional PUT); the run that starts a new day
 * also rolls the group's closed days up. Never counts a run twice, never drops one that overlapped it.
 */
export async function recordHistory(input: RecordHistoryInput): Promise<RecordHistoryResult> {
  const { store, group, runId, at } = input;
  const day = localDay(at, input.timeZone);
  const key = historyDayKey(day, group);
  const warnings: string[] = [];
  const result = await updateDocument<DayDocument>(
    store,
    {
      key,
      parse: parseDayDocument,
      empty: () => emptyDayDocument(day, group),
      apply: (current, damaged) => {
        const restarted = damaged
          ? { ...current, restarted: [...(current.restarted ?? []), { at: at.toISOString(), reason: damaged }] }
          : current;
        const next = applyRun(restarted, runId, at, input.observations);
        return next === current ? undefined : next;
      },
      serialize: serializeDayDocument,
    },
    input.retry,
  );
  if (result.damaged) {
    warnings.push(
      `status page history ${store.location} ${key}: ${result.damaged}; started the day again (runs before ${at.toISOString()} ` +
        "are missing from it; the store's earlier version keeps them)",
    );
  }
  if (result.created) {
    try {
      warnings.push(...(await rollUp(store, group, day, input.retry)));
    } catch (error) {
      warnings.push(`status page history ${store.location} ${historyRollupKey(group)}: roll-up failed: ${(error as Error).message}`);
    }
  }
  return { day, document: result.document, warnings };
}

/**
 * Folds the group's days that can no longer change (up to two days before `today`) into its roll-up, drops rows
 * past the retention, and removes the day document that has aged out (a bucket lifecycle rule does the same on S3;
 * this keeps a directory store from growing).
 */
export async function rollUp(store: ObjectStore, group: string, today: string, retry?: RetryOptions): Promise<string[]> {
  const warnings: string[] = [];
  const closed = shiftDay(today, -2);
  const oldest = shiftDay(today, -(RETENTION_DAYS - 1));
  const rollupKey = historyRollupKey(group);
  const { rollup: base, warning } = await readRollup(store, group);
  if (warning) warnings.push(warning);
  if (base.through === null || base.through < closed) {
    const lookBack = shiftDay(today, -DAY_DOCUMENT_DAYS);
    const from = base.through === null || base.through < lookBack ? lookBack : shiftDay(base.through, 1);
    const days: DayDocument[] = [];
    for (const day of daysBetween(from, closed)) {
      const stored = await store.get(historyDayKey(day, group));
      if (!stored) continue;
      try {
        days.push(parseDayDocument(stored.body.toString('utf8')));
      } catch (error) {
        if (!(error instanceof HistoryDocumentError)) throw error;
        warnings.push(`status page history ${store.location} ${historyDayKey(day, group)}: ${error.message}; not rolled up`);
      }
    }
    // Again on a conflict, on top of whatever the other run wrote: days it folded in already are not folded twice.
    await updateDocument<RollupDocument>(
      store,
      {
        key: rollupKey,
        parse: parseRollup,
        // Missing, or damaged with no earlier copy that reads: what readRollup found stands in.
        empty: () => base,
        apply: (current) => {
          if (current.through !== null && current.through >= closed) return undefined;
          let next = current;
          for (const document of days) if (current.through === null || document.day > current.through) next = foldDay(next, document);
          return { ...pruneRollup(next, oldest), through: closed };
        },
        serialize: serializeRollup,
      },
      retry,
    );
  }
  const expired = historyDayKey(shiftDay(today, -(DAY_DOCUMENT_DAYS + 1)), group);
  if (await store.head(expired)) await store.delete(expired);
  return warnings;
}

/** Earlier copies tried when a roll-up does not read (the versioned bucket's, the directory store's `.prev`). */
const EARLIER_COPIES = 3;

/**
 * A group's roll-up; a damaged one is read from its newest earlier copy that parses (90 days of bars are worth the
 * look), else the group starts again with a warning naming the object.
 */
export async function readRollup(store: ObjectStore, group: string): Promise<{ rollup: RollupDocument; warning?: string }> {
  const key = historyRollupKey(group);
  const stored = await store.get(key);
  if (!stored) return { rollup: emptyRollup(group) };
  try {
    return { rollup: parseRollup(stored.body.toString('utf8')) };
  } catch (error) {
    if (!(error instanceof HistoryDocumentError)) throw error;
    const earlier = await (store.previousVersions?.(key, EARLIER_COPIES) ?? Promise.resolve([])).catch(() => []);
    for (const version of earlier) {
      try {
        const rollup = parseRollup(version.body.toString('utf8'));
        return { rollup, warning: `status page history ${store.location} ${key}: ${error.message}; read its earlier copy` };
      } catch {
        // damaged too: the next older one
      }
    }
    return {
      rollup: emptyRollup(group),
      warning: `status page history ${store.location} ${key}: ${error.message}; no earlier copy reads: its older days are lost`,
    };
  }
}
