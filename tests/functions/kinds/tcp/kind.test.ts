import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../../functions/core/domain/report.js';
import { ConfigError } from '../../../../functions/core/errors.js';
import { findingLogRecords } from '../../../../functions/core/observability/finding-log.js';
import { collectHealthFindings } from '../../../../functions/health/collect-health-findings.js';
import { consoleTestEvents, targetsForJob } from '../../../../lib/console/test-events.js';
import { healthIntervals, healthTimeoutSeconds } from '../../../../lib/health/health-plan.js';
import { runAutopilot } from '../../../support/cli.js';
import { selfSignedCertificate } from '../../../support/http-servers.js';
import { freePort } from '../../../support/postgres-cluster.js';
import { type LoopbackServer, startTcpServer, startTlsServer } from './support.js';
import { fixedPassword } from '../../../../functions/core/adapters/local/local-secrets.js';
import { validateConfig } from '../../../../functions/kinds/config.js';
import { classifyRule, dashboardValuesOf } from '../../../../functions/kinds/catalog.js';

const noSecrets = fixedPassword(undefined);

function issuesOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

let open: LoopbackServer;
let tlsServer: LoopbackServer;
let closedPort: number;
let dir: string;
let caFile: string;

beforeAll(async () => {
  open = await startTcpServer();
  const certificate = selfSignedCertificate(90);
  tlsServer = await startTlsServer(certificate);
  closedPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'autopilot-tcp-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certificate.cert);
});
afterAll(async () => {
  await Promise.all([open?.close(), tlsServer?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tcp config (targets.<t>.tcp[])', () => {
  it('fills the defaults: every 5m, timeout 10s, no TLS', () => {
    const config = validateConfig({ targets: { shop: { tcp: [{ host: 'db.internal', port: 6379 }] } } });
    expect(config.targets.shop?.tcp).toEqual([{ host: 'db.internal', port: 6379, every: '5m', timeout: '10s', tls: false }]);
  });

  it('names the field of each bad value', () => {
    const issues = issuesOf({
      targets: {
        shop: {
          tcp: [
            { host: 'db', port: 70000 },
            { host: 'bad host', port: 22 },
            { port: 22 },
            { host: 'db', port: 22, tls: { certificate: { warningDays: 5, criticalDays: 9 } } },
            { host: 'db', port: 22, tls: { serverName: 'x y' } },
            { host: 'db', port: 22, every: 'often' },
            { host: 'db', port: 22, verify: true },
          ],
        },
      },
    });
    expect(issues).toEqual([
      expect.stringMatching(/^targets\.shop\.tcp\[0\]\.port: /),
      'targets.shop.tcp[1].host: invalid host',
      expect.stringMatching(/^targets\.shop\.tcp\[2\]\.host: /),
      expect.stringMatching(/^targets\.shop\.tcp\[4\]\.tls\.serverName: invalid serverName/),
      expect.stringMatching(/^targets\.shop\.tcp\[5\]\.every: invalid duration/),
      expect.stringMatching(/^targets\.shop\.tcp\[6\]: .*verify/),
    ]);
    expect(
      issuesOf({ targets: { shop: { tcp: [{ host: 'db', port: 22, tls: { certificate: { warningDays: 5, criticalDays: 9 } } }] } } }),
    ).toEqual(['targets.shop.tcp[0].tls.certificate.criticalDays: criticalDays must not exceed warningDays']);
  });

  it('refuses a tcp check named like another check of the target', () => {
    const issues = issuesOf({
      targets: { shop: { health: [{ name: 'api', url: 'https://shop.example.com/' }], tcp: [{ name: 'api', host: 'db', port: 22 }] } },
    });
    expect(issues).toEqual(['targets.shop.tcp[0].name: duplicate check name "api" in target shop']);
  });
});

describe('tcp through the registry', () => {
  it('runs in the health job beside HTTP checks, one finding each, in config order', async () => {
    const config = validateConfig({
      targets: {
        shop: {
          tcp: [
            { name: 'redis', host: '127.0.0.1', port: open.port },
            { name: 'gone', host: '127.0.0.1', port: closedPort },
          ],
        },
        quiet: { tcp: [{ host: '127.0.0.1', port: tlsServer.port, tls: true }] },
      },
    });
    const findings = await collectHealthFindings(config, { secrets: noSecrets, http: { ca: readFileSync(caFile) } });
    expect(findings.map((f) => [f.target, f.check, f.kind, f.severity])).toEqual([
      ['shop', 'redis', 'tcp', 'ok'],
      ['shop', 'gone', 'tcp', 'high'],
      ['quiet', `127.0.0.1-${tlsServer.port}`, 'tcp', 'ok'],
    ]);
  });

  it('reads its matrix rows from the kind: no connection high, certificate low/high', () => {
    expect(classifyRule('tcp.connect', 'critical')).toBe('high');
    expect(classifyRule('tcp.certificate', 'warning')).toBe('low');
    expect(classifyRule('tcp.certificate', 'critical')).toBe('high');
  });

  it('is planned onto the health schedules and the function timeout', () => {
    const config = validateConfig({
      targets: { shop: { health: [{ url: 'https://shop.example.com/' }], tcp: [{ host: 'db', port: 22, every: '1h', timeout: '200s' }] } },
    });
    expect(healthIntervals(config)).toEqual(['5m', '1h']);
    expect(healthTimeoutSeconds(config)).toBe(230);
    const bad = validateConfig({ targets: { shop: { tcp: [{ host: 'db', port: 22, every: '30s' }] } } });
    expect(() => healthIntervals(bad)).toThrow(/targets\.shop\.tcp\[0\]\.every: "30s" cannot be scheduled/);
  });

  it('gives a target with only tcp checks its console test events', () => {
    const config = validateConfig({ targets: { cache: { tcp: [{ name: 'redis', host: 'db', port: 6379 }] }, other: {} } });
    expect(targetsForJob(config, 'health')).toEqual(['cache']);
    expect(consoleTestEvents(config, 'health').map((e) => e.name)).toEqual(['all-now', 'cache-now']);
  });

  it('puts the time to an open connection on its dashboard line, nothing for a refused one', () => {
    const [open, refused] = findingLogRecords(
      'health',
      [
        { target: 'cache', check: 'redis', kind: 'tcp', severity: 'ok', summary: '', observed: { connectMs: 1.5, responseTimeMs: 1.5 } },
        { target: 'cache', check: 'gone', kind: 'tcp', severity: 'high', summary: '', observed: { error: 'ECONNREFUSED' } },
      ],
      dashboardValuesOf,
    );
    expect(open).toMatchObject({ target: 'cache', check: 'redis', kind: 'tcp', responseTimeMs: 1.5 });
    expect(refused).not.toHaveProperty('responseTimeMs');
  });
});

describe('autopilot run health --local --json with tcp checks', () => {
  it('reports an open loopback port ok and a closed one high', async () => {
    const file = join(dir, 'tcp.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: {
          loop: {
            tcp: [
              { name: 'open', host: '127.0.0.1', port: open.port },
              { name: 'closed', host: '127.0.0.1', port: closedPort },
              { name: 'tls', host: '127.0.0.1', port: tlsServer.port, tls: true },
            ],
          },
        },
      }),
    );
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', file, '--store', join(dir, 'store')], {
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.check, f.kind, f.severity])).toEqual([
      ['open', 'tcp', 'ok'],
      ['closed', 'tcp', 'high'],
      ['tls', 'tcp', 'ok'],
    ]);
    expect(report.findings[1]?.summary).toBe('no connection: connection refused');
    expect(report.findings[2]?.summary).toMatch(/, certificate valid \d+ more days$/);
  });
});
