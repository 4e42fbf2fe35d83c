import { FINDING_METRICS } from '../../core/observability/metric-names.js';
import { defineKind, observedNumber } from '../kind.js';

const { diskUsed } = FINDING_METRICS;

/** Findings of the disk job: space or inode use of one mount of one server. */
export const kind = defineKind({
  name: 'disk',
  matrix: {
    usage: { warning: 'medium', critical: 'high' },
  },
  /** `DiskUsedPercent` per server mount (`observed.usedPercent`, or the disk script's `usedPct`). */
  metrics(finding) {
    const used = observedNumber(finding, 'usedPercent', 'usedPct');
    if (used === undefined) return [];
    return [
      {
        dimensions: { [diskUsed.dimensions[0]]: finding.target, [diskUsed.dimensions[1]]: finding.check },
        values: [{ name: diskUsed.name, unit: diskUsed.unit, value: used }],
      },
    ];
  },
});
