import type { Config } from '../../functions/core/config/schema.js';
import type { Job, Report } from '../../functions/core/domain/report.js';
import { localSecrets } from '../../functions/core/adapters/local-secrets.js';
import type { JobContext } from '../../functions/core/run/run-job.js';
import { CLI_ENV } from '../../functions/core/layout.js';
import { runBackupJob } from '../../functions/backup/handler.js';
import { S3PartUploads } from '../../functions/backup/ssm/part-uploads.js';
import { createS3Client } from '../../functions/core/adapters/s3-client.js';
import { runDigestJob } from '../../functions/digest/run-digest.js';
import { runHealthJob } from '../../functions/health/handler.js';
import { runServerJob } from '../../functions/ssm-checks/handler.js';
import { LocalBash } from '../../functions/remote/local-bash.js';

/**
 * `backup.via: "ssm"` entries in --local runs: the same host script under local bash, uploading
 * to presigned part URLs; that needs an S3-compatible endpoint (S3_ENDPOINT and AUTOPILOT_BUCKET).
 * Without one those entries are reported as not backed up, never skipped.
 */
function localHostBackups() {
  const bucket = process.env[CLI_ENV.bucket];
  if (!process.env[CLI_ENV.s3Endpoint] || !bucket) return undefined;
  return { remote: new LocalBash(), uploads: new S3PartUploads(createS3Client(), bucket) };
}

const progress = (message: string) => void process.stderr.write(`autopilot: ${message}\n`);

export interface LocalRun {
  readonly targets: readonly string[];
  readonly context: JobContext;
}

type JobRunner = (config: Config, run: LocalRun) => Promise<Report>;

/** The jobs `autopilot run` knows, in the order `run all` runs them. */
export const LOCAL_JOBS: Partial<Record<Job, JobRunner>> = {
  health: (config, run) => runHealthJob(config, { targets: run.targets, secrets: localSecrets }, run.context),
  backup: (config, run) =>
    runBackupJob(config, { targets: run.targets, secrets: localSecrets, ssm: localHostBackups(), log: progress }, run.context),
  disk: (config, run) => runServerJob('disk', config, { targets: run.targets, remote: new LocalBash() }, run.context),
  security: (config, run) => runServerJob('security', config, { targets: run.targets, remote: new LocalBash() }, run.context),
  // Last, so `run all` digests what the other jobs just found; a local run always prints it.
  digest: (config, run) => runDigestJob(config, { force: true }, run.context),
};
