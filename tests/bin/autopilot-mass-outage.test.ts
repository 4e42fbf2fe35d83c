import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNS_MESSAGE_LIMIT } from '../../functions/core/alerts/text.js';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { freePort } from '../support/postgres-cluster.js';

/**
 * Issue 19 item 1, as a user meets it: 2,000 targets with two TCP checks each (64-character names) against closed
 * loopback ports, through the real CLI. Before, the one HIGH notice came to 443,663 bytes (354 KB of it attributes):
 * SNS would have refused it and paged nobody.
 */
let dir: string;
let config: string;
const TARGETS = 2_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-mass-outage-'));
  const ports = [await freePort(), await freePort()];
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < TARGETS; i++) {
    const name = `target-${String(i).padStart(5, '0')}-${'x'.repeat(20)}`;
    targets[name] = {
      tcp: ports.map((port, j) => ({
        name: `${'check-name-'.padEnd(56, 'c')}-${String(i).padStart(5, '0')}-${j}`,
        host: '127.0.0.1',
        port,
      })),
    };
  }
  config = join(dir, 'ops.config.json');
  writeFileSync(config, JSON.stringify({ alerting: { consecutiveFailures: 1 }, targets }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a mass outage through the CLI', () => {
  it('2,000 targets x 2 failing TCP checks: every notification`s bytes under 262,144; the notice names the first targets', async () => {
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', join(dir, 'store')]);
    expect(result.code, result.stderr.slice(-2_000)).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.filter((f) => f.severity === 'high')).toHaveLength(2 * TARGETS);
    expect(report.notifications).toHaveLength(1);
    const [notice] = report.notifications;
    expect(notice!.bytes).toBeGreaterThan(100_000);
    expect(notice!.bytes).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT);
    expect(notice!.subject).toBe('[HIGH] 4000 alerts on 2000 targets: target-00000-xxxxxxxxxxxxxxxxxxxx +1999');
    expect(notice!.message).toMatch(/^Targets \(2000\): target-00000-x{20} \(2\), target-00001-x{20} \(2\), .*, and \d+ more$/m);
    expect(notice!.bodies!.json).toMatchObject({ counts: { alert: 4_000 }, omitted: expect.any(Number) });
    // The console prints the attributes as SNS would get them: the first targets, "*", and the count of the rest.
    expect(result.stderr).toMatch(/^Attributes: severity=high target=target-00000-x{20},.*,\* \(\d+ more\) check=/m);
  }, 300_000);
});
