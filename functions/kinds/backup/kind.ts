import { defineKind, observedNumber } from '../../core/kinds/contract.js';

/** Findings of the backup job (a dump, or the health job's freshness look at the newest backup). */
export const kind = defineKind({
  name: 'backup',
  matrix: {
    failed: { critical: 'high', description: 'a backup failed, or the newest verified backup is older than maxAge' },
    /** It will soon stop finishing: time to run it on Fargate. */
    duration: { warning: 'low', description: "a Lambda backup took over 60% of the function's timeout" },
    /** A build without zstd makes larger archives, slower: the backup stands, the operator hears why once. */
    compression: {
      warning: 'low',
      description: 'the default compression fell back (zstd, then lz4, then gzip:1): this pg_dump cannot write zstd',
    },
  },
  /** Archive size and wall time of a backup, and its database (`observed.database`, else the check name). */
  dashboardValues(finding) {
    const database =
      typeof finding.observed?.database === 'string' && finding.observed.database ? finding.observed.database : finding.check;
    return { sizeBytes: observedNumber(finding, 'sizeBytes'), durationMs: observedNumber(finding, 'durationMs'), database };
  },
});
