import { z } from 'zod';
import type { CheckKind } from '../domain/finding.js';
import type { AlertSeverity, Severity } from '../domain/severity.js';
import type { Job } from '../domain/report.js';
import type { PlannedNotification } from './notice.js';

/** One run's verdict on a check, the unit of the flapping history. */
export type Outcome = 'ok' | 'fail';

/** What subscribers have been told is open: set only once a notice was actually delivered. */
export interface OpenAlert {
  /** The severity the check has now (it may have improved since the last notice). */
  readonly severity: AlertSeverity;
  readonly openedAt: string;
  readonly lastNotifiedAt: string;
  /** The worst severity announced for this alert; its topic gets the RESOLVED notice. */
  readonly notifiedSeverity: AlertSeverity;
}

/** A delivered "flapping" notice, closed by a "stable again" notice. */
export interface FlappingNotice {
  readonly since: string;
  /** The topic the flapping notice went to. */
  readonly severity: AlertSeverity;
}

/**
 * The alert engine's memory of one check (`${target}/${check}`). The observation fields advance
 * on every run; `open` and `flapping` are notification bookkeeping and advance only when the
 * notice carrying the key was delivered (see commit()).
 */
export interface AlertEntry {
  readonly target: string;
  readonly check: string;
  readonly kind: CheckKind;
  readonly severity: Severity;
  /** Severity of the most recent failing run, for a flapping notice sent on an ok run. */
  readonly lastFailSeverity?: AlertSeverity;
  readonly consecutiveFailures: number;
  readonly consecutiveOks: number;
  /** First run of the current failing streak. */
  readonly failingSince?: string;
  /** Outcomes of the last `flapWindow` runs, oldest first. */
  readonly history: readonly Outcome[];
  readonly summary: string;
  readonly lastSeenAt: string;
  readonly open: OpenAlert | null;
  readonly flapping: FlappingNotice | null;
}

export const ALERT_STATE_VERSION = 1;

/**
 * A notice claimed for one delivery channel and not yet confirmed delivered (the outbox). A run
 * claims notices in the same conditional write that advances the alert bookkeeping, publishes
 * them, records each delivery (delivery-records.ts), then removes them. An entry left behind is
 * settled by a later run without publishing when its delivery was recorded (the run died or could
 * not save after publishing), and published again once its lease has run out when it was not (a
 * failed publish, a crash before the record). So a notice goes out at least once and, barring a
 * crash between publish and record, exactly once.
 */
export interface OutboxEntry {
  /** Unique: the planned notice, the run that planned it and the channel. */
  readonly id: string;
  readonly channel: string;
  readonly createdAt: string;
  /** The run delivering it now; another run takes it over only after `leaseUntil`. */
  readonly claimedBy: string;
  readonly leaseUntil: string;
  /** Failed publishes so far, and the last error. */
  readonly attempts: number;
  readonly lastError?: string;
  /** An alert notice as the engine planned it; each channel renders it. */
  readonly planned?: PlannedNotification;
  /** A notice about the alert state itself (it was lost): routed to the critical topic. */
  readonly stateLost?: StateLostNotice;
}

export interface StateLostNotice {
  readonly job: Job;
  readonly key: string;
  readonly location: string;
  readonly reason: string;
  readonly at: string;
  /** The document was gone (not damaged) from a store that kept it. */
  readonly missing?: boolean;
}

export interface AlertState {
  readonly version: typeof ALERT_STATE_VERSION;
  readonly entries: Readonly<Record<string, AlertEntry>>;
  /** Notices claimed and not yet confirmed delivered; absent in documents written before the outbox. */
  readonly outbox?: readonly OutboxEntry[];
  /**
   * The time of the newest run whose claim this document holds: delivery records newer than it are of notices this
   * document does not know went out (it is an earlier copy, or that run could not save). Absent in older documents.
   */
  readonly savedAt?: string;
  /** The store identity (STORE_IDENTITY_KEY) known to list this job; absent until it does. */
  readonly storeId?: string;
}

/** Entries of checks no run has reported for this long are dropped (removed checks, renamed targets). */
export const STALE_ENTRY_MS = 7 * 24 * 60 * 60 * 1000;

export function emptyAlertState(): AlertState {
  return { version: ALERT_STATE_VERSION, entries: {} };
}

/** `state/alerts/<job>.json`: the key lives in the layout module with the bucket's other names. */
export { alertStateKey } from '../layout.js';

export function isStale(entry: AlertEntry, now: Date): boolean {
  return now.getTime() - Date.parse(entry.lastSeenAt) > STALE_ENTRY_MS;
}

/** The notification bookkeeping of an entry, the part commit() rolls back on a failed publish. */
export function bookkeepingOf(entry: AlertEntry | undefined): Pick<AlertEntry, 'open' | 'flapping'> {
  return { open: entry?.open ?? null, flapping: entry?.flapping ?? null };
}

const alertSeverity = z.enum(['low', 'medium', 'high', 'critical']);
const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'invalid timestamp');

const entrySchema = z.object({
  target: z.string(),
  check: z.string(),
  // Any kind-shaped name, not the registered list: a state written by a version with one more kind (or before a kind
  // was renamed) still parses, where an enum would reset the whole state and drop every open alert with it.
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'invalid kind'),
  severity: z.enum(['ok', 'low', 'medium', 'high', 'critical']),
  lastFailSeverity: alertSeverity.optional(),
  consecutiveFailures: z.number().int().min(0),
  consecutiveOks: z.number().int().min(0),
  failingSince: instant.optional(),
  history: z.array(z.enum(['ok', 'fail'])),
  summary: z.string(),
  lastSeenAt: instant,
  open: z.object({ severity: alertSeverity, openedAt: instant, lastNotifiedAt: instant, notifiedSeverity: alertSeverity }).nullable(),
  flapping: z.object({ since: instant, severity: alertSeverity }).nullable(),
});

const plannedSchema = z.object({
  id: z.string(),
  topic: alertSeverity,
  severity: alertSeverity,
  job: z.enum(['health', 'backup', 'disk', 'security', 'digest']),
  at: instant,
  items: z.array(
    z.object({
      key: z.string(),
      target: z.string(),
      check: z.string(),
      kind: entrySchema.shape.kind,
      change: z.enum(['opened', 'escalated', 'repeat', 'flapping', 'stable', 'resolved']),
      severity: entrySchema.shape.severity,
      previousSeverity: alertSeverity.optional(),
      summary: z.string(),
      failingSince: instant.optional(),
      openedAt: instant.optional(),
      flapChanges: z.number().int().optional(),
      flapRuns: z.number().int().optional(),
    }),
  ),
});

const outboxSchema = z
  .object({
    id: z.string().min(1),
    channel: z.string().min(1),
    createdAt: instant,
    claimedBy: z.string(),
    leaseUntil: instant,
    attempts: z.number().int().min(0),
    lastError: z.string().optional(),
    planned: plannedSchema.optional(),
    stateLost: z
      .object({
        job: plannedSchema.shape.job,
        key: z.string(),
        location: z.string(),
        reason: z.string(),
        at: instant,
        missing: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((e) => (e.planned === undefined) !== (e.stateLost === undefined), 'an outbox entry holds exactly one notice');

const stateSchema = z.object({
  version: z.literal(ALERT_STATE_VERSION),
  entries: z.record(z.string(), entrySchema),
  outbox: z.array(outboxSchema).optional(),
  savedAt: instant.optional(),
  storeId: z.string().min(1).optional(),
});

export class AlertStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertStateError';
  }
}

/** Parses a stored state document; throws AlertStateError naming the offending field. */
export function parseAlertState(text: string): AlertState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AlertStateError(`alert state is not JSON: ${(error as Error).message}`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AlertStateError(`invalid alert state at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as AlertState;
}

export function serializeAlertState(state: AlertState): string {
  return `${JSON.stringify(state, null, 1)}\n`;
}
