import { dashboardValuesOf } from '../kinds/catalog.js';
import { createS3Client } from '../core/adapters/s3/s3-client.js';
import type { Report } from '../core/domain/report.js';
import { IncompleteRunError, type StoreFaultError } from '../core/errors.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { awsContext } from '../core/run/aws-context.js';
import { readBackupDocument, readBucketName } from '../core/run/environment.js';
import { parseInvokeEvent } from '../core/run/invoke-event.js';
import { runJob, type JobContext } from '../core/run/run-job.js';
import { backupAlertConfig, runBackups, selectEntries, type BackupRunOptions } from './run-backups.js';
import { DOCUMENT_VERSION } from '../remote/script.js';
import { createSsmClient, SsmRunCommand } from '../remote/ssm-run-command.js';
import { HOST_BACKUP_SCRIPT } from './ssm/host-backup-script.js';
import { SAFETY_MARGIN_MS } from './lambda-budget.js';
import { S3PartUploads } from './ssm/part-uploads.js';
import type { Config } from '../kinds/config.js';
import { validateConfig } from '../kinds/config.js';

export interface BackupJobOptions extends Omit<BackupRunOptions, 'store' | 'now'> {}

/** The backup job: one backup per selected database, then alerts (first failure alerts). Shared by the Lambda and the CLI. */
export async function runBackupJob(config: Config, options: BackupJobOptions, context: JobContext): Promise<Report> {
  let storeFault: StoreFaultError | undefined;
  const report = await runJob('backup', { ...context, config: backupAlertConfig(config) }, () =>
    runBackups(config, {
      ...options,
      store: context.store,
      now: context.now,
      activity: context.activity,
      onStoreFault: (fault) => (storeFault ??= fault),
    }),
  );
  // The findings and notices stand; a store that refused a backup is still the run's fault (exit 4), not a result.
  if (storeFault) throw new IncompleteRunError(report, storeFault);
  return report;
}

export { SAFETY_MARGIN_MS };

interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

/**
 * The Lambda handler for a config embedded at build time, validated again here at run time.
 * Events: the schedule's `{ "source": "schedule", "targets": ["x"], "database": "y" }` backs up
 * one database; a console test event `{ "targets": ["mycats"] }` (or `{}` for all) backs up now.
 */
export function createHandler(rawConfig: unknown) {
  const config = validateConfig(rawConfig, { forDeployment: true });
  let aws: ReturnType<typeof awsContext> | undefined;
  let ssm: BackupRunOptions['ssm'];
  return async (event: unknown, lambdaContext?: LambdaContextLike): Promise<Report> => {
    const request = parseInvokeEvent(event, config);
    selectEntries(config, request.targets, request.database, 'event.database');
    aws ??= awsContext(config, 'backup', dashboardValuesOf);
    const { context, logger } = aws;
    const secrets: SecretResolver = aws.secrets;
    const backupDocument = readBackupDocument();
    if (!ssm && backupDocument) {
      ssm = {
        remote: new SsmRunCommand({
          client: createSsmClient(),
          documents: [{ script: HOST_BACKUP_SCRIPT, name: backupDocument, version: DOCUMENT_VERSION }],
          log: (message, details) => logger.info(message, details ?? {}),
        }),
        uploads: new S3PartUploads(createS3Client(), readBucketName()),
      };
    }
    const remaining = lambdaContext?.getRemainingTimeInMillis?.() ?? 15 * 60_000;
    const signal = AbortSignal.timeout(Math.max(10_000, remaining - SAFETY_MARGIN_MS));
    const report = await runBackupJob(
      config,
      {
        targets: request.targets,
        database: request.database,
        secrets,
        ssm,
        signal,
        // The time left at the start is the function's timeout, less the cold start.
        lambdaTimeoutMs: lambdaContext?.getRemainingTimeInMillis ? remaining : undefined,
        log: (message, details) => logger.info(message, details ?? {}),
      },
      context,
    );
    logger.info('backup run finished', {
      findings: report.findings.length,
      failed: report.findings.filter((f) => f.severity !== 'ok').length,
      notifications: report.notifications.length,
    });
    return report;
  };
}
