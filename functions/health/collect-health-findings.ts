import { durationMs } from '../core/config/duration.js';
import type { CheckKind, Finding } from '../core/domain/finding.js';
import { classify, type SeverityOverride } from '../core/domain/severity.js';
import { type Activity, during } from '../core/run/activity.js';
import { selectedTargets } from '../core/run/invoke-event.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { type ConfiguredCheck, configuredChecks } from '../kinds/catalog.js';
import type { Config } from '../kinds/config.js';
import type { HttpProbeOptions } from '../kinds/http/probe.js';
import { mapWithLimit } from './limiter.js';

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
  /** One part of those checks: the i-th (in config order) with i % parts === part (lib/health/health-plan.ts healthRuns). */
  readonly part?: { readonly part: number; readonly parts: number };
  readonly secrets: SecretResolver;
  /** Probes in flight at once; default 64. */
  readonly concurrency?: number;
  /** Least time between two probe starts in ms; default 1, 0 for one start per event-loop turn. */
  readonly startSpacingMs?: number;
  /** Passed to the probes: `signal` to stop early, `ca` for tests and benches only. */
  readonly http?: HttpProbeOptions;
  /** Told which probes are in flight (the CLI's progress line). */
  readonly activity?: Activity;
}

/**
 * Runs every probed check (HTTP, PostgreSQL, ... : the registry's probed kinds) of the selected
 * targets, a bounded number at once. One finding per check, in config order (targets, then each
 * target's checks kind by kind, in the registry's order); a probe that throws becomes a failing
 * finding rather than going missing.
 */
export async function collectHealthFindings(config: Config, options: CollectHealthOptions): Promise<Finding[]> {
  const jobs = healthJobs(config, options);
  const limits = {
    limit: options.concurrency ?? DEFAULT_HEALTH_CONCURRENCY,
    spacingMs: options.startSpacingMs ?? DEFAULT_START_SPACING_MS,
  };
  return mapWithLimit(jobs, limits, async (job) => {
    try {
      return await during(options.activity, `${job.target}/${job.name}`, () => probe(job, options));
    } catch (error) {
      return probeFailed(job, error);
    }
  });
}

function healthJobs(config: Config, options: CollectHealthOptions): ConfiguredCheck[] {
  const selected = selectedTargets(config, options.targets);
  const everyMs = options.every === undefined ? undefined : durationMs(options.every);
  const scheduled = configuredChecks(config, selected).filter(
    (c) => everyMs === undefined || durationMs(c.kind.plan(c.check).every) === everyMs,
  );
  const part = options.part;
  return part ? scheduled.filter((_, i) => i % part.parts === part.part) : scheduled;
}

async function probe(job: ConfiguredCheck, options: CollectHealthOptions): Promise<Finding> {
  const { signal, ca } = options.http ?? {};
  return job.kind.probe(job.check, { target: job.target, secrets: options.secrets, signal, ca });
}

function probeFailed(job: ConfiguredCheck, error: unknown): Finding {
  const message = error instanceof Error ? error.message : String(error);
  const override = (job.check as { severity?: SeverityOverride }).severity;
  return {
    target: job.target,
    check: job.name,
    kind: job.kind.name as CheckKind,
    severity: classify(job.kind.matrix[job.kind.failureRule]!, 'critical', override),
    summary: `probe failed: ${message}`,
    observed: { error: error instanceof Error ? error.name : 'Error', errorMessage: message },
  };
}
