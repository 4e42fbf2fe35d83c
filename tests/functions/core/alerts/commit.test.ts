import { describe, expect, it } from 'vitest';
import { commit, mergeRunInto, notifiedKeys } from '../../../../functions/core/alerts/commit.js';
import { evaluate } from '../../../../functions/core/alerts/evaluate.js';
import { emptyAlertState, type AlertEntry, type AlertState } from '../../../../functions/core/alerts/state.js';
import { finding, makeConfig, minutesAfter, runSequence } from './helpers.js';

describe('commit', () => {
  it('rolls back only the bookkeeping of keys carried by an undelivered notice', () => {
    const config = makeConfig();
    const [first] = runSequence(config, [
      { at: minutesAfter(0), findings: [finding('mycats', 'api', 'critical'), finding('cafemuji', 'db', 'high')] },
    ]);
    const second = evaluate({
      state: first!.state,
      findings: [finding('mycats', 'api', 'critical'), finding('cafemuji', 'db', 'high')],
      now: minutesAfter(5),
      config,
      job: 'health',
    });
    const ids = second.notifications.map((n) => n.id);
    expect(ids).toEqual(['health:critical', 'health:high']);
    const committed = commit(first!.state, second.state, second.notifications, new Set(['health:critical']));
    expect(committed.entries['mycats/api']!.open).not.toBeNull();
    // high was not delivered: no open alert recorded, but the observation advanced.
    expect(committed.entries['cafemuji/db']).toMatchObject({
      open: null,
      consecutiveFailures: 2,
      lastSeenAt: minutesAfter(5).toISOString(),
    });
    expect(notifiedKeys(second.notifications, new Set(['health:critical']))).toEqual(new Set(['mycats/api']));
    // Delivering everything keeps evaluate()'s state as is.
    expect(commit(first!.state, second.state, second.notifications, new Set(ids))).toEqual(second.state);
  });
});

describe('mergeRunInto', () => {
  const entry = (lastSeenAt: string, extra: Partial<AlertEntry> = {}): AlertEntry => ({
    target: 't',
    check: 'c',
    kind: 'http',
    severity: 'critical',
    consecutiveFailures: 2,
    consecutiveOks: 0,
    history: ['fail', 'fail'],
    summary: lastSeenAt,
    lastSeenAt,
    open: null,
    flapping: null,
    ...extra,
  });
  const state = (entries: Record<string, AlertEntry>): AlertState => ({ ...emptyAlertState(), entries });
  const open = {
    severity: 'critical',
    openedAt: '2026-11-23T02:05:00.000Z',
    lastNotifiedAt: '2026-11-23T02:05:00.000Z',
    notifiedSeverity: 'critical',
  } as const;

  it("keeps the other writer's keys, and the later evaluation of shared keys", () => {
    const fresh = state({ other: entry('2026-11-23T02:10:00.000Z'), shared: entry('2026-11-23T02:10:00.000Z') });
    const mine = state({ mine: entry('2026-11-23T02:05:00.000Z'), shared: entry('2026-11-23T02:05:00.000Z') });
    const merged = mergeRunInto(fresh, mine, {
      touched: ['mine', 'shared'],
      notified: new Set(),
      pruned: [],
      now: new Date('2026-11-23T02:05:00Z'),
    });
    expect(Object.keys(merged.entries).sort()).toEqual(['mine', 'other', 'shared']);
    expect(merged.entries.shared!.summary).toBe('2026-11-23T02:10:00.000Z');
  });

  it("keeps this run's bookkeeping for the keys it notified", () => {
    const fresh = state({ shared: entry('2026-11-23T02:10:00.000Z') });
    const mine = state({ shared: entry('2026-11-23T02:05:00.000Z', { open }) });
    const merged = mergeRunInto(fresh, mine, {
      touched: ['shared'],
      notified: new Set(['shared']),
      pruned: [],
      now: new Date('2026-11-23T02:05:00Z'),
    });
    expect(merged.entries.shared).toMatchObject({ summary: '2026-11-23T02:10:00.000Z', open });
  });

  it('drops a pruned key only if it is still stale in the fresh state', () => {
    const now = new Date('2026-12-10T00:00:00Z');
    const fresh = state({ revived: entry('2026-12-09T23:00:00.000Z'), dead: entry('2026-11-01T00:00:00.000Z') });
    const merged = mergeRunInto(fresh, state({}), { touched: [], notified: new Set(), pruned: ['revived', 'dead'], now });
    expect(Object.keys(merged.entries)).toEqual(['revived']);
  });
});
