import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';

let http: TestHttpServer;
let dir: string;
let failing: string;
let healthy: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-fail-on-'));
  http = await startHttpServer({ '/ok': { status: 200, body: 'OK' }, '/down': { status: 503, body: 'down' } });
  failing = join(dir, 'failing.json');
  healthy = join(dir, 'healthy.json');
  writeFileSync(
    failing,
    JSON.stringify({
      targets: {
        web: {
          health: [
            { name: 'ok', url: http.url('/ok') },
            { name: 'down', url: http.url('/down') },
          ],
        },
      },
    }),
  );
  writeFileSync(healthy, JSON.stringify({ targets: { web: { health: [{ name: 'ok', url: http.url('/ok') }] } } }));
});

afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (config: string, ...flags: string[]) =>
  runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', join(dir, 'store'), ...flags]);

describe('--fail-on <severity>', () => {
  it('exits 3 when a finding is at or above it, still printing the whole report', async () => {
    const result = await run(failing, '--fail-on', 'high');
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.check, f.severity])).toEqual([
      ['ok', 'ok'],
      ['down', 'critical'],
    ]);
    expect(result.stderr).toContain('--fail-on high: 1 finding(s) at or above high, worst critical web/down');
  });

  it('exits 0 when every finding is below it, and without the flag whatever was found', async () => {
    expect((await run(healthy, '--fail-on', 'low')).code).toBe(0);
    expect((await run(failing)).code).toBe(0);
  });

  it('is a usage error (exit 2) naming the flag for a bad or missing value', async () => {
    const bad = await run(failing, '--fail-on', 'severe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on: expected one of low, medium, high, critical, got "severe"');
    expect(bad.stdout).toBe('');
    const missing = await runAutopilot(['run', 'health', '--local', '--config', failing, '--fail-on']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--fail-on');
    const ok = await run(failing, '--fail-on', 'ok');
    expect(ok.code).toBe(2);
  });
});
