import { durationMs } from '../../functions/core/config/duration.js';
import type { Config } from '../../functions/core/config/schema.js';
import { ConfigError } from '../../functions/core/errors.js';
import { configuredChecks } from '../../functions/kinds/catalog.js';
import { scheduleWhen } from '../scheduler/schedule-expression.js';

/** Probes the health function runs at once (`DEFAULT_HEALTH_CONCURRENCY` of collect-health-findings). */
export const HEALTH_CONCURRENCY = 64;
/** Time left after the probes for alert state, publishing and the report. */
const HEADROOM_SECONDS = 30;
const MIN_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 900;

interface ScheduledCheck {
  readonly path: string;
  readonly every: string;
  readonly timeout: string;
}

/** Each probed check with its place in the config and its kind's plan (functions/kinds/<kind>/kind.ts). */
function healthChecks(config: Config): ScheduledCheck[] {
  return configuredChecks(config).map((c) => ({ path: c.path, ...c.kind.plan(c.check) }));
}

/**
 * The distinct `every` intervals of the probed checks (HTTP, PostgreSQL, ...), in config order, one per
 * length of time ("5m" and "300s" are one schedule; the function matches checks by length too).
 * Throws a ConfigError naming each check whose interval EventBridge Scheduler cannot run.
 */
export function healthIntervals(config: Config): string[] {
  const issues: string[] = [];
  const byLength = new Map<number, string>();
  for (const check of healthChecks(config)) {
    try {
      scheduleWhen(check.every);
    } catch (error) {
      issues.push(`${check.path}.every: ${(error as Error).message}`);
      continue;
    }
    const ms = durationMs(check.every);
    if (!byLength.has(ms)) byLength.set(ms, check.every);
  }
  if (issues.length) throw new ConfigError(`invalid config:\n  ${issues.join('\n  ')}`, issues);
  return [...byLength.values()];
}

/**
 * Seconds the health function may run: the probes go `HEALTH_CONCURRENCY` at a time, so the
 * worst case is one longest timeout per batch, plus headroom; at least 60 s, at most 15 min.
 */
export function healthTimeoutSeconds(config: Config): number {
  const checks = healthChecks(config);
  if (checks.length === 0) return MIN_TIMEOUT_SECONDS;
  const longest = Math.max(...checks.map((c) => durationMs(c.timeout)));
  const batches = Math.ceil(checks.length / HEALTH_CONCURRENCY);
  const seconds = Math.ceil((batches * longest) / 1000) + HEADROOM_SECONDS;
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, seconds));
}
