import { durationMs } from '../../functions/core/config/duration.js';
import { ConfigError } from '../../functions/core/errors.js';
import { configuredChecks } from '../../functions/kinds/catalog.js';
import { scheduleWhen } from '../scheduler/schedule-expression.js';
import type { Config } from '../../functions/kinds/config.js';

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

/** One health schedule: an interval's checks, or one part of them when they do not fit one run. */
export interface HealthRun {
  readonly every: string;
  /** This run's part (0-based) and how many parts the interval's checks are split into. */
  readonly part: number;
  readonly parts: number;
}

/** The worst case of one run: the probes go HEALTH_CONCURRENCY at a time, each batch as long as the longest timeout. */
function worstCaseSeconds(checks: number, longestMs: number): number {
  return Math.ceil((Math.ceil(checks / HEALTH_CONCURRENCY) * longestMs) / 1000) + HEADROOM_SECONDS;
}

/** The checks of each interval (by length), with their longest timeout. */
function byInterval(config: Config): Array<{ every: string; checks: number; longestMs: number }> {
  const groups = new Map<number, { every: string; checks: number; longestMs: number }>();
  for (const check of healthChecks(config)) {
    const ms = durationMs(check.every);
    const group = groups.get(ms) ?? { every: check.every, checks: 0, longestMs: 0 };
    group.checks++;
    group.longestMs = Math.max(group.longestMs, durationMs(check.timeout));
    groups.set(ms, group);
  }
  return [...groups.values()];
}

/**
 * The health schedules: one per interval, split into parts when one run of the interval's checks
 * could not finish within the interval (or Lambda's 15 minutes): the fewest parts that fit, at most
 * one batch a part. 1,000 checks every minute with a 10 s timeout are 16 batches, 190 s at worst;
 * they run as 6 parts of at most 167 checks, 60 s each at worst.
 */
export function healthRuns(config: Config): HealthRun[] {
  healthIntervals(config); // names every interval Scheduler cannot run
  return byInterval(config).flatMap(({ every, checks, longestMs }) => {
    const budget = Math.min(MAX_TIMEOUT_SECONDS, durationMs(every) / 1000);
    const maxParts = Math.max(1, Math.ceil(checks / HEALTH_CONCURRENCY));
    let parts = 1;
    while (parts < maxParts && worstCaseSeconds(Math.ceil(checks / parts), longestMs) > budget) parts++;
    return Array.from({ length: parts }, (_, part) => ({ every, part, parts }));
  });
}

/**
 * Seconds the health function may run: the worst case of its largest part (probes go
 * `HEALTH_CONCURRENCY` at a time, one longest timeout per batch) plus headroom; 60 s to 15 min.
 */
export function healthTimeoutSeconds(config: Config): number {
  const groups = byInterval(config);
  if (groups.length === 0) return MIN_TIMEOUT_SECONDS;
  const runs = healthRuns(config);
  const seconds = Math.max(
    ...groups.map((g) => {
      const parts = runs.find((r) => r.every === g.every)?.parts ?? 1;
      return worstCaseSeconds(Math.ceil(g.checks / parts), g.longestMs);
    }),
  );
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, seconds));
}
