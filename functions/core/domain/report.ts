import type { NotificationBodies } from './alert-document.js';
import type { Finding } from './finding.js';
import type { AlertSeverity } from './severity.js';

import type { Job } from '../jobs.js';

/** The job list is declared once, in functions/core/jobs.ts. */
export { JOBS, type Job } from '../jobs.js';

export type Topic = AlertSeverity | 'digest';

/** A message as it goes to one SNS topic (or to the terminal in --local runs). */
export interface Notification {
  readonly topic: Topic;
  /** The alert severity; the daily digest, which is no alert, says `digest`. */
  readonly severity: AlertSeverity | 'digest';
  readonly subject: string;
  readonly message: string;
  /** SNS message attributes, so subscribers can filter on severity, target and check. */
  readonly attributes: {
    readonly severity: string;
    readonly target: readonly string[];
    readonly check: readonly string[];
    /** Targets left out of `target` to keep the message under SNS's limit (it then ends with "*"); absent when none. */
    readonly targetsOmitted?: number;
    /** Checks left out of `check`, likewise. */
    readonly checksOmitted?: number;
  };
  /** What each SNS protocol receives (alert notices; the digest is plain text). `message` is `bodies.email`. */
  readonly bodies?: NotificationBodies;
}

/** A notification as the JSON report shows it. */
export type ReportedNotification = Pick<Notification, 'topic' | 'severity' | 'subject' | 'message' | 'bodies'> & {
  /** What SNS counts against its 262,144-byte limit: subject, message and attributes as published (publishedBytes()). */
  readonly bytes: number;
};

/** The JSON report every run ends in (docs/cli.md). */
export interface Report {
  readonly job: Job;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly findings: readonly Finding[];
  readonly notifications: readonly ReportedNotification[];
  /** Notifications whose publish failed this run; the alert engine sends them again next run. */
  readonly undelivered?: ReadonlyArray<{ readonly topic: Topic; readonly error: string }>;
  /** Problems that did not stop the run, e.g. a damaged alert state recovered from an earlier copy. */
  readonly warnings?: readonly string[];
}
