import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost, type CostInputs } from '../../../scripts/cost/estimate.js';
import { FREE_TIER, PRICES } from '../../../scripts/cost/prices.js';
import { renderMarkdown, usd } from '../../../scripts/cost/render.js';

const inputs: CostInputs = {
  prices: PRICES,
  freeTier: FREE_TIER,
  functions: [
    {
      label: 'health, every 1m',
      group: 'probes',
      everyMinutes: 1,
      schedules: 1,
      durationMs: 250,
      memoryMb: 512,
      coldStartsPerDay: 24,
      initDurationMs: 200,
      logBytesPerRun: 1000,
      s3PerRun: { gets: 1, puts: 1, lists: 0 },
      stateBytesPerRun: 2000,
    },
    {
      label: 'backup | daily',
      group: 'suite',
      everyMinutes: 1440,
      schedules: 2,
      durationMs: 60_000,
      memoryMb: 1024,
      coldStartsPerDay: 1440,
      initDurationMs: 1000,
      logBytesPerRun: 1000,
      s3PerRun: { gets: 2, puts: 131, lists: 1 },
      stateBytesPerRun: 0,
    },
  ],
  topics: [{ topic: 'critical', publishesPerMonth: 4, emailSubscribers: 1, smsSubscribers: 1 }],
  backups: { sizeGb: 1, backupsPerDay: 1, retentionDays: [30, 30] },
  bucket: { noncurrentVersionDays: 7, accessLogBytesPerRequest: 500, accessLogRetentionDays: 90 },
  logRetentionMonths: 3,
  kms: { keys: 1, requestsPerMonth: 4 },
  observability: { customMetrics: 12, alarms: 9, dashboards: 1 },
  synthetics: {
    canaries: [{ name: 'a', everyMinutes: 1, latencyAlarm: true }],
    durationMs: 3000,
    memoryMb: 1000,
    artifactPutsPerRun: 3,
    artifactBytesPerRun: 30_000,
    artifactRetentionDays: 30,
    logBytesPerRun: 2000,
  },
  route53: { checks: [{ name: 'a', kind: 'http', nonAws: true, https: true, stringMatch: false, latency: true, fastInterval: false }] },
};

describe('usd', () => {
  it('shows cents, sub-cent amounts to four places, and zero plainly', () => {
    expect(usd(12.345)).toBe('$12.35');
    expect(usd(0.00123)).toBe('$0.0012');
    expect(usd(0)).toBe('$0');
    expect(usd(-1.5)).toBe('-$1.50');
  });
});

describe('renderMarkdown', () => {
  it('prints one table row per cost row with the totals of each column, then the inputs', () => {
    const estimate = estimateMonthlyCost(inputs);
    const notes = { measured: ['m-note'], fromConfig: ['c-note'], fromStack: ['s-note'], assumed: ['a-note'] };
    const text = renderMarkdown(estimate, inputs, notes, PRICES);
    const tableRows = text.split('\n').filter((l) => l.startsWith('| '));
    // header + 2 section rows + cost rows + probes subtotal + suite subtotal + total + without stored backups + free tier + after it
    expect(tableRows).toHaveLength(1 + 2 + estimate.rows.length + 6);
    for (const r of estimate.rows) expect(text).toContain(`| ${r.component.replace(/\|/g, '\\|')} |`);
    const totalRow = tableRows.find((l) => l.startsWith('| **Total, list prices**'))!;
    expect(totalRow).toContain(usd(estimate.total.ops));
    expect(totalRow).toContain(usd(estimate.total.synthetics));
    expect(totalRow).toContain(usd(estimate.total.route53));
    const suiteRow = tableRows.find((l) => l.startsWith("| Of which the suite itself: everything but the stored backups' bytes"))!;
    expect(suiteRow).toContain(usd(estimate.total.ops - estimate.storedBackups));
    expect(estimate.storedBackups).toBeGreaterThan(0);
    for (const note of ['m-note', 'c-note', 's-note', 'a-note']) expect(text).toContain(`  - ${note}`);
    expect(text).toContain('2026-11');
  });
});
