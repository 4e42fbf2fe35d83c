import { checkNameOf, type Config, type HealthCheckConfig, type PostgresConfig } from '../core/config/schema.js';
import { durationMs } from '../core/config/duration.js';
import type { CheckKind, Finding } from '../core/domain/finding.js';
import { classify } from '../core/domain/severity.js';
import { ConfigError } from '../core/errors.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { mapWithLimit } from './limiter.js';
import { probeHttp, type HttpProbeOptions } from './probes/http.js';
import { probePostgres } from './probes/postgres.js';

export const DEFAULT_HEALTH_CONCURRENCY = 64;
/**
 * At most one probe start per millisecond. A probe costs this process roughly 0.3-0.6 ms of CPU
 * (measured by bench/health.bench.ts on 2 cores); starting faster than that makes answers arrive
 * faster than they can be timed, and the queue shows up as response time. 500 checks start in 0.5 s.
 */
export const DEFAULT_START_SPACING_MS = 1;

export interface CollectHealthOptions {
  /** Only these targets; all when absent or empty. */
  readonly targets?: readonly string[];
  /** Only checks scheduled at this interval ("5m" also matches "300s"). */
  readonly every?: string;
  readonly secrets: SecretResolver;
  /** Probes in flight at once; default 64. */
  readonly concurrency?: number;
  /** Least time between two probe starts in ms; default 1, 0 for one start per event-loop turn. */
  readonly startSpacingMs?: number;
  /** Passed to the HTTP probes: `signal` to stop early, `ca` for tests and benches only. */
  readonly http?: HttpProbeOptions;
}

interface Job {
  readonly target: string;
  readonly check: string;
  readonly kind: Extract<CheckKind, 'http' | 'postgres'>;
  readonly override: HealthCheckConfig['severity'];
  readonly run: () => Promise<Finding>;
}

/**
 * Runs every HTTP and PostgreSQL check of the selected targets, a bounded number at once.
 * One finding per check, in config order (targets, then each target's health then postgres
 * checks); a probe that throws becomes a failing finding rather than going missing.
 */
export async function collectHealthFindings(config: Config, options: CollectHealthOptions): Promise<Finding[]> {
  const jobs = healthJobs(config, options);
  const limits = {
    limit: options.concurrency ?? DEFAULT_HEALTH_CONCURRENCY,
    spacingMs: options.startSpacingMs ?? DEFAULT_START_SPACING_MS,
  };
  return mapWithLimit(jobs, limits, async (job) => {
    try {
      return await job.run();
    } catch (error) {
      return probeFailed(job, error);
    }
  });
}

function healthJobs(config: Config, options: CollectHealthOptions): Job[] {
  const selected = selectTargets(config, options.targets);
  const everyMs = options.every === undefined ? undefined : durationMs(options.every);
  const scheduled = (check: { every: string }): boolean => everyMs === undefined || durationMs(check.every) === everyMs;
  const jobs: Job[] = [];
  for (const target of selected) {
    const t = config.targets[target];
    for (const check of (t?.health ?? []).filter(scheduled)) {
      jobs.push({
        target,
        check: checkNameOf(check),
        kind: 'http',
        override: check.severity,
        run: () => probeHttp(target, check, options.http),
      });
    }
    for (const db of (t?.postgres ?? []).filter(scheduled)) {
      jobs.push({
        target,
        check: checkNameOf(db),
        kind: 'postgres',
        override: db.severity,
        run: () => runPostgres(target, db, options.secrets),
      });
    }
  }
  return jobs;
}

async function runPostgres(target: string, db: PostgresConfig, secrets: SecretResolver): Promise<Finding> {
  return probePostgres(target, db, await secrets.postgresPassword(db));
}

function selectTargets(config: Config, targets: readonly string[] | undefined): string[] {
  const known = Object.keys(config.targets);
  if (!targets?.length) return known;
  const unknown = targets.filter((t) => !known.includes(t));
  if (unknown.length) {
    const issues = unknown.map((t) => `targets: unknown target "${t}" (known: ${known.join(', ')})`);
    throw new ConfigError(issues.join('\n'), issues);
  }
  return known.filter((t) => targets.includes(t));
}

function probeFailed(job: Job, error: unknown): Finding {
  const message = error instanceof Error ? error.message : String(error);
  const rule = job.kind === 'http' ? 'http.availability' : 'postgres.connect';
  return {
    target: job.target,
    check: job.check,
    kind: job.kind,
    severity: classify(rule, 'critical', job.override),
    summary: `probe failed: ${message}`,
    observed: { error: error instanceof Error ? error.name : 'Error', errorMessage: message },
  };
}
