import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { selfSignedCertificate, startHttpServer, startHttpsServer, type TestHttpServer } from '../support/http-servers.js';
import { runAutopilot } from '../support/cli.js';
import { freePort, PostgresCluster } from '../support/postgres-cluster.js';

let http: TestHttpServer;
let tlsSoon: TestHttpServer;
let tlsVerySoon: TestHttpServer;
let cluster: PostgresCluster;
let closedPort: number;
let dir: string;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-cli-'));
  http = await startHttpServer({
    '/ok': { status: 200, body: 'OK' },
    '/down': { status: 503, body: 'Service Unavailable' },
    '/wrong-body': { status: 200, body: 'maintenance' },
    '/json': { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'DOWN', db: { ok: true } }) },
    '/slow': { status: 200, body: 'OK', delayMs: 300 },
    '/hang': { hang: true },
  });
  const soon = selfSignedCertificate(20);
  const verySoon = selfSignedCertificate(3);
  tlsSoon = await startHttpsServer({ '/': { status: 200, body: 'OK' } }, soon);
  tlsVerySoon = await startHttpsServer({ '/': { status: 200, body: 'OK' } }, verySoon);
  caFile = join(dir, 'test-ca.pem');
  writeFileSync(caFile, soon.cert + verySoon.cert);
  cluster = await PostgresCluster.start();
  closedPort = await freePort();
});

afterAll(async () => {
  await Promise.all([http?.close(), tlsSoon?.close(), tlsVerySoon?.close(), cluster?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function config() {
  const pg = { host: '127.0.0.1', port: cluster.port, user: cluster.superuser, database: 'postgres', timeout: '5s', ssl: false };
  return {
    targets: {
      web: {
        health: [
          { name: 'ok', url: http.url('/ok'), expect: { bodyContains: 'OK' } },
          { name: 'down', url: http.url('/down') },
          { name: 'wrong-body', url: http.url('/wrong-body'), expect: { bodyContains: 'OK' } },
          { name: 'json', url: http.url('/json'), expect: { json: { status: 'OK', 'db.ok': true } } },
          { name: 'slow-warning', url: http.url('/slow'), responseTime: { warning: '150ms', critical: '2s' } },
          { name: 'slow-critical', url: http.url('/slow'), responseTime: { warning: '100ms', critical: '200ms' } },
          { name: 'refused', url: `http://127.0.0.1:${closedPort}/health` },
          { name: 'timeout', url: http.url('/hang'), timeout: '500ms' },
          { name: 'cert-warning', url: tlsSoon.url('/'), certificate: { warningDays: 30, criticalDays: 7 } },
          { name: 'cert-critical', url: tlsVerySoon.url('/'), certificate: { warningDays: 30, criticalDays: 7 } },
        ],
      },
      db: {
        postgres: [
          { name: 'reachable', ...pg, password: cluster.password, checks: { connections: { warning: 90, critical: 95 } } },
          { name: 'unreachable', ...pg, port: closedPort, password: cluster.password },
          { name: 'wrong-password', ...pg, password: 'not-the-password-xyz' },
        ],
      },
    },
  };
}

describe('autopilot run health --local --json', () => {
  let report: Report;
  let raw: string;

  beforeAll(async () => {
    const file = join(dir, 'ops.config.json');
    writeFileSync(file, JSON.stringify(config()));
    // The self-signed certificates are trusted only through Node's extra-CA option, for this run.
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', file, '--store', join(dir, 'store')], {
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(result.code, result.stderr).toBe(0);
    raw = result.stdout;
    report = JSON.parse(result.stdout) as Report;
  }, 120_000);

  const severityOf = (target: string, check: string) => report.findings.find((f) => f.target === target && f.check === check)?.severity;

  it('prints one contract report', () => {
    expect(report.job).toBe('health');
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    expect(report.findings).toHaveLength(13);
    for (const f of report.findings) expect(['http', 'postgres']).toContain(f.kind);
  });

  it.each([
    ['web', 'ok', 'ok'],
    ['web', 'down', 'critical'],
    ['web', 'wrong-body', 'critical'],
    ['web', 'json', 'critical'],
    ['web', 'slow-warning', 'medium'],
    ['web', 'slow-critical', 'high'],
    ['web', 'refused', 'critical'],
    ['web', 'timeout', 'critical'],
    ['web', 'cert-warning', 'low'],
    ['web', 'cert-critical', 'high'],
    ['db', 'reachable', 'ok'],
    ['db', 'unreachable', 'high'],
    ['db', 'wrong-password', 'high'],
  ])('%s/%s is %s', (target, check, severity) => {
    expect(severityOf(target, check)).toBe(severity);
  });

  it('says why, and never prints the password it tried', () => {
    const finding = report.findings.find((f) => f.check === 'wrong-password')!;
    expect(finding.summary).toMatch(/authentication|password/i);
    expect(raw).not.toContain('not-the-password-xyz');
    expect(raw).not.toContain(cluster.password);
    expect(report.findings.find((f) => f.check === 'down')!.summary).toContain('503');
  });

  it('alerts on the second failing run, one message per severity', async () => {
    const file = join(dir, 'ops.config.json');
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', file, '--store', join(dir, 'store')], {
      NODE_EXTRA_CA_CERTS: caFile,
    });
    const second = JSON.parse(result.stdout) as Report;
    const topics = second.notifications.map((n) => n.topic).sort();
    expect(topics).toEqual(['critical', 'high', 'low', 'medium']);
    const critical = second.notifications.find((n) => n.topic === 'critical')!;
    for (const check of ['down', 'wrong-body', 'json', 'refused', 'timeout']) expect(critical.message).toContain(`web/${check}`);
  }, 120_000);

  it('rejects an untrusted certificate without the test CA', async () => {
    const file = join(dir, 'tls-only.json');
    writeFileSync(file, JSON.stringify({ targets: { web: { health: [{ name: 'tls', url: tlsSoon.url('/') }] } } }));
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', file, '--store', join(dir, 'store2')]);
    const finding = (JSON.parse(result.stdout) as Report).findings[0]!;
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toMatch(/certificate|TLS/i);
  });
});

describe('autopilot usage and config errors', () => {
  it('exits 2 naming the field of a malformed config', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ targets: { mycats: { health: [{ url: 'not a url' }] } } }));
    const result = await runAutopilot(['run', 'health', '--local', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('targets.mycats.health[0].url: invalid URL');
  });

  it('exits 2 on an unknown --target, naming it', async () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ targets: { mycats: { health: [{ url: http.url('/ok') }] } } }));
    const result = await runAutopilot(['run', 'health', '--local', '--config', file, '--target', 'mycat']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target[0]: unknown target "mycat"');
  });

  it('exits 2 on an unknown job and on a config that is not JSON', async () => {
    expect((await runAutopilot(['run', 'reboot', '--local'])).code).toBe(2);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "targets": ');
    const result = await runAutopilot(['run', 'health', '--local', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not valid JSON/);
  });
});
