import { selectedTargets } from '../core/run/invoke-event.js';
import type { Finding } from '../core/domain/finding.js';
import { ConfigError, type StoreFaultError } from '../core/errors.js';
import { type Activity, during } from '../core/run/activity.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { backupPostgres } from './backup-postgres.js';
import { backupViaSsm } from './backup-via-ssm.js';
import { backedUpEntries, type BackedUpEntry } from './entries.js';
import { findingOf, type BackupOutcome } from './outcome.js';
import type { RemoteExecution } from '../remote/port.js';
import type { PartUploads } from './ssm/part-uploads.js';
import type { Config } from '../kinds/config.js';

export interface BackupRunOptions {
  /** Only these targets (all when absent). */
  readonly targets?: readonly string[];
  /** Only this database (its check name) of the one selected target: a schedule's event. */
  readonly database?: string;
  readonly store: ObjectStore;
  readonly secrets: SecretResolver;
  readonly now?: () => Date;
  /** For `backup.via: "ssm"` entries: how to run the script on the server, and the bucket's presigner. */
  readonly ssm?: { readonly remote: RemoteExecution; readonly uploads: PartUploads };
  readonly env?: NodeJS.ProcessEnv;
  /** Fires when the run must stop (the Lambda's time is nearly up); each unfinished backup becomes a High finding. */
  readonly signal?: AbortSignal;
  /** Set when running in Lambda: its timeout, which the run's duration and the size limit are judged against. */
  readonly lambdaTimeoutMs?: number;
  /** Progress lines (the CLI prints them to stderr, the Lambda logs them). */
  readonly log?: (message: string, details?: Record<string, unknown>) => void;
  /** Told of a store that refused a backup (full, read-only): the job ends as a store fault after its findings. */
  readonly onStoreFault?: (fault: StoreFaultError) => void;
  /** Told which database is being backed up (the CLI's progress line). */
  readonly activity?: Activity;
}

/** Resolves the selection; unknown names are errors that name the field. */
export function selectEntries(
  config: Config,
  targets: readonly string[] | undefined,
  database: string | undefined,
  field = 'database',
): BackedUpEntry[] {
  selectedTargets(config, targets);
  const entries = backedUpEntries(config, targets);
  if (database === undefined) return entries;
  if (targets?.length !== 1) throw new ConfigError(`${field}: give exactly one target with a database`);
  const chosen = entries.filter((e) => e.database === database);
  if (!chosen.length) {
    const known = entries.map((e) => e.database);
    throw new ConfigError(
      `${field}: target ${targets[0]} backs up no database "${database}" ` +
        `(${known.length ? `known: ${known.join(', ')}` : 'it has no backup configured'})`,
    );
  }
  return chosen;
}

async function backupOne(entry: BackedUpEntry, config: Config, options: BackupRunOptions): Promise<BackupOutcome> {
  const started = (options.now ?? (() => new Date()))();
  if (options.signal?.aborted) {
    return {
      ok: false,
      target: entry.target,
      database: entry.database,
      stage: 'dump',
      reason: 'not started: the run ran out of time before reaching it',
      durationMs: 0,
    };
  }
  if (entry.backup.via === 'ssm') {
    if (!options.ssm) {
      return {
        ok: false,
        target: entry.target,
        database: entry.database,
        stage: 'config',
        reason:
          'backup.via "ssm" needs SSM Run Command and an S3 bucket to presign uploads to; this run has neither (deploy it, or run ' +
          'locally with S3_ENDPOINT)',
        durationMs: 0,
      };
    }
    return backupViaSsm({
      entry,
      servers: config.targets[entry.target]?.servers,
      store: options.store,
      uploads: options.ssm.uploads,
      remote: options.ssm.remote,
      now: options.now,
      env: options.env,
      signal: options.signal,
    });
  }
  if (entry.kind === 'sqlite') {
    return {
      ok: false,
      target: entry.target,
      database: entry.database,
      stage: 'config',
      reason: `targets.${entry.target}.sqlite "${entry.database}": a SQLite file lives on its server; set backup.via to "ssm"`,
      durationMs: Date.now() - started.getTime(),
    };
  }
  return backupPostgres({
    target: entry.target,
    db: entry.postgres,
    store: options.store,
    secrets: options.secrets,
    now: options.now,
    env: options.env,
    signal: options.signal,
    lambdaTimeoutMs: options.lambdaTimeoutMs,
  });
}

/**
 * The backup job's findings: one per backed-up database, `ok` with the archive's size and
 * key, or High (`backup.failed`) with the stage and the reason. Databases are backed up one
 * after the other, so memory and the database servers see one dump at a time.
 */
export async function runBackups(config: Config, options: BackupRunOptions): Promise<Finding[]> {
  const entries = selectEntries(config, options.targets, options.database);
  const findings: Finding[] = [];
  for (const entry of entries) {
    options.log?.(`backing up ${entry.target}/${entry.database}`, { via: entry.backup.via });
    const outcome = await during(options.activity, `the backup of ${entry.target}/${entry.database}`, () =>
      backupOne(entry, config, options),
    );
    if (!outcome.ok && outcome.storeFault) options.onStoreFault?.(outcome.storeFault);
    const finding = findingOf(outcome, { lambdaTimeoutMs: options.lambdaTimeoutMs });
    options.log?.(`${entry.target}/${entry.database}: ${finding.summary}`, { severity: finding.severity });
    findings.push(finding);
  }
  return findings;
}

/**
 * The alert settings of the backup job: each run is a day's backup, so the first failure
 * alerts (the engine's default waits for two consecutive failures, meant for 5-minute probes).
 */
export function backupAlertConfig(config: Config): Config {
  return { ...config, alerting: { ...config.alerting, consecutiveFailures: 1 } };
}
