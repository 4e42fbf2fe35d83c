import {
  type AlertEntry,
  type AlertState,
  ALERT_STATE_VERSION,
  alertStateKey,
  serializeAlertState,
} from '../../functions/core/alerts/state.js';
import { backupKeys, historyDayKey, historyRollupKey, STATUS_STATE_KEY } from '../../functions/core/layout.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import type { Severity } from '../../functions/core/domain/severity.js';
import { checkNameOf } from '../../functions/core/config/schema.js';
import { type Config, validateConfig } from '../../functions/kinds/config.js';
import { DAY_DOCUMENT_VERSION, type DayDocument, epochHour, type HourRow } from '../../functions/status-page/history/day-document.js';
import { localDay } from '../../functions/status-page/history/record-history.js';
import { ROLLUP_VERSION, type RollupDocument, type RollupRow, shiftDay } from '../../functions/status-page/history/rollup.js';
import { addSample, emptySketch, formatSketch, mergeSketch, parseSketch } from '../../functions/status-page/history/sketch.js';
import { PAGE_STATE_VERSION, type PageState } from '../../functions/status-page/page-state.js';

/**
 * Generated history for the status page's tests and bench, written through the product's own document types: per
 * check, 90 days of roll-up rows and two days of hourly rows with response-time sketches, as health runs every
 * minute would leave them; an alert state with the failing checks open; backups; a server's disk entry.
 */
export interface FixtureCheck {
  readonly target: string;
  readonly name?: string;
  readonly url: string;
  /** Share of runs that fail on a normal day (0 for a clean check), and days that had an outage. */
  readonly failRate?: number;
  readonly outageDays?: readonly number[];
  /** Failing now: its alert is open. */
  readonly failingNow?: boolean;
  /** Median response time. */
  readonly medianMs?: number;
}

export interface FixtureOptions {
  readonly checks: readonly FixtureCheck[];
  readonly now: Date;
  readonly timeZone?: string;
  readonly language?: 'en' | 'ja';
  readonly days?: number;
  /** Checks per schedule group (as parts split them when deployed). */
  readonly perGroup?: number;
  readonly seed?: number;
  readonly statusPage?: Record<string, unknown>;
  /** Backed-up databases: `target/name`, with the newest backup this many hours ago. */
  readonly backups?: ReadonlyArray<{
    readonly target: string;
    readonly database: string;
    readonly hoursAgo: number;
    readonly size: number;
  }>;
  /** Alert entries of the disk job (servers). */
  readonly disk?: ReadonlyArray<{ readonly target: string; readonly check: string; readonly severity: Severity; readonly summary: string }>;
  /** Raw fields merged into the open alert of `target/check` (an acknowledgement as a newer state records it). */
  readonly openExtras?: Readonly<Record<string, Record<string, unknown>>>;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sample(next: () => number, median: number): number {
  const gaussian = Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
  return Math.exp(Math.log(median) + 0.35 * gaussian);
}

const checkName = (c: FixtureCheck) => checkNameOf(c);

/** The config the fixture's checks make (every one an HTTP check every minute). */
export function fixtureConfig(options: FixtureOptions): Config {
  const targets: Record<string, { health: Array<{ name?: string; url: string; every: string }>; postgres?: unknown[] }> = {};
  for (const c of options.checks) {
    targets[c.target] ??= { health: [] };
    targets[c.target]!.health.push({ ...(c.name ? { name: c.name } : {}), url: c.url, every: '1m' });
  }
  for (const b of options.backups ?? []) {
    targets[b.target] ??= { health: [] };
    const t = targets[b.target]!;
    t.postgres = [
      ...(t.postgres ?? []),
      { name: b.database, host: `db.${b.target}.internal`, database: b.database, user: 'u', backup: {} },
    ];
  }
  return validateConfig({
    timezone: options.timeZone ?? 'Asia/Tokyo',
    language: options.language ?? 'en',
    ...(options.statusPage ? { statusPage: options.statusPage } : {}),
    targets,
  });
}

/** Writes the fixture into `store`; returns its config. */
export async function writeStatusFixture(store: ObjectStore, options: FixtureOptions): Promise<Config> {
  const config = fixtureConfig(options);
  const tz = config.timezone;
  const next = random(options.seed ?? 23);
  const today = localDay(options.now, tz);
  const days = options.days ?? 90;
  const perGroup = options.perGroup ?? 64;
  const nowHour = epochHour(options.now);
  // The local day of each of the last 49 hours, worked out once (Intl is slow).
  const dayOfHour = new Map(Array.from({ length: 49 }, (_, i) => nowHour - 48 + i).map((h) => [h, localDay(new Date(h * 3_600_000), tz)]));
  const groups = new Map<string, FixtureCheck[]>();
  options.checks.forEach((c, i) => {
    const group = `1m-part${Math.floor(i / perGroup) + 1}`;
    groups.set(group, [...(groups.get(group) ?? []), c]);
  });
  const writes: Array<Promise<unknown>> = [];
  for (const [group, checks] of groups) {
    const rollupChecks: Record<string, { kind: string; days: RollupRow[] }> = {};
    const rollup: RollupDocument = { version: ROLLUP_VERSION, group, through: shiftDay(today, -2), checks: rollupChecks };
    const recent = new Map<string, DayDocument['checks'][string][]>();
    for (const c of checks) {
      const key = `${c.target}/${checkName(c)}`;
      const median = c.medianMs ?? 40 + next() * 200;
      const rows: RollupRow[] = [];
      for (let d = days - 1; d >= 2; d--) {
        const day = shiftDay(today, -d);
        const outage = c.outageDays?.includes(d) ? 0.02 + next() * 0.2 : 0;
        const failures = Math.round(1440 * ((c.failRate ?? 0) * next() * 2 + outage));
        rows.push([day, 1440, failures, failures * 60, Math.round(median), Math.round(median * 1.9), Math.round(median * 6)]);
      }
      rollupChecks[key] = { kind: 'http', days: rows };
      // Yesterday and today (local days): hourly rows up to the current hour, sketched from per-minute samples.
      for (const day of [shiftDay(today, -1), today]) {
        const hours: HourRow[] = [];
        for (let h = nowHour - 48; h <= nowHour; h++) {
          if (dayOfHour.get(h) !== day) continue;
          const sketch = emptySketch();
          let max = 0;
          const failing = c.failingNow && h > nowHour - 3;
          const failures = failing ? 60 : Math.round(60 * (c.failRate ?? 0) * next());
          for (let m = 0; m < 60 - failures; m++) {
            const v = sample(next, median * (1 + 0.3 * Math.sin(h / 3)));
            addSample(sketch, v);
            max = Math.max(max, v);
          }
          hours.push([h, 60, failures, failures * 60, failures === 60 ? null : Math.round(max), formatSketch(sketch)]);
        }
        const sketch = emptySketch();
        for (const row of hours) mergeSketch(sketch, parseSketch(row[5]));
        const list = recent.get(day) ?? [];
        list.push({
          kind: 'http',
          runs: hours.reduce((n, r) => n + r[1], 0),
          failures: hours.reduce((n, r) => n + r[2], 0),
          notOkSeconds: hours.reduce((n, r) => n + r[3], 0),
          maxMs: Math.max(0, ...hours.map((r) => r[4] ?? 0)),
          sketch: formatSketch(sketch),
          hours,
          severity: c.failingNow ? 'critical' : 'ok',
          lastAt: options.now.toISOString(),
        });
        recent.set(day, list);
      }
    }
    writes.push(store.put(historyRollupKey(group), JSON.stringify(rollup)));
    for (const [day, entries] of recent) {
      const document: DayDocument = {
        version: DAY_DOCUMENT_VERSION,
        day,
        group,
        checks: Object.fromEntries(checks.map((c, i) => [`${c.target}/${checkName(c)}`, entries[i]!])),
        runs: ['fixture'],
      };
      writes.push(store.put(historyDayKey(day, group), JSON.stringify(document)));
    }
  }
  await Promise.all(writes);

  const at = options.now.toISOString();
  const opened = new Date(options.now.getTime() - 2 * 3_600_000 - 5 * 60_000).toISOString();
  const entries: Record<string, AlertEntry> = {};
  for (const c of options.checks) {
    const key = `${c.target}/${checkName(c)}`;
    entries[key] = {
      target: c.target,
      check: checkName(c),
      kind: 'http',
      severity: c.failingNow ? 'critical' : 'ok',
      consecutiveFailures: c.failingNow ? 125 : 0,
      consecutiveOks: c.failingNow ? 0 : 1000,
      ...(c.failingNow ? { failingSince: opened, lastFailSeverity: 'critical' as const } : {}),
      history: [],
      summary: c.failingNow ? `503 from ${c.url} (expected 200-299)` : `200 from ${c.url} in 85 ms`,
      lastSeenAt: at,
      open: c.failingNow ? { severity: 'critical', openedAt: opened, lastNotifiedAt: at, notifiedSeverity: 'critical' } : null,
      flapping: null,
    };
  }
  const health: AlertState = { version: ALERT_STATE_VERSION, entries };
  const raw = JSON.parse(serializeAlertState(health)) as { entries: Record<string, { open: Record<string, unknown> | null }> };
  for (const [key, extra] of Object.entries(options.openExtras ?? {})) {
    if (raw.entries[key]?.open) raw.entries[key]!.open = { ...raw.entries[key]!.open, ...extra };
  }
  await store.put(alertStateKey('health'), JSON.stringify(raw));
  if (options.disk?.length) {
    const disk: AlertState = {
      version: ALERT_STATE_VERSION,
      entries: Object.fromEntries(
        options.disk.map((d) => [
          `${d.target}/${d.check}`,
          {
            target: d.target,
            check: d.check,
            kind: 'disk',
            severity: d.severity,
            consecutiveFailures: 0,
            consecutiveOks: 1,
            history: [],
            summary: d.summary,
            lastSeenAt: at,
            open: null,
            flapping: null,
          } satisfies AlertEntry,
        ]),
      ),
    };
    await store.put(alertStateKey('disk'), serializeAlertState(disk));
  }
  for (const b of options.backups ?? []) {
    const startedAt = new Date(options.now.getTime() - b.hoursAgo * 3_600_000);
    const keys = backupKeys(b.target, b.database, startedAt);
    await store.put(keys.archiveKey, Buffer.alloc(b.size));
    await store.put(keys.manifestKey, '{}');
  }
  const since = new Date(options.now.getTime() - 26 * 3_600_000).toISOString();
  const pageState: PageState = {
    version: PAGE_STATE_VERSION,
    generatedAt: at,
    checks: Object.fromEntries(
      options.checks.map((c) => [
        `${c.target}/${checkName(c)}`,
        { severity: c.failingNow ? 'critical' : 'ok', since: c.failingNow ? opened : since, lastAt: at },
      ]),
    ),
  };
  await store.put(STATUS_STATE_KEY, JSON.stringify(pageState));
  return config;
}

/** `count` checks over `count / perTarget` targets, a few with bad days and one failing now: the bench's data. */
export function manyChecks(count: number, perTarget = 1): FixtureCheck[] {
  return Array.from({ length: count }, (_, i) => ({
    target: `system-${String(Math.floor(i / perTarget) + 1).padStart(3, '0')}`,
    name: `endpoint-${(i % perTarget) + 1}`,
    url: `https://app-${i + 1}.example.com/health`,
    failRate: i % 10 === 0 ? 0.002 : 0,
    outageDays: i % 7 === 0 ? [3 + (i % 80)] : [],
    failingNow: i === 17,
  }));
}
