import type { AlertEntry } from '../../core/alerts/state.js';
import { rank } from '../../core/domain/severity.js';
import { BACKUP_AGE_SUFFIX } from '../../core/config/schema.js';
import { backedUpEntries } from '../../backup/entries.js';
import { configuredChecks } from '../../kinds/catalog.js';
import type { Config } from '../../kinds/config.js';
import type { StatusInputs } from '../gather.js';
import { epochHour } from '../history/day-document.js';
import { RETENTION_DAYS, shiftDay } from '../history/rollup.js';
import { addSparse, emptySketch, quantile, type SparseSketch, sparseQuantile } from '../history/sketch.js';
import type { Language, PageSeverity } from './words.js';

/**
 * What the page shows, worked out from the store's contents (pure: the renderer only lays it out). The public
 * variant leaves out hidden targets and checks, summaries, descriptions, backups and servers, and names a check
 * whose name came from its host by its kind and number, unless `showHosts`.
 */
export type Variant = 'private' | 'public';

/** A day's bar: -1 no runs, 1 all ok, 2 at least 99%, 3 at least 95%, 4 below. */
export type DayClass = -1 | 1 | 2 | 3 | 4;

export interface DayBar {
  readonly day: string;
  readonly cls: DayClass;
  /** Share of ok runs, 0..1; undefined without runs. */
  readonly uptime?: number;
  readonly notOkMinutes: number;
}

export interface ChartSlot {
  readonly hour: number;
  readonly p50?: number;
  readonly failures: number;
  readonly runs: number;
}

export interface CheckView {
  readonly key: string;
  readonly name: string;
  readonly kindLabel: string;
  readonly severity: PageSeverity;
  readonly since?: Date;
  readonly summary?: string;
  readonly bars: readonly DayBar[];
  /** Share of ok runs over the days with runs; undefined without any. */
  readonly uptime?: number;
  readonly notOkMinutes: number;
  readonly slots: readonly ChartSlot[];
  readonly p50?: number;
  readonly p95?: number;
}

export interface EntryView {
  readonly check: string;
  readonly kind: string;
  readonly severity: PageSeverity;
  readonly summary?: string;
  readonly lastSeenAt?: Date;
}

export interface BackupView {
  readonly database: string;
  readonly newest?: { readonly at: Date; readonly sizeBytes?: number };
  readonly freshness?: EntryView;
  readonly drill?: EntryView;
}

export interface IncidentView {
  readonly target: string;
  readonly check: string;
  readonly severity: PageSeverity;
  readonly openedAt: Date;
  readonly summary?: string;
  /** Present once someone acknowledged it (alert states that record acknowledgements). */
  readonly acknowledged?: { readonly by?: string; readonly at?: Date };
}

export interface TargetView {
  readonly name: string;
  readonly description?: string;
  readonly worst: PageSeverity;
  readonly checks: readonly CheckView[];
  readonly backups: readonly BackupView[];
  readonly others: readonly EntryView[];
}

export interface PageModel {
  readonly variant: Variant;
  readonly language: Language;
  readonly timeZone: string;
  readonly generatedAt: Date;
  readonly days: readonly string[];
  readonly chartStartHour: number;
  readonly counts: { readonly checks: number; readonly notOk: number; readonly unknown: number };
  readonly incidents: readonly IncidentView[];
  readonly targets: readonly TargetView[];
  readonly problems: readonly string[];
}

export type StatusConfig = Pick<Config, 'language' | 'timezone' | 'targets' | 'statusPage'>;

const pageRank = (s: PageSeverity): number => (s === 'unknown' ? 0.5 : rank(s));

export function worstOf(severities: readonly PageSeverity[]): PageSeverity {
  return severities.reduce<PageSeverity>((worst, s) => (pageRank(s) > pageRank(worst) ? s : worst), 'ok');
}

function dayClass(uptime: number | undefined): DayClass {
  if (uptime === undefined) return -1;
  if (uptime >= 1) return 1;
  if (uptime >= 0.99) return 2;
  if (uptime >= 0.95) return 3;
  return 4;
}

/** Whether `target` or `target/check` is hidden from the public page. */
function hiddenFrom(config: StatusConfig, variant: Variant) {
  const hide = new Set(variant === 'public' ? config.statusPage.hide : []);
  return (target: string, check?: string) => hide.has(target) || (check !== undefined && hide.has(`${target}/${check}`));
}

/**
 * An acknowledgement, as an alert state that records them stores it: `open.acknowledged` / `open.ack` (`{ by, at }`)
 * or `open.acknowledgedBy` / `open.acknowledgedAt`, on the open alert or on the entry. Read from the raw document,
 * so a state written by a version that acknowledges shows it here without this module knowing its schema.
 */
export function acknowledgementOf(raw: unknown): { by?: string; at?: Date } | undefined {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : undefined);
  const date = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);
  for (const holder of [(raw as { open?: unknown } | undefined)?.open, raw]) {
    if (typeof holder !== 'object' || holder === null) continue;
    const h = holder as Record<string, unknown>;
    for (const field of ['acknowledged', 'ack', 'acknowledgement']) {
      const value = h[field];
      if (typeof value === 'object' && value !== null) {
        const v = value as Record<string, unknown>;
        return { by: text(v.by ?? v.name), at: date(v.at ?? v.acknowledgedAt) };
      }
      if (value === true) return { by: text(h.acknowledgedBy), at: date(h.acknowledgedAt) };
    }
    if (text(h.acknowledgedAt) || text(h.acknowledgedBy)) return { by: text(h.acknowledgedBy), at: date(h.acknowledgedAt) };
  }
  return undefined;
}

function entryView(entry: AlertEntry, withSummary: boolean): EntryView {
  return {
    check: entry.check,
    kind: entry.kind,
    severity: entry.severity,
    ...(withSummary ? { summary: entry.summary } : {}),
    lastSeenAt: new Date(entry.lastSeenAt),
  };
}

/** The page's model for one variant. */
export function buildPageModel(config: StatusConfig, inputs: StatusInputs, variant: Variant): PageModel {
  const isPrivate = variant === 'private';
  const showHosts = isPrivate || config.statusPage.showHosts;
  const hidden = hiddenFrom(config, variant);
  const now = inputs.now;
  const today = inputs.history.today;
  const days = Array.from({ length: RETENTION_DAYS }, (_, i) => shiftDay(today, i - (RETENTION_DAYS - 1)));
  const chartStartHour = epochHour(now) - 23;

  // Every alert entry of every job, by key; the probed checks, backups and drills take theirs, the rest are "others".
  const byJob = new Map(inputs.states.map((s) => [s.job, s]));
  const used = new Set<string>();
  const take = (job: string, key: string): AlertEntry | undefined => {
    const entry = byJob.get(job)?.state.entries[key];
    if (entry) used.add(`${job}\0${key}`);
    return entry;
  };

  const targets: TargetView[] = [];
  const counted: CheckView[] = [];
  for (const [name, target] of Object.entries(config.targets)) {
    if (hidden(name)) continue;
    const perKind = new Map<string, number>();
    const checks: CheckView[] = [];
    for (const c of configuredChecks({ targets: { [name]: target } })) {
      const key = `${name}/${c.name}`;
      const entry = take('health', key);
      const n = (perKind.get(c.kind.name) ?? 0) + 1;
      perKind.set(c.kind.name, n);
      if (hidden(name, c.name)) continue;
      const named = Boolean((c.check as { name?: string }).name);
      const display = named || showHosts ? c.name : `${c.kind.label} ${n}`;
      checks.push(checkView(key, display, c.kind.label, entry, inputs, days, chartStartHour, isPrivate));
    }
    counted.push(...checks);
    const backups: BackupView[] = [];
    const others: EntryView[] = [];
    if (isPrivate) {
      for (const db of backedUpEntries(config as Config, [name])) {
        const newest = inputs.backups.get(`${name}/${db.database}`);
        const freshness = take('health', `${name}/${db.database}${BACKUP_AGE_SUFFIX}`);
        const drillKey = `${name}/${db.database}.restore-drill`;
        const drill = [...byJob.keys()].map((job) => take(job, drillKey)).find(Boolean);
        take('backup', `${name}/${db.database}`);
        backups.push({
          database: db.database,
          ...(newest ? { newest: { at: newest.at, ...(newest.sizeBytes !== undefined ? { sizeBytes: newest.sizeBytes } : {}) } } : {}),
          ...(freshness ? { freshness: entryView(freshness, true) } : {}),
          ...(drill ? { drill: entryView(drill, true) } : {}),
        });
      }
    }
    targets.push({
      name,
      ...(isPrivate && target.description ? { description: target.description } : {}),
      worst: 'ok',
      checks,
      backups,
      others,
    });
  }

  // What no section above took: disk, resources and security per server, backup runs, anything a newer job adds.
  if (isPrivate) {
    for (const { job, state } of inputs.states) {
      for (const [key, entry] of Object.entries(state.entries)) {
        if (used.has(`${job}\0${key}`)) continue;
        const target = targets.find((t) => t.name === entry.target);
        (target?.others as EntryView[] | undefined)?.push(entryView(entry, true));
      }
    }
  }

  const views = targets.map((t) => ({
    ...t,
    others: [...t.others].sort((a, b) => pageRank(b.severity) - pageRank(a.severity) || a.check.localeCompare(b.check)),
    worst: worstOf([
      ...t.checks.map((c) => c.severity),
      ...t.others.map((o) => o.severity),
      ...t.backups.flatMap((b) => [b.freshness?.severity ?? 'ok', b.drill?.severity ?? 'ok']),
    ]),
  }));

  const visibleKeys = new Set(counted.map((c) => c.key));
  const incidents: IncidentView[] = [];
  for (const { job, state, raw } of inputs.states) {
    if (!isPrivate && job !== 'health') continue;
    for (const [key, entry] of Object.entries(state.entries)) {
      if (!entry.open) continue;
      if (!isPrivate && !visibleKeys.has(key)) continue;
      const check = isPrivate ? entry.check : (counted.find((c) => c.key === key)?.name ?? entry.check);
      const acknowledged = acknowledgementOf((raw as { entries?: Record<string, unknown> } | undefined)?.entries?.[key]);
      incidents.push({
        target: entry.target,
        check,
        severity: entry.open.severity,
        openedAt: new Date(entry.open.openedAt),
        ...(isPrivate ? { summary: entry.summary } : {}),
        ...(acknowledged ? { acknowledged } : {}),
      });
    }
  }
  incidents.sort((a, b) => pageRank(b.severity) - pageRank(a.severity) || a.openedAt.getTime() - b.openedAt.getTime());

  return {
    variant,
    language: config.language,
    timeZone: config.timezone,
    generatedAt: now,
    days,
    chartStartHour,
    counts: {
      checks: counted.length,
      notOk: counted.filter((c) => c.severity !== 'ok' && c.severity !== 'unknown').length,
      unknown: counted.filter((c) => c.severity === 'unknown').length,
    },
    incidents,
    targets: views,
    problems: inputs.problems,
  };
}

function checkView(
  key: string,
  name: string,
  kindLabel: string,
  entry: AlertEntry | undefined,
  inputs: StatusInputs,
  days: readonly string[],
  chartStartHour: number,
  withSummary: boolean,
): CheckView {
  const history = inputs.history.checks.get(key);
  const recorded = inputs.pageState.checks[key];
  const severity: PageSeverity = entry?.severity ?? recorded?.severity ?? 'unknown';
  const since =
    recorded && recorded.severity === severity
      ? new Date(recorded.since)
      : severity !== 'ok' && entry?.failingSince
        ? new Date(entry.failingSince)
        : undefined;
  let runs = 0;
  let failures = 0;
  let notOkSeconds = 0;
  const bars = days.map((day): DayBar => {
    const totals = history?.days.get(day);
    if (!totals || totals.runs === 0) return { day, cls: -1, notOkMinutes: 0 };
    runs += totals.runs;
    failures += totals.failures;
    notOkSeconds += totals.notOkSeconds;
    const uptime = (totals.runs - totals.failures) / totals.runs;
    return { day, cls: dayClass(uptime), uptime, notOkMinutes: totals.notOkSeconds / 60 };
  });
  const bySlot = Array.from({ length: 24 }, () => ({ runs: 0, failures: 0, sketches: [] as SparseSketch[] }));
  const all = emptySketch();
  for (const row of history?.hours ?? []) {
    const slot = bySlot[row.hour - chartStartHour];
    if (!slot) continue;
    slot.runs += row.runs;
    slot.failures += row.failures;
    slot.sketches.push(row.sketch);
    addSparse(all, row.sketch);
  }
  const slots = bySlot.map(({ runs, failures, sketches }, i): ChartSlot => {
    // One group's row is the usual case: read it as it is; a check in two groups that hour is merged first.
    const p50 =
      sketches.length === 1
        ? sparseQuantile(sketches[0]!, 0.5)
        : sketches.length > 1
          ? quantile(
              sketches.reduce((into, sparse) => addSparse(into, sparse), emptySketch()),
              0.5,
            )
          : undefined;
    return { hour: chartStartHour + i, runs, failures, ...(p50 !== undefined ? { p50 } : {}) };
  });
  const p50 = quantile(all, 0.5);
  const p95 = quantile(all, 0.95);
  return {
    key,
    name,
    kindLabel,
    severity,
    ...(since ? { since } : {}),
    ...(withSummary && entry ? { summary: entry.summary } : {}),
    bars,
    ...(runs > 0 ? { uptime: (runs - failures) / runs } : {}),
    notOkMinutes: notOkSeconds / 60,
    slots,
    ...(p50 !== undefined ? { p50 } : {}),
    ...(p95 !== undefined ? { p95 } : {}),
  };
}
