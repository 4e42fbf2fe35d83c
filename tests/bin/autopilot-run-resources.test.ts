import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';

// `autopilot run disk --local` runs the disk and the resources checks on this machine, as a user runs it.
const dir = mkdtempSync(join(tmpdir(), 'autopilot-resources-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function config(servers: Record<string, unknown>): string {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(
    path,
    JSON.stringify({ alerting: { consecutiveFailures: 1 }, targets: { web: { servers: { tags: { App: 'web' }, ...servers } } } }),
  );
  return path;
}

async function runDisk(servers: Record<string, unknown>) {
  const state = join(dir, `host-state-${files}`);
  mkdirSync(state, { mode: 0o700 });
  return runAutopilot(['run', 'disk', '--local', '--json', '--config', config(servers), '--store', join(dir, `store-${files}`)], {
    AUTOPILOT_STATE_DIR: state,
  });
}

describe('autopilot run disk --local with servers.resources', () => {
  it('rates CPU and memory High at a critical level of 0 %, with the measured values, and ok at 100 %', async () => {
    const high = await runDisk({ resources: { cpu: { warning: 0, critical: 0 }, memory: { warning: 0, critical: 0 } } });
    expect(high.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(high.stdout) as Report;
    const cpu = report.findings.find((f) => f.check.endsWith('/cpu'))!;
    const memory = report.findings.find((f) => f.check.endsWith('/memory'))!;
    expect(cpu).toMatchObject({ target: 'web', kind: 'resources', severity: 'high' });
    expect(cpu.observed!.cpuPct).toBeTypeOf('number');
    expect(cpu.summary).toMatch(/CPU [\d.]+% busy in a 1 s sample \(no earlier sample on this host; .*\(warning 0%, critical 0%\)$/);
    expect(memory).toMatchObject({ kind: 'resources', severity: 'high' });
    expect(memory.observed!.memoryPct as number).toBeGreaterThan(0);
    expect(memory.summary).toMatch(/memory [\d.]+% in use, .* available of .* \(by MemAvailable\) \(warning 0%, critical 0%\)$/);
    expect(report.notifications.map((n) => n.topic)).toEqual(['high']);

    const ok = await runDisk({ resources: { cpu: { warning: 100, critical: 100 }, memory: { warning: 100, critical: 100 } } });
    const okReport = JSON.parse(ok.stdout) as Report;
    for (const name of ['cpu', 'memory', 'swap', 'load']) {
      const finding = okReport.findings.find((f) => f.check.endsWith(`/${name}`))!;
      expect(finding.severity, `${name}: ${finding.summary}`).toBe('ok');
    }
  }, 180_000);

  it('refuses an invalid extended regular expression with exit 2 naming the field', async () => {
    const path = config({
      security: { logPatterns: [{ path: '/var/log/nginx/access.log', pattern: '" 50[0-9 "', regex: true, warning: 10 }] },
    });
    const result = await runAutopilot(['run', 'security', '--local', '--json', '--config', path]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^autopilot: invalid config: targets\.web\.servers\.security\.logPatterns\[0\]\.pattern: /);
    expect(result.stderr).toContain(
      'invalid extended regular expression (as grep -E reads it): "[" opens a bracket expression that no "]" closes',
    );
    expect(result.stdout).toBe('');
  }, 120_000);

  it('refuses a process with two of match, unit and pm2, and a maxRss that is not a size, naming each field', async () => {
    const path = config({
      processes: [
        { name: 'api', match: 'node', unit: 'api.service' },
        { name: 'worker', match: 'worker', maxRss: 'lots' },
      ],
    });
    const result = await runAutopilot(['run', 'disk', '--local', '--json', '--config', path]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(
      'targets.web.servers.processes[0].unit: give exactly one of "match", "unit" or "pm2", not "match" and "unit"',
    );
    expect(result.stderr).toContain('targets.web.servers.processes[1].maxRss: invalid size');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
