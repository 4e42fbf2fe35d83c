import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedPassword } from '../../../../functions/core/adapters/local/local-secrets.js';
import type { Report } from '../../../../functions/core/domain/report.js';
import { ConfigError } from '../../../../functions/core/errors.js';
import { findingLogRecords } from '../../../../functions/core/observability/finding-log.js';
import { classifyRule, dashboardValuesOf } from '../../../../functions/kinds/catalog.js';
import { validateConfig } from '../../../../functions/kinds/config.js';
import { probeDns } from '../../../../functions/kinds/dns/probe.js';
import { dnsCheckSchema } from '../../../../functions/kinds/dns/schema.js';
import { collectHealthFindings } from '../../../../functions/health/collect-health-findings.js';
import { healthIntervals } from '../../../../lib/health/health-plan.js';
import { runAutopilot } from '../../../support/cli.js';
import { DnsTestServer } from '../../../support/dns-server.js';

const ZONE = {
  'shop.example': {
    A: ['192.0.2.10', '192.0.2.11'],
    AAAA: ['2001:db8::10'],
    MX: ['20 mx2.shop.example', '10 mx1.shop.example'],
    TXT: ['v=spf1 include:_spf.example -all'],
    NS: ['ns1.shop.example'],
  },
  'www.shop.example': { CNAME: ['shop.example'] },
  'empty.shop.example': { TXT: ['only text here'] },
};

let server: DnsTestServer;
let silent: DnsTestServer;
let dir: string;

beforeAll(async () => {
  server = await DnsTestServer.start(ZONE, { servfail: ['broken.shop.example'] });
  silent = await DnsTestServer.start({});
  silent.silent = true;
  dir = mkdtempSync(join(tmpdir(), 'autopilot-dns-'));
});
afterAll(async () => {
  await Promise.all([server?.close(), silent?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const check = (over: Record<string, unknown>) => dnsCheckSchema.parse({ host: 'shop.example', resolver: server.address, ...over });

function issuesOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('dns config (targets.<t>.dns[])', () => {
  it('fills the defaults: type A, every 5m, timeout 5s, the system resolver', () => {
    const config = validateConfig({ targets: { shop: { dns: [{ host: 'shop.example' }] } } });
    expect(config.targets.shop?.dns).toEqual([{ host: 'shop.example', type: 'A', every: '5m', timeout: '5s' }]);
  });

  it('names the field of each bad value', () => {
    const issues = issuesOf({
      targets: {
        shop: {
          dns: [
            { host: 'bad host' },
            { host: 'shop.example', type: 'SRV' },
            { host: 'shop.example', resolver: 'dns.google:53' },
            { host: 'shop.example', resolver: '127.0.0.1:99999' },
            { host: 'shop.example', expect: [] },
          ],
        },
      },
    });
    expect(issues).toEqual([
      'targets.shop.dns[0].host: invalid host (a DNS name)',
      expect.stringMatching(/^targets\.shop\.dns\[1\]\.type: invalid type \(use A, AAAA, CNAME, MX, TXT, NS\)/),
      expect.stringMatching(/^targets\.shop\.dns\[2\]\.resolver: invalid resolver/),
      expect.stringMatching(/^targets\.shop\.dns\[3\]\.resolver: invalid resolver/),
      expect.stringMatching(/^targets\.shop\.dns\[4\]\.expect: /),
    ]);
    expect(issuesOf({ targets: { shop: { dns: [{ host: 'shop.example', every: '5m', timeout: '10m' }] } } })).toEqual([
      "targets.shop.dns[0].timeout: timeout (10m) must not exceed every (5m), the check's interval",
    ]);
  });

  it('derives a check name from the host and the type, and refuses two alike in a target', () => {
    const config = validateConfig({ targets: { shop: { dns: [{ host: 'shop.example' }, { host: 'shop.example.', type: 'MX' }] } } });
    expect(config.targets.shop?.dns?.map((d) => d.type)).toEqual(['A', 'MX']);
    expect(issuesOf({ targets: { shop: { dns: [{ host: 'shop.example' }, { host: 'shop.example' }] } } })).toEqual([
      'targets.shop.dns[1].name: duplicate check name "shop.example" in target shop',
    ]);
  });
});

describe('probeDns against a DNS server on loopback', () => {
  it.each([
    ['A', ['192.0.2.11'], 'A 192.0.2.10, 192.0.2.11'],
    ['AAAA', ['2001:0db8:0000::0010'], 'AAAA 2001:db8::10'],
    ['MX', ['mx1.shop.example.', '20 mx2.shop.example'], 'MX 10 mx1.shop.example, 20 mx2.shop.example'],
    ['TXT', ['v=spf1 include:_spf.example -all'], 'TXT v=spf1 include:_spf.example -all'],
    ['NS', ['NS1.shop.example'], 'NS ns1.shop.example'],
  ])('%s: ok when every expected value is answered, listing the answers', async (type, expected, answered) => {
    const finding = await probeDns('shop', check({ type, expect: expected }));
    expect(finding).toMatchObject({ target: 'shop', kind: 'dns', severity: 'ok' });
    expect(finding.summary).toMatch(new RegExp(`^${answered.replace(/[.+]/g, '\\$&')} in \\d+(\\.\\d)? m?s$`));
    expect(finding.observed?.responseTimeMs).toEqual(expect.any(Number));
  });

  it('CNAME answers the canonical name', async () => {
    const finding = await probeDns('shop', check({ host: 'www.shop.example', type: 'CNAME', expect: ['shop.example'] }));
    expect(finding).toMatchObject({ check: 'www.shop.example-cname', severity: 'ok', observed: { answers: ['shop.example'] } });
  });

  it('is high when an expected value is missing, naming it and listing what was answered', async () => {
    const finding = await probeDns('shop', check({ expect: ['192.0.2.10', '198.51.100.7'] }));
    expect(finding.severity).toBe('high');
    expect(finding.summary).toBe('A shop.example: expected 198.51.100.7 missing (answers: 192.0.2.10, 192.0.2.11)');
    expect(finding.observed).toMatchObject({ missing: ['198.51.100.7'], answers: ['192.0.2.10', '192.0.2.11'] });
  });

  it('is high on NXDOMAIN, on no answer of the type, and on SERVFAIL, each said so', async () => {
    const nx = await probeDns('shop', check({ host: 'nope.shop.example' }));
    expect(nx).toMatchObject({ severity: 'high', observed: { error: 'ENOTFOUND' } });
    expect(nx.summary).toBe(`NXDOMAIN: nope.shop.example does not exist (${server.address})`);
    const none = await probeDns('shop', check({ host: 'empty.shop.example' }));
    expect(none).toMatchObject({ severity: 'high', observed: { error: 'ENODATA' } });
    expect(none.summary).toBe(`no A answer for empty.shop.example (${server.address})`);
    const fail = await probeDns('shop', check({ host: 'broken.shop.example' }));
    expect(fail).toMatchObject({ severity: 'high', observed: { error: 'ESERVFAIL' } });
    expect(fail.summary).toBe(`SERVFAIL for broken.shop.example from ${server.address}`);
  });

  it('is high on a resolver that never answers, within the check timeout, having asked once', async () => {
    const before = silent.queries;
    const started = Date.now();
    const finding = await probeDns('shop', check({ resolver: silent.address, timeout: '1s' }));
    expect(finding).toMatchObject({ severity: 'high', observed: { error: 'ETIMEOUT' } });
    expect(finding.summary).toBe(`timeout after 1 s: no answer from ${silent.address}`);
    // Bounded by the check's timeout (with room for a loaded machine), not the resolver library's 4 tries with back-off.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(silent.queries - before).toBeGreaterThanOrEqual(1);
  });

  it('stops at the health job deadline', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    const finding = await probeDns('shop', check({ resolver: silent.address, timeout: '30s' }), { signal: controller.signal });
    expect(finding).toMatchObject({ severity: 'high', observed: { error: 'ABORTED' } });
  });
});

describe('dns through the registry', () => {
  it('reads its one matrix row from the kind: high', () => {
    expect(classifyRule('dns.resolve', 'critical')).toBe('high');
    expect(classifyRule('dns.resolve', 'warning')).toBe('high');
  });

  it('runs in the health job, is planned onto its schedules, and puts the answer time on its dashboard line', async () => {
    const config = validateConfig({
      targets: { shop: { dns: [{ host: 'shop.example', resolver: server.address, every: '1m', expect: ['192.0.2.10'] }] } },
    });
    expect(healthIntervals(config)).toEqual(['1m']);
    const findings = await collectHealthFindings(config, { secrets: fixedPassword(undefined) });
    expect(findings.map((f) => [f.target, f.check, f.kind, f.severity])).toEqual([['shop', 'shop.example', 'dns', 'ok']]);
    const [line] = findingLogRecords('health', findings, dashboardValuesOf);
    expect(line?.responseTimeMs).toEqual(expect.any(Number));
  });
});

describe('autopilot run health --local --json with dns checks', () => {
  it('is ok when the expected address is answered, high on NXDOMAIN and on a silent resolver within its timeout', async () => {
    const file = join(dir, 'dns.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: {
          shop: {
            dns: [
              { name: 'apex', host: 'shop.example', resolver: server.address, expect: ['192.0.2.10'] },
              { name: 'typo', host: 'shpo.example', resolver: server.address },
              { name: 'silent', host: 'shop.example', resolver: silent.address, timeout: '2s' },
            ],
          },
        },
      }),
    );
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', file, '--store', join(dir, 'store')]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.check, f.kind, f.severity])).toEqual([
      ['apex', 'dns', 'ok'],
      ['typo', 'dns', 'high'],
      ['silent', 'dns', 'high'],
    ]);
    expect(report.findings[1]?.summary).toBe(`NXDOMAIN: shpo.example does not exist (${server.address})`);
    expect(report.findings[2]?.summary).toBe(`timeout after 2 s: no answer from ${silent.address}`);
  });
});
