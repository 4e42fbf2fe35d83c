import { publishedBytes } from '../alerts/bodies/sns-publish.js';
import { AlertStateSaveError, processFindings, type ProcessFindingsResult } from '../alerts/process-findings.js';
import { IncompleteRunError } from '../errors.js';
import type { CoreConfig } from '../config/schema.js';
import type { Finding } from '../domain/finding.js';
import type { Job, Notification, Report, ReportedNotification } from '../domain/report.js';
import type { Notifier } from '../ports/notifier.js';
import type { ObjectStore } from '../ports/object-store.js';
import { type DashboardValuesOf, writeFindingLog } from '../observability/finding-log.js';
import { MAX_SUMMARY, summaryLine } from '../text/printable.js';
import { type Activity, during } from './activity.js';
import type { NoticeLinks } from '../links/status-link.js';

export interface JobContext {
  readonly config: CoreConfig;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly now?: () => Date;
  /** Where deployed functions write a log line per finding for the dashboard; --local runs keep stdout for the report. */
  readonly findingLog?: {
    readonly write: (line: string) => void;
    /** Each finding's measured values, by its kind (the kinds catalog's `dashboardValuesOf`). */
    readonly valuesOf?: DashboardValuesOf;
  };
  /** What the run waits on, for the CLI's progress line on a terminal; deployed runs leave it out. */
  readonly activity?: Activity;
  /** Links the notices carry (the status page's); deployed functions with a page function only. */
  readonly links?: NoticeLinks;
}

/**
 * Summaries and observed texts quote servers (error texts of any length, with newlines or escape sequences): each
 * becomes one plain line of bounded length before it reaches the report, the state, the logs and the notices.
 */
function plainFinding(finding: Finding): Finding {
  const observed =
    finding.observed &&
    Object.fromEntries(Object.entries(finding.observed).map(([k, v]) => [k, typeof v === 'string' ? summaryLine(v, 2 * MAX_SUMMARY) : v]));
  return { ...finding, summary: summaryLine(finding.summary), ...(observed && { observed }) };
}

/** A notification as the report shows it, with the size SNS counts of it as the SNS channel publishes it. */
export function reportedNotification(notification: Notification): ReportedNotification {
  const { topic, severity, subject, message, bodies } = notification;
  return { topic, severity, subject, message, ...(bodies && { bodies }), bytes: publishedBytes(notification) };
}

/**
 * The shape every job shares: collect findings, run them through the alert engine (which
 * publishes and keeps state), and return the JSON report (docs/cli.md).
 */
export async function runJob(job: Job, context: JobContext, collect: () => Promise<Finding[]>): Promise<Report> {
  const now = context.now ?? (() => new Date());
  const startedAt = now();
  const findings = (await collect()).map(plainFinding);
  if (context.findingLog) writeFindingLog(context.findingLog.write, job, findings, context.findingLog.valuesOf);
  let outcome: Pick<ProcessFindingsResult, 'sent' | 'failed' | 'warnings'>;
  let fault: unknown;
  try {
    outcome = await during(context.activity, 'the alert state and notices', () =>
      processFindings({
        job,
        findings,
        config: context.config,
        store: context.store,
        notifier: context.notifier,
        now: now(),
        links: context.links,
      }),
    );
  } catch (error) {
    // The findings stand whatever happened to the state: they go out in the report, with what was sent.
    fault = error;
    outcome =
      error instanceof AlertStateSaveError
        ? { sent: error.sent, failed: error.failed, warnings: [...error.warnings] }
        : { sent: [], failed: [], warnings: [] };
  }
  const { sent, failed, warnings } = outcome;
  const notifications = [...sent, ...failed.map((f) => f.notification)].map(reportedNotification);
  const report: Report = {
    job,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    findings,
    notifications,
    ...(failed.length ? { undelivered: failed.map((f) => ({ topic: f.notification.topic, error: f.error })) } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
  if (fault !== undefined) throw new IncompleteRunError(report, fault);
  return report;
}
