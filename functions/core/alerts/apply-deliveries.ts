import { rank, type AlertSeverity } from '../domain/severity.js';
import { hashOf, type Delivered, type RecordedItem } from './delivery-records.js';
import type { AlertEntry, AlertState, OpenAlert } from './state.js';

export type { Delivered } from './delivery-records.js';

/** Where an alert key found in no entry of the state can take its target, check and kind from (this run's findings). */
export type Observed = ReadonlyMap<string, Pick<AlertEntry, 'target' | 'check' | 'kind'>>;

function worstOf(a: AlertSeverity, b: AlertSeverity | undefined): AlertSeverity {
  return b !== undefined && rank(b) > rank(a) ? b : a;
}

/** An entry for a key the state has lost, as the delivered notice saw the check: failing (or ok) once, at `at`. */
function skeleton(parts: Pick<AlertEntry, 'target' | 'check' | 'kind'>, item: RecordedItem, at: string): AlertEntry {
  const failing = item.severity !== 'ok';
  return {
    ...parts,
    severity: item.severity,
    ...(failing ? { lastFailSeverity: item.severity as AlertSeverity, failingSince: at } : {}),
    consecutiveFailures: failing ? 1 : 0,
    consecutiveOks: failing ? 0 : 1,
    history: [failing ? 'fail' : 'ok'],
    summary: '',
    lastSeenAt: at,
    open: null,
    flapping: null,
  };
}

/** The bookkeeping an entry has once a notice carrying `item` was delivered at `at`: what evaluate() planned with it. */
function delivered(entry: AlertEntry, item: RecordedItem, at: string): AlertEntry {
  const open = entry.open;
  const reopened = (severity: AlertSeverity, openedAt: string): OpenAlert => ({
    severity,
    openedAt,
    lastNotifiedAt: at,
    notifiedSeverity: worstOf(item.topic, open?.notifiedSeverity),
  });
  switch (item.change) {
    case 'opened':
      return { ...entry, open: reopened(item.severity as AlertSeverity, at), flapping: null };
    case 'escalated':
    case 'repeat':
      return { ...entry, open: reopened(item.severity as AlertSeverity, open?.openedAt ?? at), flapping: null };
    case 'stable':
      return {
        ...entry,
        open: item.severity === 'ok' ? null : reopened(item.severity as AlertSeverity, open?.openedAt ?? at),
        flapping: null,
      };
    case 'flapping':
      return { ...entry, flapping: { since: at, severity: item.topic } };
    case 'resolved':
      return { ...entry, open: null, flapping: null };
  }
}

/**
 * The state with the bookkeeping of notices it does not know were delivered (it is older than them: an earlier copy,
 * or a run that could not save had sent them), oldest first. An item applies only to an entry last observed before the
 * notice (one observed since already holds its effect) or, for a key the state has lost, to a check this run observed.
 * Observation fields (streaks, history) stay as they are: only what subscribers were told is restored. Pure.
 */
export function applyDeliveries(
  state: AlertState,
  deliveries: readonly Delivered[],
  observed: Observed,
): { state: AlertState; applied: number } {
  if (deliveries.length === 0) return { state, applied: 0 };
  const entries: Record<string, AlertEntry> = { ...state.entries };
  const byHash = new Map<string, string>();
  for (const key of [...Object.keys(entries), ...observed.keys()]) byHash.set(hashOf(key), key);
  let applied = 0;
  const ordered = [...deliveries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const { at, items } of ordered) {
    for (const item of items) {
      const key = item.key ?? byHash.get(item.keyHash);
      if (key === undefined) continue;
      const current = entries[key];
      if (current && Date.parse(current.lastSeenAt) >= Date.parse(at)) continue;
      const parts = current ?? observed.get(key);
      if (!parts) continue;
      entries[key] = delivered(current ?? skeleton(parts, item, at), item, at);
      applied++;
    }
  }
  return { state: { ...state, entries }, applied };
}
