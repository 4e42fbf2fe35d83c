import type { StoreFaultError } from '../core/errors.js';
import type { Finding } from '../core/domain/finding.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { BackupManifest } from './manifest.js';
import { formatBytes } from '../core/text/format-bytes.js';
import { isSlowLambdaRun, SLOW_RUN_SHARE } from './lambda-budget.js';
import { classifyRule } from '../kinds/catalog.js';
import { worst } from '../core/domain/severity.js';

/** Where the run happened, for judging its duration: a Lambda run is judged against the function's timeout. */
export interface RunPlace {
  readonly lambdaTimeoutMs?: number;
}

/** What a backup run gets besides the database it backs up, whichever way it runs. */
export interface BackupRunOptions {
  readonly store: ObjectStore;
  readonly now?: () => Date;
  /** Where the tools are looked up (PG_DUMP, PG_RESTORE, PG_BIN_DIR, PATH). */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborts the run (the Lambda's time is nearly up): the dump is stopped and the upload aborted. */
  readonly signal?: AbortSignal;
}

/** Where a backup failed, in the order a run goes through them. */
export type BackupStage = 'config' | 'secret' | 'tool' | 'connect' | 'version' | 'host' | 'dump' | 'upload' | 'verify' | 'manifest';

export type BackupOutcome =
  | {
      readonly ok: true;
      readonly target: string;
      readonly database: string;
      readonly manifest: BackupManifest;
      readonly manifestKey: string;
      /** Why the default compression is not zstd although this pg_dump's major has it (a build without it). */
      readonly compressionFallback?: string;
    }
  | {
      readonly ok: false;
      readonly target: string;
      readonly database: string;
      readonly stage: BackupStage;
      /** Why, with the password redacted. */
      readonly reason: string;
      readonly archiveKey?: string;
      /** An object the cleanup could not delete (reported, so an operator removes it). */
      readonly leftover?: string;
      readonly durationMs: number;
      /** The store refused (full, read-only): the run reports its findings, then ends as a store fault (exit 4). */
      readonly storeFault?: StoreFaultError;
    };

/**
 * One finding per backed-up database and run (kind `backup`): `ok`; Low (`backup.duration`) when
 * a Lambda run took over 60% of the function's timeout; High (`backup.failed`) when it failed.
 * A successful pg_dump run says the database size above which Lambda would not finish at its rate.
 */
export function findingOf(outcome: BackupOutcome, place: RunPlace = {}): Finding {
  if (outcome.ok) {
    const m = outcome.manifest;
    const verified = m.verification === 'passed' ? 'verified' : 'not verified (verify: false)';
    const slow = place.lambdaTimeoutMs !== undefined && m.via === 'lambda' && isSlowLambdaRun(m.durationMs, place.lambdaTimeoutMs);
    const limit =
      m.lambdaLimitBytes !== undefined
        ? `; at this rate Lambda finishes databases up to ${formatBytes(m.lambdaLimitBytes)} (this one: ` +
          `${formatBytes(m.databaseBytes ?? 0)})`
        : '';
    const advice = slow
      ? `; took ${Math.round((m.durationMs / place.lambdaTimeoutMs!) * 100)}% of the Lambda timeout (over ${SLOW_RUN_SHARE * 100}%): set ` +
        `backup.runOn to "fargate" before it stops finishing`
      : '';
    const fallback = outcome.compressionFallback
      ? `; not the default zstd: ${outcome.compressionFallback} (the archive is larger and slower to make; use a pg_dump built with zstd)`
      : '';
    const severity = worst([
      slow ? classifyRule('backup.duration', 'warning') : 'ok',
      fallback ? classifyRule('backup.compression', 'warning') : 'ok',
    ]);
    return {
      target: outcome.target,
      check: outcome.database,
      kind: 'backup',
      severity,
      summary:
        `backed up ${formatBytes(m.size)} in ${(m.durationMs / 1000).toFixed(1)} s, ${m.tables} table(s), ` +
        `${verified}${m.compression ? `, ${m.compression}` : ''}${limit}${advice}${fallback}`,
      observed: {
        key: m.key,
        manifestKey: outcome.manifestKey,
        // sizeBytes and durationMs become the BackupSizeBytes / BackupDurationMs metrics.
        sizeBytes: m.size,
        sha256: m.sha256,
        durationMs: m.durationMs,
        tables: m.tables,
        toolVersion: m.toolVersion,
        ...(m.serverVersion ? { serverVersion: m.serverVersion } : {}),
        verification: m.verification,
        ...(m.compression ? { compression: m.compression } : {}),
        ...(outcome.compressionFallback ? { compressionFallback: outcome.compressionFallback } : {}),
        ...(m.databaseBytes !== undefined ? { databaseBytes: m.databaseBytes } : {}),
        ...(m.lambdaLimitBytes !== undefined ? { lambdaLimitBytes: m.lambdaLimitBytes } : {}),
        ...(place.lambdaTimeoutMs !== undefined ? { lambdaTimeoutMs: place.lambdaTimeoutMs } : {}),
      },
    };
  }
  return {
    target: outcome.target,
    check: outcome.database,
    kind: 'backup',
    severity: classifyRule('backup.failed', 'critical'),
    summary:
      `backup failed (${outcome.stage}): ` +
      `${outcome.reason}${outcome.leftover ? `; could not delete ${outcome.leftover}, remove it by hand` : ''}`,
    observed: {
      stage: outcome.stage,
      reason: outcome.reason,
      // Not durationMs: a failed run is no datapoint of the backup-duration metric.
      failedAfterMs: outcome.durationMs,
      ...(outcome.archiveKey ? { key: outcome.archiveKey } : {}),
      ...(outcome.leftover ? { leftover: outcome.leftover } : {}),
    },
  };
}
