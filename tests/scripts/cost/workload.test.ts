import { describe, expect, it } from 'vitest';
import { checkNameOf } from '../../../functions/core/config/schema.js';
import { runsPerMonth } from '../../../scripts/cost/estimate.js';
import type { HealthMeasurement } from '../../../scripts/cost/measure.js';
import type { RunSample } from '../../../scripts/cost/measure-worker.js';
import type { StackSettings } from '../../../scripts/cost/stack-settings.js';
import {
  billedMemoryMb,
  buildCostInputs,
  DEFAULT_ASSUMPTIONS,
  FULL_VCPU_MB,
  lambdaDurationMs,
  plannedAlarms,
} from '../../../scripts/cost/workload.js';
import { SCREEN_QUERIES } from '../../../lib/monitoring/screen-queries.js';
import type { Config } from '../../../functions/kinds/config.js';
import { loadConfigFile, validateConfig } from '../../../functions/kinds/config.js';

const sample = (wallMs: number, cpuMs: number, puts = 1, findingLogBytes = 1000): RunSample => ({
  wallMs,
  cpuMs,
  probesMs: wallMs - 10,
  s3: { gets: 1, puts, lists: 0, putBytes: 2000 },
  findingLogBytes,
});

function measurement(
  intervals: Array<{ every: string; checks: number; samples: RunSample[] }>,
  maxRssBytes = 100 * 1024 * 1024,
): HealthMeasurement {
  return {
    options: { serverLatencyMs: 80, roundTripMs: 20, runs: 2, warmup: 0 },
    postgresTls: true,
    worker: {
      initMs: 200,
      rssAfterInitBytes: 60 * 1024 * 1024,
      maxRssBytes,
      heapUsedAfterInitBytes: 10 * 1024 * 1024,
      maxHeapUsedBytes: 20 * 1024 * 1024,
      notifications: 0,
      intervals: intervals.map((i) => ({ ...i, notOk: [] })),
    },
  };
}

const stack = (overrides: Partial<StackSettings> = {}): StackSettings => ({
  functions: { health: { memoryMb: 1024, timeoutSeconds: 60 } },
  schedules: 2,
  alarms: 0,
  dashboards: 0,
  kmsKeys: 1,
  logRetentionDays: 90,
  noncurrentVersionDays: 7,
  ...overrides,
});

describe('lambdaDurationMs', () => {
  it('keeps wall time at a full vCPU and stretches only the CPU part below it', () => {
    expect(lambdaDurationMs({ wallMs: 100, cpuMs: 10 }, FULL_VCPU_MB)).toBe(100);
    expect(lambdaDurationMs({ wallMs: 100, cpuMs: 10 }, 512)).toBeCloseTo(100 + 10 * (FULL_VCPU_MB / 512 - 1), 10);
    expect(lambdaDurationMs({ wallMs: 100, cpuMs: 10 }, 4096)).toBe(100);
  });
});

describe('billedMemoryMb', () => {
  it('keeps the configured memory when the peak fits with 25 % to spare, else the next 128 MB step', () => {
    expect(billedMemoryMb(512, 100 * 1024 * 1024)).toBe(512);
    expect(billedMemoryMb(128, 200 * 1024 * 1024)).toBe(Math.ceil((200 * 1.25) / 128) * 128);
  });
});

describe('buildCostInputs on the example config', () => {
  const load = () => loadConfigFile('examples/runbooks.config.ts');

  it('prices one health function entry per measured interval, at the stack memory, from the measured samples', async () => {
    const config = await load();
    const health = measurement([
      { every: '1m', checks: 5, samples: [sample(100, 10), sample(120, 20)] },
      { every: '5m', checks: 8, samples: [sample(200, 30, 2), sample(220, 30, 2)] },
    ]);
    const { inputs } = buildCostInputs({ config, health, stack: stack() });
    const probes = inputs.functions.filter((f) => f.group === 'probes');
    expect(probes.map((f) => runsPerMonth(f))).toEqual([30 * 24 * 60, (30 * 24 * 60) / 5]);
    expect(probes.every((f) => f.memoryMb === 1024)).toBe(true);
    const expected1m = (lambdaDurationMs(sample(100, 10), 1024) + lambdaDurationMs(sample(120, 20), 1024)) / 2;
    expect(probes[0]!.durationMs).toBeCloseTo(expected1m, 10);
    expect(probes[1]!.s3PerRun.puts).toBe(2);
    expect(probes[0]!.initDurationMs).toBe(200);
    // Logs: the assumed platform lines plus the measured finding log lines of the run.
    expect(probes[0]!.logBytesPerRun).toBe(DEFAULT_ASSUMPTIONS.logBytesPerRun + 1000);
  });

  it('counts no custom metrics, and the dashboard looks and their queries for the Logs Insights scans', async () => {
    const config = await load();
    const health = measurement([{ every: '1m', checks: 5, samples: [sample(100, 10)] }]);
    const { inputs, notes } = buildCostInputs({ config, health, stack: undefined });
    expect(inputs.observability).toMatchObject({
      customMetrics: 0,
      dashboardViewsPerMonth: DEFAULT_ASSUMPTIONS.dashboardViewsPerMonth,
      dashboardQueries: Object.keys(SCREEN_QUERIES).length,
    });
    expect(notes.fromConfig.join('\n')).toContain('no custom metrics');
  });

  it('raises the billed memory when the measured peak does not fit the stack setting', async () => {
    const config = await load();
    const health = measurement([{ every: '1m', checks: 5, samples: [sample(100, 10)] }], 900 * 1024 * 1024);
    const { inputs } = buildCostInputs({ config, health, stack: stack({ functions: { health: { memoryMb: 512, timeoutSeconds: 60 } } }) });
    expect(inputs.functions[0]!.memoryMb).toBe(billedMemoryMb(512, 900 * 1024 * 1024));
    expect(inputs.functions[0]!.memoryMb).toBeGreaterThan(512);
  });

  it('derives canaries, Route 53 checks, backups and subscribers from the config', async () => {
    const config: Config = await load();
    const health = measurement([{ every: '1m', checks: 5, samples: [sample(100, 10)] }]);
    const { inputs } = buildCostInputs({ config, health, stack: undefined });
    const targets = Object.values(config.targets);
    const httpChecks = targets.flatMap((t) => t.health ?? []);
    const pgChecks = targets.flatMap((t) => t.postgres ?? []);
    expect(inputs.synthetics.canaries).toHaveLength(httpChecks.length + pgChecks.length);
    expect(inputs.route53.checks).toHaveLength(httpChecks.length + pgChecks.length);
    expect(inputs.route53.checks.filter((c) => c.kind === 'tcp')).toHaveLength(pgChecks.length);
    expect(inputs.route53.checks.filter((c) => c.https)).toHaveLength(httpChecks.filter((h) => h.url.startsWith('https:')).length);
    expect(inputs.route53.checks.filter((c) => c.stringMatch).map((c) => c.name.split('/')[1])).toEqual(
      httpChecks.filter((h) => h.expect?.bodyContains || h.expect?.json).map((h) => checkNameOf(h)),
    );
    expect(inputs.route53.checks.filter((c) => c.latency)).toHaveLength(httpChecks.filter((h) => h.responseTime).length);
    const backedUp = targets.flatMap((t) => [...(t.postgres ?? []), ...(t.sqlite ?? [])]).filter((d) => d.backup);
    expect(inputs.backups.retentionDays).toEqual(backedUp.map((d) => d.backup!.retentionDays));
    const backup = inputs.functions.find((f) => f.label.startsWith('backup'))!;
    expect(backup.schedules).toBe(backedUp.length);
    const critical = inputs.topics.find((t) => t.topic === 'critical')!;
    expect(critical.smsSubscribers).toBe((config.subscribers.critical ?? []).filter((s) => s.startsWith('+')).length);
    expect(critical.emailSubscribers).toBe((config.subscribers.critical ?? []).filter((s) => s.includes('@')).length);
  });

  it('gives a DNS check a canary but no Route 53 health check, and says how many were left out of that column', () => {
    const config = validateConfig({
      targets: {
        shop: {
          health: [{ name: 'web', url: 'https://shop.example.com/' }],
          dns: [{ host: 'shop.example.com' }, { host: 'shop.example.com', type: 'MX' }],
        },
      },
    });
    const health = measurement([{ every: '5m', checks: 3, samples: [sample(100, 10)] }]);
    const { inputs, notes } = buildCostInputs({ config, health, stack: undefined });
    expect(inputs.synthetics.canaries).toHaveLength(3);
    expect(inputs.route53.checks.map((c) => c.name)).toEqual(['shop/web']);
    expect(notes.assumed.join('\n')).toContain('2 DNS checks left out: Route 53 health checks cannot watch them');
  });

  it('uses the stack alarm count when the stack has alarms, else the planned count', async () => {
    const config = await load();
    const health = measurement([{ every: '1m', checks: 5, samples: [sample(100, 10)] }]);
    expect(buildCostInputs({ config, health, stack: stack({ alarms: 17 }) }).inputs.observability.alarms).toBe(17);
    const planned = buildCostInputs({ config, health, stack: stack() }).inputs.observability.alarms;
    // health, backup, disk, security, digest: errors and not-invoked each, plus the dead-letter queue
    expect(planned).toBe(plannedAlarms(5));
    expect(plannedAlarms(5)).toBe(11);
  });
});
