import type { PlannedNotification } from './evaluate.js';
import { ALERT_STATE_VERSION, bookkeepingOf, isStale, type AlertEntry, type AlertState } from './state.js';

/**
 * The state to save after publishing: evaluate()'s state, except that the keys carried by a
 * notification that was not delivered keep their previous bookkeeping, so the next run plans
 * the same notice again. Their observation (streaks, history, summary) still advances.
 */
export function commit(
  prev: AlertState,
  next: AlertState,
  planned: readonly PlannedNotification[],
  sentIds: ReadonlySet<string>,
): AlertState {
  const entries: Record<string, AlertEntry> = { ...next.entries };
  for (const notification of planned) {
    if (sentIds.has(notification.id)) continue;
    for (const item of notification.items) {
      const entry = entries[item.key];
      if (entry) entries[item.key] = { ...entry, ...bookkeepingOf(prev.entries[item.key]) };
    }
  }
  return { version: ALERT_STATE_VERSION, entries };
}

/** The keys whose notices were delivered: their bookkeeping must survive a concurrent-save merge. */
export function notifiedKeys(planned: readonly PlannedNotification[], sentIds: ReadonlySet<string>): Set<string> {
  return new Set(planned.filter((n) => sentIds.has(n.id)).flatMap((n) => n.items.map((item) => item.key)));
}

export interface RunChanges {
  /** Keys this run observed. */
  readonly touched: Iterable<string>;
  /** Keys whose notices this run delivered. */
  readonly notified: ReadonlySet<string>;
  /** Keys this run dropped as stale. */
  readonly pruned: Iterable<string>;
  readonly now: Date;
}

function later(a: AlertEntry, b: AlertEntry): AlertEntry {
  return Date.parse(a.lastSeenAt) > Date.parse(b.lastSeenAt) ? a : b;
}

/**
 * Re-applies one run's per-key updates (`mine`, already committed) onto a state another writer
 * saved meanwhile (`fresh`). Keys the run did not touch keep the other writer's entry; for a
 * touched key the entry evaluated later wins, except that the bookkeeping of keys this run
 * notified is this run's, since those notices did go out.
 */
export function mergeRunInto(fresh: AlertState, mine: AlertState, changes: RunChanges): AlertState {
  const entries: Record<string, AlertEntry> = { ...fresh.entries };
  for (const key of changes.touched) {
    const own = mine.entries[key];
    const other = fresh.entries[key];
    if (!own) continue;
    if (!other) {
      entries[key] = own;
    } else if (changes.notified.has(key)) {
      entries[key] = { ...later(other, own), ...bookkeepingOf(own) };
    } else {
      entries[key] = later(other, own);
    }
  }
  for (const key of changes.pruned) {
    const entry = entries[key];
    if (entry && isStale(entry, changes.now)) delete entries[key];
  }
  return { version: ALERT_STATE_VERSION, entries };
}
