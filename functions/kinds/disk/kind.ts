import { defineKind, observedNumber } from '../../core/kinds/contract.js';

/** Findings of the disk job: space or inode use of one mount of one server. */
export const kind = defineKind({
  name: 'disk',
  matrix: {
    usage: { warning: 'medium', critical: 'high', description: 'space or inode use of a filesystem over its %' },
  },
  /** Space used on the mount (`observed.usedPercent`, or the disk script's `usedPct`). */
  dashboardValues: (finding) => ({ usedPercent: observedNumber(finding, 'usedPercent', 'usedPct') }),
});
