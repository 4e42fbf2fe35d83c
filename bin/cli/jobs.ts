import type { Job, Report } from '../../functions/core/domain/report.js';
import { CLI_ENV } from '../../functions/core/layout.js';
import type { JobContext } from '../../functions/core/run/run-job.js';
import type { Config } from '../../functions/kinds/config.js';

/**
 * `backup.via: "ssm"` entries in --local runs: the same host script under local bash, uploading
 * to presigned part URLs; that needs an S3-compatible endpoint (S3_ENDPOINT and AUTOPILOT_BUCKET).
 * Without one those entries are reported as not backed up, never skipped.
 */
async function localHostBackups() {
  const bucket = process.env[CLI_ENV.bucket];
  if (!process.env[CLI_ENV.s3Endpoint] || !bucket) return undefined;
  const [{ LocalBash }, { S3PartUploads }, { createS3Client }] = await Promise.all([
    import('../../functions/remote/local-bash.js'),
    import('../../functions/backup/ssm/part-uploads.js'),
    import('../../functions/core/adapters/s3/s3-client.js'),
  ]);
  return { remote: new LocalBash(), uploads: new S3PartUploads(createS3Client(), bucket) };
}

const progress = (message: string) => void process.stderr.write(`autopilot: ${message}\n`);
const localSecrets = async () => (await import('../../functions/core/adapters/local/local-secrets.js')).localSecrets;
const localBash = async () => new (await import('../../functions/remote/local-bash.js')).LocalBash();

export interface LocalRun {
  readonly targets: readonly string[];
  readonly context: JobContext;
}

type JobRunner = (config: Config, run: LocalRun) => Promise<Report>;

/**
 * The local runner of every job of the registry (functions/core/jobs.ts; `run all` runs them in its
 * order, the digest last). Each loads its job's modules when it runs, so `autopilot run health`
 * does not load the backup, SSM or digest code.
 */
export const LOCAL_JOBS: Record<Job, JobRunner> = {
  health: async (config, run) =>
    (await import('../../functions/health/handler.js')).runHealthJob(
      config,
      { targets: run.targets, secrets: await localSecrets() },
      run.context,
    ),
  backup: async (config, run) =>
    (await import('../../functions/backup/handler.js')).runBackupJob(
      config,
      { targets: run.targets, secrets: await localSecrets(), ssm: await localHostBackups(), log: progress },
      run.context,
    ),
  disk: async (config, run) =>
    (await import('../../functions/ssm-checks/handler.js')).runServerJob(
      'disk',
      config,
      { targets: run.targets, remote: await localBash() },
      run.context,
    ),
  security: async (config, run) =>
    (await import('../../functions/ssm-checks/handler.js')).runServerJob(
      'security',
      config,
      { targets: run.targets, remote: await localBash() },
      run.context,
    ),
  // Claimed once per day like the scheduled digest: runs that overlap (or repeat) the same day send one.
  digest: async (config, run) =>
    (await import('../../functions/digest/run-digest.js')).runDigestJob(config, { force: false, targets: run.targets }, run.context),
};
