import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../functions/core/alerts/evaluate.js';
import { emptyAlertState, STALE_ENTRY_MS, type AlertEntry } from '../../../../functions/core/alerts/state.js';
import { changesOf, finding, makeConfig, minutesAfter, runSequence, T0 } from './helpers.js';

const api = (severity: Parameters<typeof finding>[2], summary?: string) => finding('mycats', 'api', severity, summary);

describe('consecutive failures', () => {
  it('remembers the first failure silently and alerts on the second (default 2)', () => {
    const [first, second] = runSequence(makeConfig(), [
      { at: T0, findings: [api('critical')] },
      { at: minutesAfter(5), findings: [api('critical')] },
    ]);
    expect(first!.notifications).toEqual([]);
    expect(first!.state.entries['mycats/api']).toMatchObject({ consecutiveFailures: 1, open: null, failingSince: T0.toISOString() });
    expect(changesOf(second!)).toEqual([['critical', 'opened', 'mycats/api']]);
    expect(second!.state.entries['mycats/api']!.open).toEqual({
      severity: 'critical',
      openedAt: minutesAfter(5).toISOString(),
      lastNotifiedAt: minutesAfter(5).toISOString(),
      notifiedSeverity: 'critical',
    });
    expect(second!.notifications[0]!.items[0]!.failingSince).toBe(T0.toISOString());
  });

  it('honours alerting.consecutiveFailures', () => {
    const config = makeConfig({ alerting: { consecutiveFailures: 3, flapThreshold: 4, flapWindow: 10 } });
    const results = runSequence(
      config,
      [0, 5, 10].map((m) => ({ at: minutesAfter(m), findings: [api('high')] })),
    );
    expect(results.map((r) => changesOf(r).length)).toEqual([0, 0, 1]);
    expect(changesOf(results[2]!)).toEqual([['high', 'opened', 'mycats/api']]);
  });

  it('a success in between starts the count again', () => {
    const results = runSequence(makeConfig(), [
      { at: minutesAfter(0), findings: [api('critical')] },
      { at: minutesAfter(5), findings: [api('ok')] },
      { at: minutesAfter(10), findings: [api('critical')] },
    ]);
    expect(results.flatMap(changesOf)).toEqual([]);
    expect(results[2]!.state.entries['mycats/api']).toMatchObject({ consecutiveFailures: 1, consecutiveOks: 0 });
  });
});

describe('resolved', () => {
  it('sends RESOLVED once on the topic of the open severity', () => {
    const results = runSequence(makeConfig(), [
      { at: minutesAfter(0), findings: [api('high')] },
      { at: minutesAfter(5), findings: [api('high')] },
      { at: minutesAfter(10), findings: [api('ok')] },
      { at: minutesAfter(15), findings: [api('ok')] },
    ]);
    expect(changesOf(results[2]!)).toEqual([['high', 'resolved', 'mycats/api']]);
    expect(results[2]!.notifications[0]!.items[0]).toMatchObject({ severity: 'ok', previousSeverity: 'high' });
    expect(results[2]!.state.entries['mycats/api']!.open).toBeNull();
    expect(changesOf(results[3]!)).toEqual([]);
  });

  it('after an improvement the RESOLVED goes to the worst topic that was told', () => {
    const results = runSequence(makeConfig(), [
      { at: minutesAfter(0), findings: [api('critical')] },
      { at: minutesAfter(5), findings: [api('critical')] },
      { at: minutesAfter(10), findings: [api('medium')] },
      { at: minutesAfter(15), findings: [api('ok')] },
    ]);
    expect(changesOf(results[2]!)).toEqual([]);
    expect(results[2]!.state.entries['mycats/api']!.open).toMatchObject({ severity: 'medium', notifiedSeverity: 'critical' });
    expect(changesOf(results[3]!)).toEqual([['critical', 'resolved', 'mycats/api']]);
  });
});

describe('repeat while open', () => {
  const every5m = (count: number, severity: Parameters<typeof api>[0]) =>
    Array.from({ length: count }, (_, i) => ({ at: minutesAfter(i * 5), findings: [api(severity)] }));

  it('repeats critical every 15 minutes by default (respondWithin)', () => {
    const results = runSequence(makeConfig(), every5m(11, 'critical'));
    const notified = results
      .map((r, i) => [
        i * 5,
        changesOf(r)
          .map(([, change]) => change)
          .join(),
      ])
      .filter(([, c]) => c);
    // opened at 5, then 20, 35, 50 (every 15 minutes after the last notice).
    expect(notified).toEqual([
      [5, 'opened'],
      [20, 'repeat'],
      [35, 'repeat'],
      [50, 'repeat'],
    ]);
  });

  it('uses severities[sev].repeatEvery, then respondWithin', () => {
    const repeatEvery = runSequence(
      makeConfig({ severities: { critical: { respondWithin: '15m', repeatEvery: '30m' } } }),
      every5m(8, 'critical'),
    );
    expect(repeatEvery.map((r) => changesOf(r).length)).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
    const within = runSequence(makeConfig({ severities: { critical: { respondWithin: '10m' } } }), every5m(6, 'critical'));
    expect(within.map((r) => changesOf(r).length)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('reports how long the alert has been open', () => {
    const results = runSequence(makeConfig(), every5m(5, 'critical'));
    expect(results[4]!.notifications[0]!.items[0]).toMatchObject({ change: 'repeat', openedAt: minutesAfter(5).toISOString() });
  });
});

describe('escalation', () => {
  it('notifies at once on the worse topic, inside the repeat interval', () => {
    const results = runSequence(makeConfig(), [
      { at: minutesAfter(0), findings: [api('medium')] },
      { at: minutesAfter(5), findings: [api('medium')] },
      { at: minutesAfter(10), findings: [api('critical')] },
      { at: minutesAfter(15), findings: [api('critical')] },
    ]);
    expect(changesOf(results[1]!)).toEqual([['medium', 'opened', 'mycats/api']]);
    expect(changesOf(results[2]!)).toEqual([['critical', 'escalated', 'mycats/api']]);
    expect(results[2]!.notifications[0]!.items[0]!.previousSeverity).toBe('medium');
    expect(results[2]!.state.entries['mycats/api']!.open).toMatchObject({
      notifiedSeverity: 'critical',
      openedAt: minutesAfter(5).toISOString(),
      lastNotifiedAt: minutesAfter(10).toISOString(),
    });
    expect(changesOf(results[3]!)).toEqual([]);
  });
});

describe('flapping', () => {
  const alternate = (count: number, start = 0) =>
    Array.from({ length: count }, (_, i) => ({
      at: minutesAfter((start + i) * 5),
      findings: [api((start + i) % 2 === 0 ? 'critical' : 'ok')],
    }));

  it('sends one flapping notice, nothing while it flaps, and one "stable" notice when it settles', () => {
    const config = makeConfig({ alerting: { consecutiveFailures: 1, flapThreshold: 4, flapWindow: 10 } });
    const flapping = alternate(12);
    const settled = Array.from({ length: 10 }, (_, i) => ({ at: minutesAfter((12 + i) * 5), findings: [api('ok')] }));
    const results = runSequence(config, [...flapping, ...settled]);
    const all = results.map(changesOf);
    // consecutiveFailures 1: open, resolve, open, resolve, then the 4th change marks it flapping.
    expect(all.slice(0, 5)).toEqual([
      [['critical', 'opened', 'mycats/api']],
      [['critical', 'resolved', 'mycats/api']],
      [['critical', 'opened', 'mycats/api']],
      [['critical', 'resolved', 'mycats/api']],
      [['critical', 'flapping', 'mycats/api']],
    ]);
    expect(results[4]!.notifications[0]!.items[0]).toMatchObject({ flapChanges: 4, flapRuns: 5 });
    const rest = all.slice(5).flat();
    expect(rest.filter(([, change]) => change === 'flapping')).toEqual([]);
    expect(rest.filter(([, change]) => change === 'opened' || change === 'resolved')).toEqual([]);
    expect(rest).toEqual([['critical', 'stable', 'mycats/api']]);
    const stableRun = all.findIndex((c, i) => i > 4 && c.length > 0);
    expect(results[stableRun]!.notifications[0]!.items[0]!.severity).toBe('ok');
    // Once stable, the window holds fewer than flapThreshold changes.
    const history = results[stableRun]!.state.entries['mycats/api']!.history;
    expect(history.filter((o, i) => i > 0 && o !== history[i - 1]).length).toBeLessThan(4);
    expect(results.at(-1)!.state.entries['mycats/api']).toMatchObject({ flapping: null, open: null });
  });

  it('settling in a failing state announces it and opens the alert, which then repeats', () => {
    const config = makeConfig();
    const flapping = alternate(6);
    const failing = Array.from({ length: 20 }, (_, i) => ({ at: minutesAfter((6 + i) * 5), findings: [api('high')] }));
    const results = runSequence(config, [...flapping, ...failing]);
    const all = results.flatMap((r, i) => changesOf(r).map((c) => [i, ...c]));
    // default consecutiveFailures 2: the alternation never opened an alert, but flapped.
    expect(all[0]).toEqual([4, 'critical', 'flapping', 'mycats/api']);
    const stable = all.find(([, , change]) => change === 'stable')!;
    expect(stable.slice(1)).toEqual(['critical', 'stable', 'mycats/api']);
    const stableAt = stable[0] as number;
    expect(results[stableAt]!.state.entries['mycats/api']!.open).toMatchObject({ severity: 'high', notifiedSeverity: 'critical' });
    expect(all.filter(([, , change]) => change === 'opened')).toEqual([]);
    // The next notice is a repeat at the high interval (1h = 12 runs of 5 minutes) after the stable notice.
    expect(all.filter(([run]) => (run as number) > stableAt)).toEqual([[stableAt + 12, 'high', 'repeat', 'mycats/api']]);
  });
});

describe('silences', () => {
  it('a one-off silence holds notices back while state advances, and the open alert goes out after it ends', () => {
    const config = makeConfig({ silences: [{ target: 'mycats', reason: 'migration', until: minutesAfter(12).toISOString() }] });
    const results = runSequence(
      config,
      [0, 5, 10, 15].map((m) => ({ at: minutesAfter(m), findings: [api('critical'), finding('cafemuji', 'health', 'critical')] })),
    );
    expect(changesOf(results[1]!)).toEqual([['critical', 'opened', 'cafemuji/health']]);
    expect(results[1]!.suppressed).toEqual([{ key: 'mycats/api', change: 'opened', reason: 'migration' }]);
    expect(results[2]!.state.entries['mycats/api']).toMatchObject({ consecutiveFailures: 3, open: null });
    expect(changesOf(results[3]!)).toEqual([['critical', 'opened', 'mycats/api']]);
    expect(results[3]!.notifications[0]!.items[0]!.failingSince).toBe(T0.toISOString());
  });

  it('a check-specific silence leaves other checks of the target alone', () => {
    const config = makeConfig({ silences: [{ target: 'mycats', check: 'api', reason: 'known', until: minutesAfter(60).toISOString() }] });
    const [, second] = runSequence(
      config,
      [0, 5].map((m) => ({ at: minutesAfter(m), findings: [api('high'), finding('mycats', 'web', 'high')] })),
    );
    expect(changesOf(second!)).toEqual([['high', 'opened', 'mycats/web']]);
  });

  it('a RESOLVED held back by a silence is sent when the silence ends', () => {
    const config = makeConfig({ silences: [{ reason: 'window', until: minutesAfter(17).toISOString() }] });
    const open = runSequence(
      makeConfig(),
      [0, 5].map((m) => ({ at: minutesAfter(m), findings: [api('high')] })),
    );
    const results = runSequence(
      config,
      [10, 15, 20].map((m) => ({ at: minutesAfter(m), findings: [api('ok')] })),
      open[1]!.state,
    );
    expect(results.map(changesOf)).toEqual([[], [], [['high', 'resolved', 'mycats/api']]]);
  });

  it('a weekly window crossing midnight in Asia/Tokyo silences Friday 22:00 to Saturday 02:00 local time', () => {
    const config = makeConfig({
      timezone: 'Asia/Tokyo',
      silences: [{ target: 'mycats', reason: 'weekly maintenance', weekly: { days: ['fri'], from: '22:00', to: '02:00' } }],
    });
    // 2026-11-27 is a Friday. 22:30 JST = 13:30 UTC.
    const fri2230 = new Date('2026-11-27T13:30:00Z');
    const runs = [0, 60, 180, 215, 220].map((m) => ({ at: minutesAfter(m, fri2230), findings: [api('critical')] }));
    const results = runSequence(config, runs);
    // 22:30, 23:30, 01:30 (Sat), 02:05 (Sat, after the window), 02:10
    expect(results.map(changesOf)).toEqual([[], [], [], [['critical', 'opened', 'mycats/api']], []]);
    expect(
      results
        .slice(0, 3)
        .flatMap((r) => r.suppressed)
        .map((s) => s.reason),
    ).toEqual(['weekly maintenance', 'weekly maintenance']);
    // The same instants are not in the window when the config's timezone is UTC.
    const utc = runSequence(makeConfig({ silences: config.silences }), runs);
    expect(changesOf(utc[1]!)).toEqual([['critical', 'opened', 'mycats/api']]);
  });
});

describe('grouping', () => {
  it('sends one message per severity per run: 50 critical failures and their resolved peers in one critical message', () => {
    const targets = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const failing = targets.map((t) => finding(t, 'health', 'critical'));
    const highs = ['a', 'b', 'c'].map((t) => finding(t, 'db', 'high'));
    const opened = runSequence(makeConfig(), [
      { at: minutesAfter(0), findings: [...failing, ...highs, finding('old', 'one', 'critical'), finding('old', 'two', 'critical')] },
      { at: minutesAfter(5), findings: [finding('old', 'one', 'critical'), finding('old', 'two', 'critical')] },
    ]);
    const [result] = runSequence(
      makeConfig(),
      [{ at: minutesAfter(10), findings: [...failing, ...highs, finding('old', 'one', 'ok'), finding('old', 'two', 'ok')] }],
      opened[1]!.state,
    );
    expect(result!.notifications.map((n) => n.topic)).toEqual(['critical', 'high']);
    const critical = result!.notifications[0]!;
    expect(critical.items.filter((i) => i.change === 'opened').map((i) => i.target)).toEqual(targets);
    expect(critical.items.filter((i) => i.change === 'resolved').map((i) => i.key)).toEqual(['old/one', 'old/two']);
    expect(result!.notifications[1]!.items.map((i) => i.key)).toEqual(['a/db', 'b/db', 'c/db']);
  });

  it('merges several findings of one key in one run into its worst severity', () => {
    const [, second] = runSequence(
      makeConfig(),
      [0, 5].map((m) => ({
        at: minutesAfter(m),
        findings: [api('medium', 'slow: 4 s'), api('high', 'certificate expires in 3 days'), api('ok')],
      })),
    );
    expect(changesOf(second!)).toEqual([['high', 'opened', 'mycats/api']]);
    expect(second!.state.entries['mycats/api']!.summary).toBe('certificate expires in 3 days; slow: 4 s');
  });
});

describe('stale entries', () => {
  it('drops entries not seen for 7 days, keeps the others', () => {
    const entry = (lastSeenAt: Date): AlertEntry => ({
      target: 'x',
      check: 'y',
      kind: 'http',
      severity: 'ok',
      consecutiveFailures: 0,
      consecutiveOks: 1,
      history: ['ok'],
      summary: 'fine',
      lastSeenAt: lastSeenAt.toISOString(),
      open: null,
      flapping: null,
    });
    const state = {
      ...emptyAlertState(),
      entries: {
        'gone/old': entry(new Date(T0.getTime() - STALE_ENTRY_MS - 60_000)),
        'kept/recent': entry(new Date(T0.getTime() - STALE_ENTRY_MS + 60_000)),
      },
    };
    const result = evaluate({ state, findings: [api('ok')], now: T0, config: makeConfig(), job: 'health' });
    expect(Object.keys(result.state.entries).sort()).toEqual(['kept/recent', 'mycats/api']);
    expect(result.pruned).toEqual(['gone/old']);
    expect(state.entries['gone/old']).toBeDefined();
  });
});
