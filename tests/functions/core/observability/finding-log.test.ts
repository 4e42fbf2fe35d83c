import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../functions/core/domain/finding.js';
import { FINDING_LOG, findingLogRecords, writeFindingLog } from '../../../../functions/core/observability/finding-log.js';
import { dashboardValuesOf } from '../../../../functions/kinds/catalog.js';

const findings: Finding[] = [
  {
    target: 'mycats',
    check: 'api',
    kind: 'http',
    severity: 'ok',
    summary: '200 in 123 ms',
    observed: { status: 200, responseTimeMs: 123 },
  },
  {
    target: 'mycats',
    check: 'front',
    kind: 'http',
    severity: 'critical',
    summary: 'connection refused',
    observed: { error: 'ECONNREFUSED' },
  },
  {
    target: 'mycats',
    check: 'db',
    kind: 'postgres',
    severity: 'medium',
    summary: '85% of max_connections',
    observed: { connectionsPercent: 85 },
  },
  {
    target: 'cafemuji',
    check: 'cafemuji',
    kind: 'backup',
    severity: 'ok',
    summary: 'backed up',
    observed: { database: 'cafemuji', sizeBytes: 52_428_800, durationMs: 8123 },
  },
  { target: 'vm', check: 'web-1/disk:/', kind: 'disk', severity: 'high', summary: '93% used', observed: { usedPct: 93 } },
  { target: 'vm', check: 'web-1/ssh', kind: 'security', severity: 'low', summary: 'x'.repeat(500) },
];

describe('the finding log lines the dashboard reads', () => {
  it('carry target, check, kind, severity and its rank, and the kind’s measured values under the names the queries use', () => {
    const records = findingLogRecords('health', findings, dashboardValuesOf);
    expect(records).toHaveLength(findings.length);
    expect(records[0]).toEqual({
      message: FINDING_LOG.message,
      job: 'health',
      target: 'mycats',
      check: 'api',
      kind: 'http',
      severity: 'ok',
      rank: 0,
      summary: '200 in 123 ms',
      responseTimeMs: 123,
    });
    // No answer, no response time: the line carries the failure, not a made-up value.
    expect(records[1]).toMatchObject({ severity: 'critical', rank: 4 });
    expect(records[1]?.responseTimeMs).toBeUndefined();
    // Kinds without dashboard values add nothing of their observed fields.
    expect(records[2]).not.toHaveProperty('connectionsPercent');
    expect(records[3]).toMatchObject({ sizeBytes: 52_428_800, durationMs: 8123, database: 'cafemuji', rank: 0 });
    // The disk script's usedPct is read as usedPercent.
    expect(records[4]).toMatchObject({ usedPercent: 93, rank: 3 });
  });

  it('carry no measured values when the caller gives no way to read them (core knows no kind)', () => {
    const [line] = findingLogRecords('health', findings.slice(0, 1));
    expect(line).not.toHaveProperty('responseTimeMs');
    expect(line).toMatchObject({ target: 'mycats', kind: 'http', rank: 0 });
  });

  it('cut long summaries to the table cell’s limit', () => {
    const summary = findingLogRecords('security', findings.slice(5))[0]!.summary;
    expect(summary).toHaveLength(FINDING_LOG.summaryLimit);
    expect(summary.endsWith('…')).toBe(true);
  });

  it('are written one JSON line each, and their bytes counted', () => {
    const lines: string[] = [];
    const bytes = writeFindingLog((line) => lines.push(line), 'health', findings);
    expect(lines).toHaveLength(findings.length);
    expect(lines.every((l) => l.endsWith('\n') && JSON.parse(l).message === FINDING_LOG.message)).toBe(true);
    expect(bytes).toBe(lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0));
    // undefined values vanish in JSON: a failed probe's line has no responseTimeMs key at all.
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('responseTimeMs');
  });
});
