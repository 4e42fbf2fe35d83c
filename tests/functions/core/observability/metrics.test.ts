import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../../../../functions/core/domain/finding.js';
import {
  createFindingMetrics,
  findingMetricRecords,
  metrics,
  recordFindingMetrics,
} from '../../../../functions/core/observability/metrics.js';

interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>;
  };
  [key: string]: unknown;
}

const findings: Finding[] = [
  {
    target: 'mycats',
    check: 'api',
    kind: 'http',
    severity: 'ok',
    summary: '200 in 123 ms',
    observed: { status: 200, responseTimeMs: 123 },
  },
  { target: 'mycats', check: 'cats', kind: 'http', severity: 'high', summary: 'slow', observed: { status: 200, responseTimeMs: 3456.5 } },
  {
    target: 'mycats',
    check: 'frontend',
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
    check: 'db',
    kind: 'backup',
    severity: 'ok',
    summary: 'backed up',
    observed: { database: 'db', sizeBytes: 52_428_800, durationMs: 8123 },
  },
  { target: 'cafemuji', check: 'backup:reports', kind: 'backup', severity: 'ok', summary: 'backed up', observed: { sizeBytes: 1024 } },
  {
    target: 'cafemuji',
    check: 'backup:old',
    kind: 'backup',
    severity: 'high',
    summary: 'pg_dump failed',
    observed: { error: 'server version mismatch' },
  },
  {
    target: 'task-manager',
    check: 'i-0abc/disk:/',
    kind: 'disk',
    severity: 'medium',
    summary: '/ 83% used',
    observed: { host: 'i-0abc', mount: '/', usedPct: 83, inodesPct: 4 },
  },
  {
    target: 'task-manager',
    check: 'i-0abc/disk:/data',
    kind: 'disk',
    severity: 'ok',
    summary: '/data 41% used',
    observed: { usedPercent: 41 },
  },
  {
    target: 'task-manager',
    check: 'i-0abc/disk:/gone',
    kind: 'disk',
    severity: 'low',
    summary: 'could not check',
    observed: { path: '/gone' },
  },
];

describe('recordFindingMetrics', () => {
  let lines: string[];
  let warnings: unknown[][];

  beforeEach(() => {
    lines = [];
    warnings = [];
    // Powertools writes each EMF record with a Console bound to process.stdout.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push([String(chunk)]);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const emitted = (): EmfRecord[] => lines.map((line) => JSON.parse(line) as EmfRecord);

  /** Each record as [dimension names, { dimension: value }, [[metric, unit, value]]]. */
  const summarise = (records: EmfRecord[]) =>
    records.map((r) => {
      const [directive] = r._aws.CloudWatchMetrics;
      expect(r._aws.CloudWatchMetrics).toHaveLength(1);
      expect(directive!.Namespace).toBe('OpsAutopilot');
      expect(directive!.Dimensions).toHaveLength(1);
      const names = directive!.Dimensions[0]!;
      return [names, Object.fromEntries(names.map((n) => [n, r[n]])), directive!.Metrics.map((m) => [m.Name, m.Unit, r[m.Name]])];
    });

  it('writes one EMF record per set of dimension values, with the exact names, units and values', () => {
    const records = recordFindingMetrics(createFindingMetrics(), 'health', findings);
    const out = emitted();
    expect(out).toHaveLength(records.length);
    expect(warnings).toEqual([]);
    expect(summarise(out)).toEqual([
      [['Job', 'Severity'], { Job: 'health', Severity: 'ok' }, [['CheckOutcome', 'Count', 4]]],
      [['Job', 'Severity'], { Job: 'health', Severity: 'low' }, [['CheckOutcome', 'Count', 1]]],
      [['Job', 'Severity'], { Job: 'health', Severity: 'medium' }, [['CheckOutcome', 'Count', 2]]],
      [['Job', 'Severity'], { Job: 'health', Severity: 'high' }, [['CheckOutcome', 'Count', 2]]],
      [['Job', 'Severity'], { Job: 'health', Severity: 'critical' }, [['CheckOutcome', 'Count', 1]]],
      [['Target', 'Check'], { Target: 'mycats', Check: 'api' }, [['ResponseTime', 'Milliseconds', 123]]],
      [['Target', 'Check'], { Target: 'mycats', Check: 'cats' }, [['ResponseTime', 'Milliseconds', 3456.5]]],
      [
        ['Target', 'Database'],
        { Target: 'cafemuji', Database: 'db' },
        [
          ['BackupSizeBytes', 'Bytes', 52_428_800],
          ['BackupDurationMs', 'Milliseconds', 8123],
        ],
      ],
      [['Target', 'Database'], { Target: 'cafemuji', Database: 'backup:reports' }, [['BackupSizeBytes', 'Bytes', 1024]]],
      [['Target', 'Check'], { Target: 'task-manager', Check: 'i-0abc/disk:/' }, [['DiskUsedPercent', 'Percent', 83]]],
      [['Target', 'Check'], { Target: 'task-manager', Check: 'i-0abc/disk:/data' }, [['DiskUsedPercent', 'Percent', 41]]],
    ]);
  });

  it('keeps no service dimension and nothing else in the record but dimensions and metrics', () => {
    recordFindingMetrics(createFindingMetrics(), 'disk', findings.slice(7, 8));
    const disk = emitted().find((r) => 'DiskUsedPercent' in r)!;
    const { _aws, ...rest } = disk;
    expect(rest).toEqual({ Target: 'task-manager', Check: 'i-0abc/disk:/', DiskUsedPercent: 83 });
    expect(Math.abs(_aws.Timestamp - Date.now())).toBeLessThan(60_000);
  });

  it('writes no outcome for a severity that did not occur, and nothing for a run without findings', () => {
    recordFindingMetrics(createFindingMetrics(), 'security', findings.slice(0, 2));
    expect(
      emitted()
        .filter((r) => 'CheckOutcome' in r)
        .map((r) => [r.Job, r.Severity, r.CheckOutcome]),
    ).toEqual([
      ['security', 'ok', 1],
      ['security', 'high', 1],
    ]);
    lines.length = 0;
    expect(recordFindingMetrics(createFindingMetrics(), 'security', [])).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('leaves nothing stored, so a handler may still call publishStoredMetrics() at the end', () => {
    const emitter = createFindingMetrics();
    recordFindingMetrics(emitter, 'health', findings);
    expect(emitter.hasStoredMetrics()).toBe(false);
  });

  it('publishes metrics stored before the call under their own dimensions first', () => {
    const emitter = createFindingMetrics();
    emitter.addDimension('Flavour', 'earlier');
    emitter.addMetric('Earlier', 'Count', 7);
    recordFindingMetrics(emitter, 'health', findings.slice(0, 1));
    const [first, second] = emitted();
    expect(first!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Flavour']]);
    expect(first!.Earlier).toBe(7);
    expect(first).not.toHaveProperty('CheckOutcome');
    expect(second!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Job', 'Severity']]);
    expect(second).not.toHaveProperty('Flavour');
  });

  it('has a module singleton in the OpsAutopilot namespace without default dimensions', () => {
    recordFindingMetrics(metrics, 'backup', findings.slice(4, 5));
    const backup = emitted().find((r) => 'BackupSizeBytes' in r)!;
    expect(backup._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'OpsAutopilot',
      Dimensions: [['Target', 'Database']],
      Metrics: [
        { Name: 'BackupSizeBytes', Unit: 'Bytes' },
        { Name: 'BackupDurationMs', Unit: 'Milliseconds' },
      ],
    });
  });
});

describe('findingMetricRecords', () => {
  it('ignores values that are not finite numbers', () => {
    const odd: Finding[] = [
      { target: 't', check: 'a', kind: 'http', severity: 'ok', summary: '', observed: { responseTimeMs: '12' } },
      { target: 't', check: 'b', kind: 'http', severity: 'ok', summary: '', observed: { responseTimeMs: Number.NaN } },
      { target: 't', check: 'c', kind: 'disk', severity: 'ok', summary: '', observed: { usedPct: null } },
      { target: 't', check: 'd', kind: 'backup', severity: 'ok', summary: '', observed: { sizeBytes: Infinity } },
      { target: 't', check: 'e', kind: 'security', severity: 'ok', summary: '', observed: { usedPct: 50, responseTimeMs: 5 } },
    ];
    const records = findingMetricRecords('health', odd);
    expect(records).toEqual([
      { dimensions: { Job: 'health', Severity: 'ok' }, values: [{ name: 'CheckOutcome', unit: 'Count', value: 5 }] },
    ]);
  });
});
