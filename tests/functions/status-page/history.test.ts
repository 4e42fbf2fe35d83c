import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { historyDayKey, historyRollupKey } from '../../../functions/core/layout.js';
import { type Observation, parseDayDocument } from '../../../functions/status-page/history/day-document.js';
import { readHistory } from '../../../functions/status-page/history/read-history.js';
import { historyGroup, localDay, recordHistory } from '../../../functions/status-page/history/record-history.js';
import { parseRollup, shiftDay } from '../../../functions/status-page/history/rollup.js';

let dir: string;
let store: LocalObjectStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-history-'));
  store = new LocalObjectStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TZ = 'Asia/Tokyo';
const ok = (key: string, ms = 80): Observation => ({ key, kind: 'http', severity: 'ok', responseMs: ms, everySeconds: 60 });
const down = (key: string): Observation => ({ key, kind: 'http', severity: 'critical', everySeconds: 60 });
const record = (at: Date, observations: Observation[], runId: string = crypto.randomUUID(), group = 'all') =>
  recordHistory({ store, group, runId, at, timeZone: TZ, observations, retry: { baseDelayMs: 1, attempts: 40 } });
const dayDocument = (day: string, group = 'all') =>
  parseDayDocument(readFileSync(join(dir, ...historyDayKey(day, group).split('/')), 'utf8'));

describe('the day document a health run adds to', () => {
  it('counts the day in the config time zone, with the run in its clock hour', async () => {
    const at = new Date('2026-12-04T15:30:00Z'); // 00:30 on the 5th in Tokyo
    expect(localDay(at, TZ)).toBe('2026-12-05');
    await record(at, [ok('web/api', 120), down('web/db')]);
    const doc = dayDocument('2026-12-05');
    expect(doc.checks['web/api']).toMatchObject({ runs: 1, failures: 0, notOkSeconds: 0, maxMs: 120, severity: 'ok' });
    expect(doc.checks['web/db']).toMatchObject({ runs: 1, failures: 1, notOkSeconds: 60, maxMs: null, severity: 'critical' });
    expect(doc.checks['web/api']!.hours).toEqual([[Math.floor(at.getTime() / 3_600_000), 1, 0, 0, 120, expect.any(String)]]);
  });

  it('loses no run of 24 that overlap on the same document (read, merge, If-Match, again on a conflict)', async () => {
    const at = new Date('2026-12-04T03:00:00Z');
    const runs = Array.from({ length: 24 }, (_, i) =>
      record(new Date(at.getTime() + i * 1000), [i % 4 === 0 ? down('web/api') : ok('web/api')]),
    );
    await Promise.all(runs);
    const check = dayDocument('2026-12-04').checks['web/api']!;
    expect(check.runs).toBe(24);
    expect(check.failures).toBe(6);
    expect(check.notOkSeconds).toBe(360);
    expect(check.hours.reduce((n, h) => n + h[1], 0)).toBe(24);
  });

  it('counts a run once when its write is retried after a lost answer (the same run id)', async () => {
    const at = new Date('2026-12-04T03:00:00Z');
    await record(at, [ok('web/api')], 'run-1');
    await record(at, [ok('web/api')], 'run-1');
    await record(at, [ok('web/api')], 'run-2');
    expect(dayDocument('2026-12-04').checks['web/api']!.runs).toBe(2);
  });

  it('starts a damaged day again, says so in the run and on the page, and keeps the damaged copy', async () => {
    const at = new Date('2026-12-04T03:00:00Z');
    await record(at, [ok('web/api')]);
    const path = join(dir, ...historyDayKey('2026-12-04', 'all').split('/'));
    writeFileSync(path, '{"version":1,"day":');
    const result = await record(new Date(at.getTime() + 60_000), [ok('web/api')]);
    expect(result.warnings).toEqual([expect.stringMatching(/history\/days\/2026-12-04\/all\.json: not JSON: .*started the day again/)]);
    expect(dayDocument('2026-12-04').checks['web/api']!.runs).toBe(1);
    expect(readFileSync(`${path}.prev`, 'utf8')).toBe('{"version":1,"day":');
    const view = await readHistory(store, new Date(at.getTime() + 120_000), TZ);
    expect(view.problems).toEqual([expect.stringMatching(/^history\/days\/2026-12-04\/all\.json: was damaged \(not JSON/)]);
  });

  it('names the group after its schedule part, apart from another function on the same schedules', () => {
    expect(historyGroup({})).toBe('all');
    expect(historyGroup({ every: '1m' })).toBe('1m');
    expect(historyGroup({ every: '5m', part: { part: 1, parts: 3 } })).toBe('5m-part2of3');
    expect(historyGroup({ every: '1m', prefix: 'vpc' })).toBe('vpc-1m');
  });
});

describe('the roll-up of closed days and what the page reads', () => {
  const noon = (day: string) => new Date(`${day}T03:00:00Z`);

  it('folds the days two back into the roll-up on the first run of a day, keeps 90, and drops aged-out day documents', async () => {
    const today = '2026-12-10';
    for (let i = 9; i >= 1; i--) {
      const day = shiftDay(today, -i);
      await record(noon(day), [ok('web/api'), i === 3 ? down('web/api') : ok('web/api')], `a-${day}`);
    }
    // A roll-up row from long ago, which the retention drops.
    const rollupPath = join(dir, ...historyRollupKey('all').split('/'));
    const before = parseRollup(readFileSync(rollupPath, 'utf8'));
    expect(before.through).toBe(shiftDay(today, -3));
    writeFileSync(
      rollupPath,
      JSON.stringify({ ...before, checks: { ...before.checks, 'old/check': { kind: 'http', days: [['2026-01-01', 1, 0, 0, 1, 1, 1]] } } }),
    );

    await record(noon(today), [ok('web/api')], 'today-1');
    const rollup = parseRollup(readFileSync(rollupPath, 'utf8'));
    expect(rollup.through).toBe(shiftDay(today, -2));
    const days = rollup.checks['web/api']!.days.map((r) => r[0]);
    // Each first run of a day folded in the day two back; today's folded in day -2.
    expect(days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08']);
    expect(rollup.checks['old/check']).toBeUndefined();
    const seventh = rollup.checks['web/api']!.days.find((r) => r[0] === '2026-12-07')!;
    expect(seventh.slice(0, 4)).toEqual(['2026-12-07', 2, 1, 60]);
    // The day document that aged out (9 days back, rolled up long since) is gone; the 8 newer ones stay.
    expect(await store.head(historyDayKey(shiftDay(today, -9), 'all'))).toBeUndefined();
    expect(await store.head(historyDayKey(shiftDay(today, -8), 'all'))).toBeDefined();

    const view = await readHistory(store, noon(today), TZ);
    const check = view.checks.get('web/api')!;
    expect([...check.days.keys()].sort()).toEqual([...days, '2026-12-09', '2026-12-10']);
    expect(check.days.get('2026-12-07')).toMatchObject({ runs: 2, failures: 1, notOkSeconds: 60 });
    expect(check.days.get('2026-12-10')).toMatchObject({ runs: 1, failures: 0 });
    expect(check.hours.length).toBeGreaterThan(0);
    expect(view.problems).toEqual([]);
    // Two listings and three reads: the roll-up, yesterday's and today's documents.
    expect(view.reads).toBe(3);
  });

  it('reads a damaged roll-up from its earlier copy, or names it and draws the rest', async () => {
    await record(noon('2026-12-05'), [ok('web/api')]);
    await record(noon('2026-12-08'), [ok('web/api')]);
    const rollupPath = join(dir, ...historyRollupKey('all').split('/'));
    expect(parseRollup(readFileSync(rollupPath, 'utf8')).checks['web/api']!.days.map((r) => r[0])).toEqual(['2026-12-05']);
    await store.put(historyRollupKey('all'), 'garbage', { ifMatch: (await store.get(historyRollupKey('all')))!.etag });
    let view = await readHistory(store, noon('2026-12-08'), TZ);
    expect(view.problems).toEqual([expect.stringMatching(/history\/rollup\/all\.json: not JSON.*read its earlier copy/)]);
    expect(view.checks.get('web/api')!.days.has('2026-12-05')).toBe(true);

    rmSync(`${rollupPath}.prev`);
    view = await readHistory(store, noon('2026-12-08'), TZ);
    expect(view.problems).toEqual([
      expect.stringMatching(/history\/rollup\/all\.json: not JSON.*no earlier copy reads: its older days are lost/),
    ]);
    expect(view.checks.get('web/api')!.days.has('2026-12-08')).toBe(true);
  });
});
