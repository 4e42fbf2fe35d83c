import type { Report } from '../core/domain/report.js';
import type { awsContext } from '../core/run/aws-context.js';
import { parseInvokeEvent, selectedTargets } from '../core/run/invoke-event.js';
import { during } from '../core/run/activity.js';
import { runJob, type JobContext } from '../core/run/run-job.js';
import { IncompleteRunError } from '../core/errors.js';
import { ENV } from '../core/layout.js';
import { afterHealthRun } from '../status-page/refresh.js';
import { historyGroup } from '../status-page/history/record-history.js';
import { checkBackupFreshness } from '../backup/freshness.js';
import { durationMs } from '../core/config/duration.js';
import { configuredChecks, dashboardValuesOf } from '../kinds/catalog.js';
import { type CollectHealthOptions, collectHealthFindings } from './collect-health-findings.js';
import type { Config } from '../kinds/config.js';
import { validateConfig } from '../kinds/config.js';

/** The collector's selection and secrets (the scheduler's event carries targets, every and part), and where history goes. */
export interface HealthRunOptions extends Pick<CollectHealthOptions, 'targets' | 'every' | 'part' | 'secrets'> {
  /** Tells this function's status-page history apart from another's on the same schedules (the VPC function's `vpc`). */
  readonly historyPrefix?: string;
}

/**
 * Backup freshness needs no minute-by-minute look: scheduled runs check it on the slowest health
 * interval only (one S3 listing per database), manual and CLI runs always.
 */
export function checksBackupFreshness(config: Config, every: string | undefined): boolean {
  if (every === undefined) return true;
  const intervals = configuredChecks(config).map((c) => durationMs(c.kind.plan(c.check).every));
  return intervals.length === 0 || durationMs(every) >= Math.max(...intervals);
}

/**
 * The health job: the probed kinds' checks (HTTP, PostgreSQL, ...) and backup freshness, then alerts. Shared by the Lambda handler and
 * the CLI.
 */
export async function runHealthJob(config: Config, options: HealthRunOptions, context: JobContext): Promise<Report> {
  const targets = selectedTargets(config, options.targets);
  const now = context.now ?? (() => new Date());
  const startedAt = now();
  // Then the status page's history and, when something changed or it is an hour old, the page: never failing the run.
  const afterRun = (report: Report) =>
    afterHealthRun({
      store: context.store,
      config,
      findings: report.findings,
      at: startedAt,
      now,
      group: historyGroup({ every: options.every, part: options.part, prefix: options.historyPrefix }),
    });
  let report: Report;
  try {
    report = await collectAndAlert(config, options, context, targets, now);
  } catch (error) {
    if (error instanceof IncompleteRunError) await afterRun(error.report);
    throw error;
  }
  const warnings = await afterRun(report);
  return warnings.length ? { ...report, warnings: [...(report.warnings ?? []), ...warnings] } : report;
}

function collectAndAlert(
  config: Config,
  options: HealthRunOptions,
  context: JobContext,
  targets: readonly string[] | undefined,
  now: () => Date,
): Promise<Report> {
  return runJob('health', context, async () => [
    ...(await collectHealthFindings(config, {
      targets,
      every: options.every,
      part: options.part,
      secrets: options.secrets,
      activity: context.activity,
    })),
    // The first part only: every part checking freshness would count each backup's age several times a run.
    ...(checksBackupFreshness(config, options.every) && !options.part?.part
      ? await during(context.activity, 'the backup listings (freshness)', () => checkBackupFreshness(config, context.store, now(), targets))
      : []),
  ]);
}

/** The Lambda handler for a config embedded at synth; validated again here, at run time. */
export function createHandler(rawConfig: unknown) {
  const config = validateConfig(rawConfig, { forDeployment: true });
  let aws: ReturnType<typeof awsContext> | undefined;
  return async (event: unknown): Promise<Report> => {
    const request = parseInvokeEvent(event, config);
    // Loaded on the first invocation: the CLI's local runs import this module and need none of the AWS clients.
    aws ??= (await import('../core/run/aws-context.js')).awsContext(config, 'health', dashboardValuesOf);
    const { context, secrets, logger } = aws;
    const part = request.parts === undefined ? undefined : { part: request.part ?? 0, parts: request.parts };
    const historyPrefix = process.env[ENV.historyGroup] || undefined;
    const report = await runHealthJob(config, { targets: request.targets, every: request.every, part, secrets, historyPrefix }, context);
    logger.info('health run finished', { findings: report.findings.length, notifications: report.notifications.length });
    return report;
  };
}
