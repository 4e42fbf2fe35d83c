/**
 * The custom CloudWatch metrics the job functions emit (EMF, through Powertools Metrics) and the
 * dashboard reads. One table for both sides, so a renamed metric or dimension cannot drift apart.
 *
 * Dimension sets are kept to two names each: every distinct combination of dimension values is
 * a billed custom metric, so there is no per-function or per-run dimension.
 */
export const METRICS_NAMESPACE = 'OpsAutopilot';

export const DIMENSION = {
  job: 'Job',
  severity: 'Severity',
  target: 'Target',
  check: 'Check',
  database: 'Database',
} as const;

export type DimensionName = (typeof DIMENSION)[keyof typeof DIMENSION];

/** CloudWatch units, spelled as Powertools' `MetricUnit` values. */
export type FindingMetricUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'Percent';

export interface FindingMetricDefinition {
  readonly name: string;
  readonly unit: FindingMetricUnit;
  readonly dimensions: readonly [DimensionName, DimensionName];
}

export const FINDING_METRICS = {
  /** Findings of one run per severity, per job (only severities that occurred). */
  checkOutcome: { name: 'CheckOutcome', unit: 'Count', dimensions: [DIMENSION.job, DIMENSION.severity] },
  /** Time to the response headers of an HTTP check (`observed.responseTimeMs`). */
  responseTime: { name: 'ResponseTime', unit: 'Milliseconds', dimensions: [DIMENSION.target, DIMENSION.check] },
  /** Size of a stored backup archive (`observed.sizeBytes`); the database is its check name. */
  backupSize: { name: 'BackupSizeBytes', unit: 'Bytes', dimensions: [DIMENSION.target, DIMENSION.database] },
  /** Wall time of one backup, dump to verified manifest (`observed.durationMs`). */
  backupDuration: { name: 'BackupDurationMs', unit: 'Milliseconds', dimensions: [DIMENSION.target, DIMENSION.database] },
  /** Space used on one mount of one server (`observed.usedPercent`, or the disk job's `usedPct`); Check is `<host>/disk:<mount>`. */
  diskUsed: { name: 'DiskUsedPercent', unit: 'Percent', dimensions: [DIMENSION.target, DIMENSION.check] },
} as const satisfies Record<string, FindingMetricDefinition>;
