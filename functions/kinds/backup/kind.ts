import { defineKind, observedNumber } from '../../core/kinds/contract.js';

/** Findings of the backup job (a dump, or the health job's freshness look at the newest backup). */
export const kind = defineKind({
  name: 'backup',
  matrix: {
    /** Failed, or the newest backup is older than maxAge. */
    failed: { critical: 'high' },
    /** A Lambda backup that took over 60% of the function's timeout: it will soon stop finishing. */
    duration: { warning: 'low' },
  },
  /** Archive size and wall time of a backup, and its database (`observed.database`, else the check name). */
  dashboardValues(finding) {
    const database =
      typeof finding.observed?.database === 'string' && finding.observed.database ? finding.observed.database : finding.check;
    return { sizeBytes: observedNumber(finding, 'sizeBytes'), durationMs: observedNumber(finding, 'durationMs'), database };
  },
});
