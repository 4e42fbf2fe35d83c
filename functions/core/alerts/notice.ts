import type { CheckKind } from '../domain/finding.js';
import type { Job, Topic } from '../domain/report.js';
import type { AlertSeverity, Severity } from '../domain/severity.js';

/*
 * A notice as the alert engine plans it (evaluate.ts), the outbox keeps it (state.ts) and each channel renders it
 * (bodies/): plain data, in a module of its own so the three read one definition without importing each other.
 */

/** Why a check appears in a message. */
export type Change = 'opened' | 'escalated' | 'repeat' | 'flapping' | 'stable' | 'resolved';

export interface PlannedItem {
  readonly key: string;
  readonly target: string;
  readonly check: string;
  readonly kind: CheckKind;
  readonly change: Change;
  /** The check's severity in this run (`ok` for resolved, and for stable-again-and-ok). */
  readonly severity: Severity;
  /** escalated: the severity announced before; resolved: the severity that was open. */
  readonly previousSeverity?: AlertSeverity;
  readonly summary: string;
  /** The worst finding's measurements, for machine subscribers. */
  readonly observed?: Readonly<Record<string, unknown>>;
  readonly failingSince?: string;
  readonly openedAt?: string;
  /** flapping: outcome changes counted within the last `flapRuns` runs. */
  readonly flapChanges?: number;
  readonly flapRuns?: number;
}

/** One message to one topic: every item of that severity in this run. */
export interface PlannedNotification {
  /** Unique within a run; the ids of delivered notices go to commit(). */
  readonly id: string;
  readonly topic: Topic;
  readonly severity: AlertSeverity;
  readonly job: Job;
  readonly at: string;
  readonly items: readonly PlannedItem[];
}
