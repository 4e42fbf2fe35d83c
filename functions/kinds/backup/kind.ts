import { FINDING_METRICS } from '../../core/observability/metric-names.js';
import { defineKind, observedNumber } from '../kind.js';

const { backupSize, backupDuration } = FINDING_METRICS;

/** Findings of the backup job (a dump, or the health job's freshness look at the newest backup). */
export const kind = defineKind({
  name: 'backup',
  matrix: {
    /** Failed, or the newest backup is older than maxAge. */
    failed: { critical: 'high' },
    /** A Lambda backup that took over 60% of the function's timeout: it will soon stop finishing. */
    duration: { warning: 'low' },
  },
  /** `BackupSizeBytes` and `BackupDurationMs` per backed-up database (`observed.database`, else the check name). */
  metrics(finding) {
    const size = observedNumber(finding, 'sizeBytes');
    const duration = observedNumber(finding, 'durationMs');
    const values = [
      ...(size === undefined ? [] : [{ name: backupSize.name, unit: backupSize.unit, value: size }]),
      ...(duration === undefined ? [] : [{ name: backupDuration.name, unit: backupDuration.unit, value: duration }]),
    ];
    const database =
      typeof finding.observed?.database === 'string' && finding.observed.database ? finding.observed.database : finding.check;
    if (!values.length) return [];
    return [{ dimensions: { [backupSize.dimensions[0]]: finding.target, [backupSize.dimensions[1]]: database }, values }];
  },
});
