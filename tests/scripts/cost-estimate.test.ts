import { describe, expect, it } from 'vitest';
import {
  estimateMonthlyCost,
  FREE_TIER,
  PRICES,
  type Canary,
  type CostInputs,
  type FunctionUsage,
  type Route53Check,
} from '../../scripts/cost-estimate.js';

const MINUTES_A_MONTH = 30 * 24 * 60;
const GIB = 1024 ** 3;

function fn(overrides: Partial<FunctionUsage> = {}): FunctionUsage {
  return {
    label: 'health, every 1m',
    group: 'probes',
    everyMinutes: 1,
    schedules: 1,
    durationMs: 200,
    memoryMb: 512,
    coldStartsPerDay: 0,
    initDurationMs: 0,
    logBytesPerRun: 0,
    s3PerRun: { gets: 0, puts: 0, lists: 0 },
    stateBytesPerRun: 0,
    ...overrides,
  };
}

/** Everything zero but what a test sets. */
function inputs(overrides: Partial<CostInputs> = {}): CostInputs {
  return {
    prices: PRICES,
    freeTier: FREE_TIER,
    functions: [],
    topics: [],
    backups: { sizeGb: 0, backupsPerDay: 1, retentionDays: [] },
    bucket: { noncurrentVersionDays: 0, accessLogBytesPerRequest: 0, accessLogRetentionDays: 0 },
    logRetentionMonths: 0,
    kms: { keys: 0, requestsPerMonth: 0 },
    observability: { customMetrics: 0, alarms: 0, dashboards: 0 },
    synthetics: {
      canaries: [],
      durationMs: 0,
      memoryMb: 1000,
      artifactPutsPerRun: 0,
      artifactBytesPerRun: 0,
      artifactRetentionDays: 0,
      logBytesPerRun: 0,
    },
    route53: { checks: [] },
    ...overrides,
  };
}

const check = (overrides: Partial<Route53Check> = {}): Route53Check => ({
  name: 'x',
  kind: 'http',
  nonAws: false,
  https: false,
  stringMatch: false,
  latency: false,
  fastInterval: false,
  ...overrides,
});

describe('estimateMonthlyCost', () => {
  it('bills a probe every minute as 43,200 Lambda requests, GB-seconds and Scheduler invocations a month', () => {
    const estimate = estimateMonthlyCost(inputs({ functions: [fn({ durationMs: 200, memoryMb: 512 })] }));
    const runs = MINUTES_A_MONTH / 1;
    expect(runs).toBe(43_200);
    expect(estimate.usage.healthRuns).toBe(runs);
    const gbSeconds = runs * 0.2 * 0.5;
    expect(estimate.usage.lambdaGbSeconds).toBeCloseTo(gbSeconds, 6);
    const expected =
      (runs / 1e6) * PRICES.lambdaPerMillionRequests +
      gbSeconds * PRICES.lambdaArmGbSecond +
      (runs / 1e6) * PRICES.schedulerPerMillionInvocations;
    expect(estimate.probes.ops).toBeCloseTo(expected, 10);
    expect(estimate.total.ops).toBeCloseTo(expected, 10);
  });

  it('counts runs per schedule and interval: every 5 minutes is 8,640, five daily schedules are 150', () => {
    const estimate = estimateMonthlyCost(
      inputs({
        functions: [
          fn({ everyMinutes: 5 }),
          fn({ label: 'backup', group: 'suite', everyMinutes: 24 * 60, schedules: 5, durationMs: 60_000, memoryMb: 1024 }),
        ],
      }),
    );
    expect(estimate.usage.healthRuns).toBe(MINUTES_A_MONTH / 5);
    expect(estimate.usage.lambdaRequests).toBe(MINUTES_A_MONTH / 5 + 5 * 30);
    const backupRow = estimate.rows.find((r) => r.component === 'Lambda: backup')!;
    const backupGbS = 150 * 60 * 1;
    expect(backupRow.ops!.usd).toBeCloseTo(backupGbS * PRICES.lambdaArmGbSecond + (150 / 1e6) * PRICES.lambdaPerMillionRequests, 10);
  });

  it('rounds each run up to the billed millisecond and adds the INIT of cold starts, at most one per run', () => {
    const every = fn({ durationMs: 100.2, memoryMb: 1024, coldStartsPerDay: 24, initDurationMs: 250 });
    const daily = fn({
      label: 'digest',
      group: 'suite',
      everyMinutes: 24 * 60,
      durationMs: 1000,
      memoryMb: 1024,
      coldStartsPerDay: 1440,
      initDurationMs: 250,
    });
    const estimate = estimateMonthlyCost(inputs({ functions: [every, daily] }));
    const invoke = 43_200 * 0.101 + 30 * 1;
    const init = 24 * 30 * 0.25 + 30 * 0.25;
    expect(estimate.usage.lambdaGbSeconds).toBeCloseTo(invoke + init, 6);
    const initRow = estimate.rows.find((r) => r.component === 'Cold starts (billed INIT)')!;
    expect(initRow.ops!.usd).toBeCloseTo(24 * 30 * 0.25 * PRICES.lambdaArmGbSecond, 10);
  });

  it('prices S3 state requests, noncurrent versions and CloudWatch Logs with their retention', () => {
    const f = fn({ s3PerRun: { gets: 1, puts: 1, lists: 1 }, stateBytesPerRun: 2048, logBytesPerRun: 1000 });
    const estimate = estimateMonthlyCost(
      inputs({
        functions: [f],
        bucket: { noncurrentVersionDays: 7, accessLogBytesPerRequest: 0, accessLogRetentionDays: 0 },
        logRetentionMonths: 3,
      }),
    );
    const runs = 43_200;
    const s3Row = estimate.rows.find((r) => r.group === 'probes' && r.component.startsWith('S3'))!;
    const versionsGb = ((runs / 30) * 7 * 2048) / GIB;
    expect(s3Row.ops!.usd).toBeCloseTo(
      (runs / 1000) * PRICES.s3GetPer1k + ((2 * runs) / 1000) * PRICES.s3PutPer1k + versionsGb * PRICES.s3StandardGbMonth,
      10,
    );
    const logsRow = estimate.rows.find((r) => r.group === 'probes' && r.component === 'CloudWatch Logs')!;
    const logGb = (runs * 1000) / GIB;
    expect(logsRow.ops!.usd).toBeCloseTo(logGb * PRICES.logsIngestionPerGb + logGb * 3 * PRICES.logsStoragePerGbMonth, 10);
  });

  it('prices a canary per check per run, with its own x86 Lambda time, artifacts and alarms', () => {
    const canaries: Canary[] = [
      { name: 'a', everyMinutes: 1, latencyAlarm: true },
      { name: 'b', everyMinutes: 5, latencyAlarm: false },
    ];
    const synthetics = {
      canaries,
      durationMs: 2000,
      memoryMb: 1024,
      artifactPutsPerRun: 2,
      artifactBytesPerRun: 0,
      artifactRetentionDays: 30,
      logBytesPerRun: 0,
    };
    const estimate = estimateMonthlyCost(inputs({ synthetics }));
    const runs = 43_200 + 8_640;
    expect(estimate.usage.canaryRuns).toBe(runs);
    const expected =
      runs * PRICES.syntheticsPerCanaryRun +
      runs * 2 * 1 * PRICES.lambdaX86GbSecond +
      (runs / 1e6) * PRICES.lambdaPerMillionRequests +
      ((runs * 2) / 1000) * PRICES.s3PutPer1k +
      3 * PRICES.cloudwatchAlarmMonth;
    expect(estimate.probes.synthetics).toBeCloseTo(expected, 8);
  });

  it('prices Route 53 checks by endpoint kind and optional features, plus their alarms', () => {
    const checks = [
      check({ nonAws: true, https: true, stringMatch: true, latency: true }),
      check({ nonAws: false, https: true }),
      check({ kind: 'tcp', nonAws: true }),
    ];
    const estimate = estimateMonthlyCost(inputs({ route53: { checks } }));
    const base = PRICES.route53NonAwsEndpointCheck * 2 + PRICES.route53AwsEndpointCheck;
    const features = 3 * PRICES.route53NonAwsOptionalFeature + 1 * PRICES.route53AwsOptionalFeature;
    const alarms = (3 + 1) * PRICES.cloudwatchAlarmMonth;
    expect(estimate.probes.route53).toBeCloseTo(base + features + alarms, 10);
    // One AWS-endpoint check is within Route 53's free 50; the alarms within CloudWatch's free 10.
    expect(estimate.freeTier.route53).toBeCloseTo(PRICES.route53AwsEndpointCheck + alarms, 10);
  });

  it('keeps every backup for its database retention and adds the rest of the suite to every column', () => {
    const estimate = estimateMonthlyCost(
      inputs({
        backups: { sizeGb: 2, backupsPerDay: 1, retentionDays: [30, 7] },
        kms: { keys: 1, requestsPerMonth: 0 },
        observability: { customMetrics: 20, alarms: 15, dashboards: 1 },
        topics: [{ topic: 'critical', publishesPerMonth: 10, emailSubscribers: 2, smsSubscribers: 1 }],
        route53: { checks: [check()] },
      }),
    );
    const storage = (2 * 30 + 2 * 7) * PRICES.s3StandardGbMonth;
    const sns = (10 / 1e6) * PRICES.snsPerMillionPublishes + (20 / 100_000) * PRICES.snsEmailPer100k + 10 * PRICES.snsSmsPerMessage;
    const rest =
      storage +
      sns +
      PRICES.kmsKeyMonth +
      15 * PRICES.cloudwatchAlarmMonth +
      20 * PRICES.cloudwatchMetricMonth +
      PRICES.cloudwatchDashboardMonth;
    expect(estimate.usage.backupGbMonth).toBe(74);
    expect(estimate.storedBackups).toBeCloseTo(storage, 10);
    expect(estimate.restOfSuite).toBeCloseTo(rest, 10);
    expect(estimate.total.ops).toBeCloseTo(estimate.probes.ops + rest, 10);
    expect(estimate.total.synthetics).toBeCloseTo(estimate.probes.synthetics + rest, 10);
    expect(estimate.total.route53).toBeCloseTo(estimate.probes.route53 + rest, 10);
  });

  it('makes the rows add up to the totals in every column', () => {
    const estimate = estimateMonthlyCost(
      inputs({
        functions: [
          fn({ s3PerRun: { gets: 1, puts: 1, lists: 0 }, logBytesPerRun: 900 }),
          fn({ label: 'disk', group: 'suite', everyMinutes: 60 }),
        ],
        backups: { sizeGb: 1, backupsPerDay: 1, retentionDays: [30] },
        observability: { customMetrics: 3, alarms: 4, dashboards: 1 },
        synthetics: {
          canaries: [{ name: 'a', everyMinutes: 1, latencyAlarm: false }],
          durationMs: 1000,
          memoryMb: 1000,
          artifactPutsPerRun: 1,
          artifactBytesPerRun: 1000,
          artifactRetentionDays: 30,
          logBytesPerRun: 100,
        },
        route53: { checks: [check({ https: true })] },
        logRetentionMonths: 3,
      }),
    );
    const sum = (column: 'ops' | 'synthetics' | 'route53', group: 'probes' | 'suite') =>
      estimate.rows.filter((r) => r.group === group).reduce((s, r) => s + (r[column]?.usd ?? 0), 0);
    for (const column of ['ops', 'synthetics', 'route53'] as const) expect(sum(column, 'probes')).toBeCloseTo(estimate.probes[column], 10);
    expect(sum('ops', 'suite')).toBeCloseTo(estimate.restOfSuite, 10);
    for (const column of ['ops', 'synthetics', 'route53'] as const)
      expect(estimate.totalAfterFreeTier[column]).toBeCloseTo(estimate.total[column] - estimate.freeTier[column], 10);
  });

  it('takes the always-free allowances off: a small Lambda workload costs nothing after them', () => {
    const estimate = estimateMonthlyCost(
      inputs({
        functions: [fn()],
        synthetics: { ...inputs().synthetics, canaries: [{ name: 'a', everyMinutes: 1, latencyAlarm: false }] },
      }),
    );
    // 43,200 requests and 4,320 GB-s are inside 1M requests and 400,000 GB-s; Scheduler inside 14M.
    expect(estimate.total.ops).toBeGreaterThan(0);
    expect(estimate.totalAfterFreeTier.ops).toBeCloseTo(0, 10);
    // Synthetics: only the first 100 canary runs are free (and one alarm, inside the free 10).
    expect(estimate.freeTier.synthetics).toBeCloseTo(
      100 * PRICES.syntheticsPerCanaryRun + PRICES.cloudwatchAlarmMonth + (43_200 / 1e6) * PRICES.lambdaPerMillionRequests,
      10,
    );
  });

  it('follows the prices it is given', () => {
    const base = inputs({ functions: [fn()] });
    const doubled = estimateMonthlyCost({ ...base, prices: { ...PRICES, lambdaArmGbSecond: PRICES.lambdaArmGbSecond * 2 } });
    const single = estimateMonthlyCost(base);
    const computeRow = (e: typeof single) => e.rows.find((r) => r.component === 'Compute')!.ops!.usd;
    expect(computeRow(doubled)).toBeCloseTo(2 * computeRow(single), 12);
  });
});

describe('the recorded figures (npm run cost -- --record, rendered by npm run docs)', () => {
  it('render the table docs/operating.md shows, with the run they came from', async () => {
    const { readRecordedFigures, renderRecordedCostTable } = await import('../../scripts/cost/recorded.js');
    const { readFileSync } = await import('node:fs');
    const figures = readRecordedFigures();
    expect(figures.config).toBe('examples/runbooks.config.ts');
    expect(figures.measurement.worker.intervals.map((i) => i.samples.length)).toEqual([30, 30]);
    const table = await renderRecordedCostTable(figures);
    expect(table).toMatch(/^\| Component \(per month\) \| ops-autopilot \|/);
    expect(table).toContain('**Total, list prices**');
    expect(table).toContain(`all on this machine's CPU (${figures.arch})`);
    const operating = readFileSync(new URL('../../docs/operating.md', import.meta.url), 'utf8');
    expect(operating).toContain(table.trim());
  });

  it('render what they are given: another stack shows in the table without measuring again', async () => {
    const { readRecordedFigures, renderRecordedCostTable } = await import('../../scripts/cost/recorded.js');
    const figures = readRecordedFigures();
    const before = await renderRecordedCostTable(figures);
    const moreAlarms = await renderRecordedCostTable({ ...figures, stack: { ...figures.stack!, alarms: figures.stack!.alarms + 10 } });
    expect(moreAlarms).not.toBe(before);
    expect(moreAlarms).toContain(`alarms: the stack's ${figures.stack!.alarms + 10}`);
  });
});
