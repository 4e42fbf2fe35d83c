import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Finding } from '../domain/finding.js';
import type { Job } from '../domain/report.js';
import { SEVERITIES } from '../domain/severity.js';
import { kindNamed } from '../../kinds/catalog.js';
import { FINDING_METRICS, METRICS_NAMESPACE, type FindingMetricUnit } from './metric-names.js';

export { DIMENSION, FINDING_METRICS, METRICS_NAMESPACE } from './metric-names.js';

/** One EMF record: a set of dimension values and the metrics measured under them. */
export interface MetricRecord {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<{ readonly name: string; readonly unit: FindingMetricUnit; readonly value: number }>;
}

/**
 * The finding metrics' emitter: namespace `OpsAutopilot`, and no default dimension (Powertools
 * adds `service` unless told otherwise, which would put the function's name into every
 * dimension set and make the dashboard's queries depend on it).
 */
export function createFindingMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
  metrics.clearDefaultDimensions();
  return metrics;
}

/** The singleton a deployed function records its findings with. */
export const metrics = createFindingMetrics();

/**
 * What one run's findings are worth as metrics (pure):
 *
 * - `CheckOutcome` per severity that occurred, under Job and Severity (no zeros: CloudWatch bills
 *   a custom metric for each hour it receives data, and the dashboard fills the gaps with 0);
 * - then what each finding's kind says it is worth (functions/kinds/<kind>/kind.ts `metrics`):
 * - `ResponseTime` per HTTP check that got an answer, under Target and Check;
 * - `BackupSizeBytes` and `BackupDurationMs` per backed-up database, under Target and Database
 *   (`observed.database`, else the check name);
 * - `DiskUsedPercent` per server mount, under Target and Check.
 *
 * Findings without the measured value (a refused connection, a failed dump) add no datapoint:
 * the outcome counts and the alerts carry those.
 */
export function findingMetricRecords(job: Job, findings: readonly Finding[]): MetricRecord[] {
  const { checkOutcome } = FINDING_METRICS;
  const counts = new Map(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const records: MetricRecord[] = SEVERITIES.filter((severity) => counts.get(severity)! > 0).map((severity) => ({
    dimensions: { [checkOutcome.dimensions[0]]: job, [checkOutcome.dimensions[1]]: severity },
    values: [{ name: checkOutcome.name, unit: checkOutcome.unit, value: counts.get(severity)! }],
  }));

  for (const f of findings) records.push(...(kindNamed(f.kind)?.metrics?.(f) ?? []));
  return records;
}

/**
 * Writes one run's finding metrics as EMF records (one JSON line each on stdout, which Lambda
 * sends to CloudWatch Logs, which turns them into metrics). Returns the records written.
 *
 * An EMF record carries one value per dimension, so each set of dimension values is its own
 * record and this publishes as it goes; nothing is left stored for `publishStoredMetrics()`.
 * Metrics stored in `emitter` before the call are published first, under their own dimensions.
 * Call it in deployed functions only: `--local --json` runs must keep stdout for the report.
 */
export function recordFindingMetrics(emitter: Metrics, job: Job, findings: readonly Finding[]): MetricRecord[] {
  if (emitter.hasStoredMetrics()) emitter.publishStoredMetrics();
  const records = findingMetricRecords(job, findings);
  for (const record of records) {
    for (const [name, value] of Object.entries(record.dimensions)) emitter.addDimension(name, value);
    for (const v of record.values) emitter.addMetric(v.name, v.unit, v.value);
    emitter.publishStoredMetrics();
  }
  return records;
}
