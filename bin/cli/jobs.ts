import type { Config } from '../../functions/core/config/schema.js';
import type { Job, Report } from '../../functions/core/domain/report.js';
import { localSecrets } from '../../functions/core/adapters/local-secrets.js';
import type { JobContext } from '../../functions/core/run/run-job.js';
import { runBackupJob } from '../../functions/backup/handler.js';
import { runDigestJob } from '../../functions/digest/run-digest.js';
import { runHealthJob } from '../../functions/health/handler.js';
import { runServerJob } from '../../functions/ssm-checks/handler.js';
import { LocalBashExecutor } from '../../functions/ssm-checks/local-executor.js';

export interface LocalRun {
  readonly targets: readonly string[];
  readonly context: JobContext;
}

type JobRunner = (config: Config, run: LocalRun) => Promise<Report>;

/** The jobs `autopilot run` knows, in the order `run all` runs them. */
export const LOCAL_JOBS: Partial<Record<Job, JobRunner>> = {
  health: (config, run) => runHealthJob(config, { targets: run.targets, secrets: localSecrets }, run.context),
  backup: (config, run) => runBackupJob(config, { targets: run.targets, secrets: localSecrets }, run.context),
  disk: (config, run) => runServerJob('disk', config, { targets: run.targets, executor: new LocalBashExecutor() }, run.context),
  security: (config, run) => runServerJob('security', config, { targets: run.targets, executor: new LocalBashExecutor() }, run.context),
  // Last, so `run all` digests what the other jobs just found; a local run always prints it.
  digest: (config, run) => runDigestJob(config, { force: true }, run.context),
};
