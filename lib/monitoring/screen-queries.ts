/**
 * The operations screen's queries: CloudWatch Logs Insights over the one JSON line a deployed
 * run writes per finding. The stack saves each as a query definition (free), and the optional
 * dashboard shows the same ones as widgets. Pure data, so the cost estimate can count them
 * without loading a construct.
 */
import { FINDING_LOG } from '../../functions/core/observability/finding-log.js';

/** Logs Insights over the finding lines of the runs (functions/core/observability/finding-log.ts). */
const findings = (...steps: string[]): string[] => [`filter message = "${FINDING_LOG.message}"`, ...steps];

/**
 * The Logs Insights queries of the screen, by title (saved query name and dashboard widget title): each reads the one JSON line a
 * deployed run writes per finding, so the screen needs no custom metric, and a fleet of 500
 * targets is the same handful of tables as five.
 */
export const SCREEN_QUERIES = {
  'Every check now: the latest finding of each, worst first': findings(
    'stats latest(rank) as worst, latest(severity) as severity, latest(summary) as summary, max(@timestamp) as seen by target, check, kind',
    'sort worst desc, target asc, check asc',
    'limit 1000',
  ),
  'Not ok over time: findings per severity': findings('filter rank > 0', 'stats count(*) as findings by bin(1h), severity'),
  'Response time per check (ms)': findings(
    'filter ispresent(responseTimeMs)',
    'stats avg(responseTimeMs) as mean, pct(responseTimeMs, 95) as p95, max(responseTimeMs) as max, latest(severity) as severity by ' +
      'target, check, kind',
    'sort p95 desc',
    'limit 1000',
  ),
  'Backups: newest size, duration and time per database': findings(
    'filter kind = "backup" and ispresent(sizeBytes)',
    'stats latest(sizeBytes) as bytes, latest(durationMs) as ms, max(@timestamp) as newest, count(*) as backups by target, database',
    'sort newest asc',
    'limit 1000',
  ),
  'Disk use per server and mount (%)': findings(
    'filter ispresent(usedPercent)',
    'stats latest(usedPercent) as used, max(usedPercent) as peak, latest(severity) as severity by target, check',
    'sort used desc',
    'limit 1000',
  ),
} as const;

export type ScreenQueryTitle = keyof typeof SCREEN_QUERIES;
