import type { Finding } from '../domain/finding.js';
import type { Job } from '../domain/report.js';
import { rank, type Severity } from '../domain/severity.js';

/**
 * The structured log line a deployed run writes for each finding, and the field names the
 * dashboard's Logs Insights queries read: one table for both sides, so they cannot drift apart.
 *
 * It replaces the EMF custom metrics the dashboard used to read: a custom metric costs $0.30 a
 * month (the example's 42 were two thirds of the bill), a log line only its ingestion. No alarm
 * needs them: the watchers alarm on Lambda's and SQS's own metrics, which are free.
 */
export const FINDING_LOG = {
  /** `message` of every finding line: what the queries filter on. */
  message: 'autopilot-finding',
  /** Summaries are cut to this many characters: the dashboard shows them in a table cell. */
  summaryLimit: 200,
} as const;

/** The measured values a kind puts on its findings' lines (functions/kinds/<kind>/kind.ts `dashboardValues`). */
export interface DashboardValues {
  /** HTTP: time to the response headers. */
  readonly responseTimeMs?: number;
  /** Backup: stored archive size and the run's wall time, and the database it is of. */
  readonly sizeBytes?: number;
  readonly durationMs?: number;
  readonly database?: string;
  /** Disk: space used on one mount of one server. */
  readonly usedPercent?: number;
}

export interface FindingLogRecord extends DashboardValues {
  readonly message: typeof FINDING_LOG.message;
  readonly job: Job;
  readonly target: string;
  readonly check: string;
  readonly kind: string;
  readonly severity: Severity;
  /** 0 (ok) to 4 (critical), so a query can sort the worst first. */
  readonly rank: number;
  readonly summary: string;
}

/** A finding's measured values for its line: its kind's `dashboardValues` (the kinds catalog's `dashboardValuesOf`). */
export type DashboardValuesOf = (finding: Finding) => DashboardValues | undefined;

/** The lines of one run (pure). */
export function findingLogRecords(job: Job, findings: readonly Finding[], valuesOf?: DashboardValuesOf): FindingLogRecord[] {
  return findings.map((f) => ({
    message: FINDING_LOG.message,
    job,
    target: f.target,
    check: f.check,
    kind: f.kind,
    severity: f.severity,
    rank: rank(f.severity),
    summary: f.summary.length > FINDING_LOG.summaryLimit ? `${f.summary.slice(0, FINDING_LOG.summaryLimit - 1)}…` : f.summary,
    ...definedOnly(valuesOf?.(f)),
  }));
}

/** A value that was not measured is left out, not written as a key without a value. */
function definedOnly(values: DashboardValues | undefined): DashboardValues {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, v]) => v !== undefined));
}

/**
 * Writes one JSON line per finding (Lambda sends stdout to CloudWatch Logs, where Logs Insights
 * reads JSON lines field by field). Returns the lines' total size in bytes. Deployed functions
 * only: `--local --json` runs keep stdout for the report.
 */
export function writeFindingLog(
  write: (line: string) => void,
  job: Job,
  findings: readonly Finding[],
  valuesOf?: DashboardValuesOf,
): number {
  let bytes = 0;
  for (const record of findingLogRecords(job, findings, valuesOf)) {
    const line = `${JSON.stringify(record)}\n`;
    bytes += Buffer.byteLength(line);
    write(line);
  }
  return bytes;
}
