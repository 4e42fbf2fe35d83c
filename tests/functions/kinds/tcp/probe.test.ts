import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpCheckSchema } from '../../../../functions/kinds/tcp/schema.js';
import { probeTcp } from '../../../../functions/kinds/tcp/probe.js';
import { certificateDaysLeft } from '../../../../functions/kinds/probe-support.js';
import { selfSignedCertificate, type SelfSignedCertificate } from '../../../support/http-servers.js';
import { freePort } from '../../../support/postgres-cluster.js';
import { type LoopbackServer, startTcpServer, startTlsServer } from './support.js';

const check = (input: Record<string, unknown>) => tcpCheckSchema.parse({ host: '127.0.0.1', ...input });

let open: LoopbackServer;
let closedPort: number;
let long: SelfSignedCertificate;
let soon: SelfSignedCertificate;
let verySoon: SelfSignedCertificate;
let tlsLong: LoopbackServer;
let tlsSoon: LoopbackServer;
let tlsVerySoon: LoopbackServer;

beforeAll(async () => {
  open = await startTcpServer();
  closedPort = await freePort();
  [long, soon, verySoon] = [selfSignedCertificate(90), selfSignedCertificate(20), selfSignedCertificate(3)];
  [tlsLong, tlsSoon, tlsVerySoon] = await Promise.all([startTlsServer(long), startTlsServer(soon), startTlsServer(verySoon)]);
});
afterAll(async () => {
  await Promise.all([open, tlsLong, tlsSoon, tlsVerySoon].map((s) => s?.close()));
});

const trusted = () => [long, soon, verySoon].map((c) => c.cert).join('');

describe('probeTcp, plain connect', () => {
  it('reports an open port as ok with its connect time, named after host and port', async () => {
    const before = open.accepted();
    const finding = await probeTcp('shop', check({ port: open.port }));
    expect(finding).toMatchObject({ target: 'shop', check: `127.0.0.1-${open.port}`, kind: 'tcp', severity: 'ok' });
    expect(finding.summary).toMatch(/^connected in \d+ ms$/);
    expect(finding.observed).toMatchObject({ host: '127.0.0.1', port: open.port, tls: false });
    expect(finding.observed?.connectMs).toBeTypeOf('number');
    expect(finding.observed?.responseTimeMs).toBe(finding.observed?.connectMs);
    expect(open.accepted()).toBe(before + 1);
  });

  it('reports a closed port as high (no connection, CONTRACT section 4)', async () => {
    const finding = await probeTcp('shop', check({ name: 'gone', port: closedPort }));
    expect(finding).toMatchObject({ check: 'gone', kind: 'tcp', severity: 'high', summary: 'no connection: connection refused' });
    expect(finding.observed).toMatchObject({ error: 'ECONNREFUSED' });
    expect(finding.observed?.connectMs).toBeUndefined();
    expect(finding.observed?.responseTimeMs).toBeUndefined();
  });

  it('honours the check severity override', async () => {
    const finding = await probeTcp('shop', check({ port: closedPort, severity: { critical: 'critical' } }));
    expect(finding.severity).toBe('critical');
  });

  it('stops at the signal instead of hanging', async () => {
    const controller = new AbortController();
    controller.abort('deadline');
    const finding = await probeTcp('shop', check({ port: open.port, tls: true }), { signal: controller.signal });
    expect(finding.severity).toBe('high');
    expect(finding.summary).toContain('aborted: deadline');
  });
});

describe('probeTcp with tls', () => {
  it('completes a verified handshake and reports the certificate days left', async () => {
    const finding = await probeTcp('shop', check({ port: tlsLong.port, tls: true }), { ca: trusted() });
    const daysLeft = certificateDaysLeft(long.notAfter, new Date());
    expect(finding.severity).toBe('ok');
    expect(finding.summary).toMatch(new RegExp(`^connected in \\d+ ms, TLSv1\\.[23] in \\d+ ms, certificate valid ${daysLeft} more days$`));
    expect(finding.observed).toMatchObject({ tls: true, certificateDaysLeft: daysLeft, certificateSubject: '127.0.0.1' });
    expect(finding.observed?.handshakeMs).toBeTypeOf('number');
    expect(finding.observed?.certificateValidTo).toBe(long.notAfter.toISOString());
  });

  it('judges days left against 30 and 7 days by default: low under 30, high under 7', async () => {
    const warn = await probeTcp('shop', check({ port: tlsSoon.port, tls: true }), { ca: trusted() });
    expect(warn.severity).toBe('low');
    expect(warn.summary).toBe(`certificate expires in ${certificateDaysLeft(soon.notAfter, new Date())} days`);
    const crit = await probeTcp('shop', check({ port: tlsVerySoon.port, tls: true }), { ca: trusted() });
    expect(crit.severity).toBe('high');
    expect(crit.summary).toMatch(/^certificate expires in [0-3] days?$/);
  });

  it('takes the thresholds from tls.certificate', async () => {
    const relaxed = { certificate: { warningDays: 10, criticalDays: 2 } };
    expect((await probeTcp('shop', check({ port: tlsSoon.port, tls: relaxed }), { ca: trusted() })).severity).toBe('ok');
    const strict = { certificate: { warningDays: 120, criticalDays: 100 } };
    expect((await probeTcp('shop', check({ port: tlsLong.port, tls: strict }), { ca: trusted() })).severity).toBe('high');
  });

  it('fails an unverifiable certificate as high, the TCP connect time kept', async () => {
    const finding = await probeTcp('shop', check({ port: tlsLong.port, tls: true }));
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^TLS handshake failed: TLS error: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
    expect(finding.summary).not.toContain('--use-system-ca');
    expect(finding.observed?.connectMs).toBeTypeOf('number');
    expect(finding.observed?.certificateDaysLeft).toBeUndefined();
  });

  it('verifies the certificate for serverName when one is given', async () => {
    const finding = await probeTcp('shop', check({ port: tlsLong.port, tls: { serverName: 'db.example.com' } }), { ca: trusted() });
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^TLS handshake failed: TLS error: .*db\.example\.com.* \(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });

  it('times out a handshake the server never answers, connect and handshake under one timeout', async () => {
    const started = Date.now();
    const finding = await probeTcp('shop', check({ port: open.port, tls: true, timeout: '300ms' }), { ca: trusted() });
    expect(finding.severity).toBe('high');
    expect(finding.summary).toBe('TLS handshake failed: timeout after 300 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
