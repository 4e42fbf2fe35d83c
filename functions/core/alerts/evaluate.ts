import type { CoreConfig, SilenceConfig } from '../config/schema.js';
import { durationMs } from '../config/duration.js';
import { alertKey, type Finding } from '../domain/finding.js';
import type { Job } from '../domain/report.js';
import { ALERT_SEVERITIES, DEFAULT_RESPOND_WITHIN, rank, worst, type AlertSeverity } from '../domain/severity.js';
import type { Change, PlannedItem, PlannedNotification } from './notice.js';
import { activeSilence } from './silence.js';
import {
  ALERT_STATE_VERSION,
  bookkeepingOf,
  isStale,
  type AlertEntry,
  type AlertState,
  type FlappingNotice,
  type OpenAlert,
  type Outcome,
} from './state.js';

/** The parts of the config the engine reads (a full CoreConfig fits). */
export type AlertConfig = Pick<CoreConfig, 'timezone' | 'severities' | 'alerting' | 'silences'>;

export interface SuppressedItem {
  readonly key: string;
  readonly change: Change;
  readonly reason: string;
}

export interface EvaluateInput {
  readonly state: AlertState;
  readonly findings: readonly Finding[];
  readonly now: Date;
  readonly config: AlertConfig;
  readonly job: Job;
}

export interface EvaluateResult {
  /** The state as if every planned notification were delivered. */
  readonly state: AlertState;
  readonly notifications: PlannedNotification[];
  /** Notices a silence held back (their bookkeeping did not advance, so they go out later). */
  readonly suppressed: SuppressedItem[];
  /** Keys this run wrote and keys it dropped as stale: what a concurrent-save merge re-applies. */
  readonly touched: string[];
  readonly pruned: string[];
}

export function repeatEveryMs(config: Pick<CoreConfig, 'severities'>, severity: AlertSeverity): number {
  const target = config.severities[severity];
  return durationMs(target?.repeatEvery ?? target?.respondWithin ?? DEFAULT_RESPOND_WITHIN[severity]);
}

export function respondWithin(config: Pick<CoreConfig, 'severities'>, severity: AlertSeverity): string {
  return config.severities[severity]?.respondWithin ?? DEFAULT_RESPOND_WITHIN[severity];
}

/** One check's result in one run: a finding, or several of one check merged at their worst. */
type Observation = Finding;

/** Several findings for one key in one run count as one observation at their worst severity. */
function observationsOf(findings: readonly Finding[]): Map<string, Observation> {
  const grouped = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = alertKey(finding);
    grouped.set(key, [...(grouped.get(key) ?? []), finding]);
  }
  const result = new Map<string, Observation>();
  for (const [key, group] of grouped) {
    const severity = worst(group.map((f) => f.severity));
    const relevant = severity === 'ok' ? group : group.filter((f) => f.severity !== 'ok');
    relevant.sort((a, b) => rank(b.severity) - rank(a.severity));
    const first = relevant[0]!;
    result.set(key, {
      target: first.target,
      check: first.check,
      kind: first.kind,
      severity,
      summary: [...new Set(relevant.map((f) => f.summary))].join('; '),
      ...(first.observed && { observed: first.observed }),
    });
  }
  return result;
}

function changesIn(history: readonly Outcome[]): number {
  let changes = 0;
  for (let i = 1; i < history.length; i++) if (history[i] !== history[i - 1]) changes++;
  return changes;
}

function worstAlert(a: AlertSeverity, b: AlertSeverity | undefined): AlertSeverity {
  return b !== undefined && rank(b) > rank(a) ? b : a;
}

interface Decision {
  readonly change: Change;
  readonly topic: AlertSeverity;
  readonly previousSeverity?: AlertSeverity;
  readonly open: OpenAlert | null;
  readonly flapping: FlappingNotice | null;
}

/**
 * The alerting rules for one check. `observed` is the entry with this run's observation applied
 * and the previous bookkeeping; returns the notice to send (with the bookkeeping it implies) or
 * the bookkeeping to keep.
 */
function decide(
  observed: AlertEntry,
  flapChanges: number,
  nowIso: string,
  now: Date,
  config: AlertConfig,
): Decision | Pick<AlertEntry, 'open' | 'flapping'> {
  const { consecutiveFailures: needed, flapThreshold } = config.alerting;
  const failing = observed.severity !== 'ok';
  const severity = observed.severity as AlertSeverity;
  const open = observed.open && failing ? { ...observed.open, severity } : observed.open;
  const streak = failing ? observed.consecutiveFailures : observed.consecutiveOks;
  const flappingNow = flapChanges >= flapThreshold;

  if (observed.flapping) {
    if (flappingNow || streak < needed) return { open, flapping: observed.flapping };
    const topic = failing ? worstAlert(severity, observed.flapping.severity) : observed.flapping.severity;
    return {
      change: 'stable',
      topic,
      open: failing
        ? {
            severity,
            openedAt: open?.openedAt ?? nowIso,
            lastNotifiedAt: nowIso,
            notifiedSeverity: worstAlert(topic, open?.notifiedSeverity),
          }
        : null,
      flapping: null,
    };
  }
  if (flappingNow) {
    const topic = worstAlert(failing ? severity : (observed.lastFailSeverity ?? 'low'), open?.notifiedSeverity);
    return { change: 'flapping', topic, open, flapping: { since: nowIso, severity: topic } };
  }
  if (failing) {
    if (!open) {
      if (observed.consecutiveFailures < needed) return { open: null, flapping: null };
      return {
        change: 'opened',
        topic: severity,
        open: { severity, openedAt: nowIso, lastNotifiedAt: nowIso, notifiedSeverity: severity },
        flapping: null,
      };
    }
    if (rank(severity) > rank(open.notifiedSeverity)) {
      return {
        change: 'escalated',
        topic: severity,
        previousSeverity: open.notifiedSeverity,
        open: { ...open, lastNotifiedAt: nowIso, notifiedSeverity: severity },
        flapping: null,
      };
    }
    if (now.getTime() - Date.parse(open.lastNotifiedAt) >= repeatEveryMs(config, severity)) {
      return { change: 'repeat', topic: severity, open: { ...open, lastNotifiedAt: nowIso }, flapping: null };
    }
    return { open, flapping: null };
  }
  if (open) {
    return { change: 'resolved', topic: open.notifiedSeverity, previousSeverity: open.notifiedSeverity, open: null, flapping: null };
  }
  return { open: null, flapping: null };
}

/**
 * One run of the alert engine, pure: applies this run's findings to the state and plans the
 * messages, one per severity topic. The returned state assumes every planned notification is
 * delivered; commit() rolls back the bookkeeping of those that were not.
 */
export function evaluate(input: EvaluateInput): EvaluateResult {
  const { state, findings, now, config, job } = input;
  const nowIso = now.toISOString();
  const { flapWindow } = config.alerting;
  const entries: Record<string, AlertEntry> = { ...state.entries };
  const itemsByTopic = new Map<AlertSeverity, PlannedItem[]>();
  const suppressed: SuppressedItem[] = [];
  const observations = observationsOf(findings);
  // Findings come in config order, which is also the most readable order for messages.
  const touched = [...observations.keys()];

  for (const key of touched) {
    const obs = observations.get(key)!;
    const prev = state.entries[key];
    const failing = obs.severity !== 'ok';
    const consecutiveFailures = failing ? (prev?.consecutiveFailures ?? 0) + 1 : 0;
    const history = [...(prev?.history ?? []), failing ? 'fail' : 'ok'].slice(-flapWindow) as Outcome[];
    const observed: AlertEntry = {
      target: obs.target,
      check: obs.check,
      kind: obs.kind,
      severity: obs.severity,
      lastFailSeverity: failing ? (obs.severity as AlertSeverity) : prev?.lastFailSeverity,
      consecutiveFailures,
      consecutiveOks: failing ? 0 : (prev?.consecutiveOks ?? 0) + 1,
      failingSince: failing ? (consecutiveFailures > 1 ? (prev?.failingSince ?? nowIso) : nowIso) : undefined,
      history,
      summary: obs.summary,
      lastSeenAt: nowIso,
      ...bookkeepingOf(prev),
    };
    const flapChanges = changesIn(history);
    const decision = decide(observed, flapChanges, nowIso, now, config);
    if (!('change' in decision)) {
      entries[key] = { ...observed, ...decision };
      continue;
    }
    const silence: SilenceConfig | undefined = activeSilence(config.silences, obs.target, obs.check, now, config.timezone);
    if (silence) {
      // Nothing is sent and the bookkeeping stays, so the notice goes out once the silence ends.
      suppressed.push({ key, change: decision.change, reason: silence.reason });
      entries[key] = observed;
      continue;
    }
    entries[key] = { ...observed, open: decision.open, flapping: decision.flapping };
    const item: PlannedItem = {
      key,
      target: obs.target,
      check: obs.check,
      kind: obs.kind,
      change: decision.change,
      severity: obs.severity,
      summary: obs.summary,
      ...(obs.observed && { observed: obs.observed }),
      ...(decision.previousSeverity && { previousSeverity: decision.previousSeverity }),
      ...(observed.failingSince && { failingSince: observed.failingSince }),
      ...(observed.open && { openedAt: observed.open.openedAt }),
      ...(decision.change === 'flapping' && { flapChanges, flapRuns: history.length }),
    };
    itemsByTopic.set(decision.topic, [...(itemsByTopic.get(decision.topic) ?? []), item]);
  }

  const seen = new Set(touched);
  const pruned = Object.keys(entries).filter((key) => !seen.has(key) && isStale(entries[key]!, now));
  for (const key of pruned) delete entries[key];

  const notifications: PlannedNotification[] = ALERT_SEVERITIES.filter((s) => itemsByTopic.has(s)).map((severity) => ({
    id: `${job}:${severity}`,
    topic: severity,
    severity,
    job,
    at: nowIso,
    items: itemsByTopic.get(severity)!,
  }));
  return { state: { version: ALERT_STATE_VERSION, entries }, notifications, suppressed, touched, pruned };
}
