import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthCheckSchema, type HealthCheckConfig } from '../../../../functions/core/config/schema.js';
import { BODY_CAP_BYTES } from '../../../../functions/health/probes/http-exchange.js';
import { probeHttp } from '../../../../functions/health/probes/http.js';
import { freePort } from '../../../support/postgres-cluster.js';
import {
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
  type SelfSignedCertificate,
  type TestHttpServer,
} from '../../../support/http-servers.js';

const check = (input: Record<string, unknown>): HealthCheckConfig => healthCheckSchema.parse(input);

describe('probeHttp against a real loopback server', () => {
  let server: TestHttpServer;

  beforeAll(async () => {
    server = await startHttpServer({
      '/ok': { body: 'OK' },
      '/down': { status: 503, body: 'maintenance' },
      '/json': {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'DOWN', db: { ok: true }, items: [{ id: 7 }] }),
      },
      '/slow': { delayMs: 300, body: 'OK' },
      '/hang': { hang: true },
      '/slow-body': { slowBody: { chunks: ['O', 'K'], intervalMs: 2_000 } },
      '/moved': { redirectTo: '/ok' },
      '/loop': { redirectTo: '/loop' },
      '/huge': { streamBytes: 100 * 1024 * 1024 },
      '/echo-header': (req, res) => res.end(String(req.headers['x-probe-token'] ?? 'none')),
    });
  });
  afterAll(() => server.close());

  it('reports 200 OK as ok with status and response time', async () => {
    const finding = await probeHttp('shop', check({ name: 'api', url: server.url('/ok') }));
    expect(finding).toMatchObject({ target: 'shop', check: 'api', kind: 'http', severity: 'ok' });
    expect(finding.summary).toMatch(/^200 in \d+ ms$/);
    expect(finding.observed).toMatchObject({ status: 200, method: 'GET', bytesRead: 2 });
    expect(finding.observed?.responseTimeMs).toBeGreaterThan(0);
  });

  it('resolves a host name (localhost) before connecting', async () => {
    const finding = await probeHttp('shop', check({ url: `http://localhost:${server.port}/ok`, expect: { bodyContains: 'OK' } }));
    expect(finding).toMatchObject({ severity: 'ok', observed: { status: 200 } });
  });

  it('derives the check name from the URL when none is given', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/ok') }));
    expect(finding.check).toBe('127.0.0.1-ok');
  });

  it('reports 503 as critical against the default 200-399', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/down') }));
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toBe('503 (expected 200-399)');
    expect(finding.observed).toMatchObject({ status: 503 });
  });

  it('accepts a status listed in expect.status and rejects one not listed', async () => {
    const allowed = await probeHttp('shop', check({ url: server.url('/down'), expect: { status: [200, 503] } }));
    expect(allowed.severity).toBe('ok');
    const refused = await probeHttp('shop', check({ url: server.url('/ok'), expect: { status: 204 } }));
    expect(refused).toMatchObject({ severity: 'critical', summary: '200 (expected 204)' });
  });

  it('reports a body without the expected text as critical', async () => {
    const good = await probeHttp('shop', check({ url: server.url('/ok'), expect: { bodyContains: 'OK' } }));
    expect(good.severity).toBe('ok');
    const bad = await probeHttp('shop', check({ url: server.url('/down'), expect: { status: 503, bodyContains: 'OK' } }));
    expect(bad).toMatchObject({ severity: 'critical', summary: 'body lacks "OK"' });
  });

  it('compares JSON fields by dotted path, including array indexes', async () => {
    const matching = await probeHttp('shop', check({ url: server.url('/json'), expect: { json: { 'db.ok': true, 'items.0.id': 7 } } }));
    expect(matching.severity).toBe('ok');
    const mismatch = await probeHttp('shop', check({ url: server.url('/json'), expect: { json: { status: 'OK', 'db.ok': true } } }));
    expect(mismatch).toMatchObject({ severity: 'critical', summary: 'json status = "DOWN" (expected "OK")' });
    const missing = await probeHttp('shop', check({ url: server.url('/json'), expect: { json: { 'items.1.id': 7 } } }));
    expect(missing).toMatchObject({ severity: 'critical', summary: 'json items.1.id missing (expected 7)' });
    const notJson = await probeHttp('shop', check({ url: server.url('/ok'), expect: { json: { status: 'OK' } } }));
    expect(notJson.severity).toBe('critical');
    expect(notJson.summary).toMatch(/^body is not JSON/);
  });

  it('rates an answer slower than the warning threshold medium', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/slow'), responseTime: { warning: '100ms', critical: '30s' } }));
    expect(finding.severity).toBe('medium');
    expect(finding.summary).toMatch(/^slow: \d+ ms \(warning 100 ms\)$/);
    expect(finding.observed?.responseTimeMs).toBeGreaterThanOrEqual(300);
  });

  it('rates an answer slower than the critical threshold high', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/slow'), responseTime: { warning: '50ms', critical: '150ms' } }));
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^slow: \d+ ms \(critical 150 ms\)$/);
  });

  it('reports a closed port as critical connection refused', async () => {
    const port = await freePort();
    const finding = await probeHttp('shop', check({ url: `http://127.0.0.1:${port}/health` }));
    expect(finding).toMatchObject({ severity: 'critical', summary: 'connection refused' });
    expect(finding.observed).toMatchObject({ error: 'ECONNREFUSED' });
    expect(finding.observed).not.toHaveProperty('status');
  });

  it('reports a server that never answers as a critical timeout', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/hang'), timeout: '300ms' }));
    expect(finding).toMatchObject({ severity: 'critical', summary: 'timeout after 300 ms' });
    expect(finding.observed).toMatchObject({ error: 'ETIMEDOUT' });
  });

  it('counts a body that does not finish within the timeout as a timeout, keeping the status', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/slow-body'), timeout: '500ms' }));
    expect(finding).toMatchObject({ severity: 'critical', summary: 'timeout after 500 ms (reading body)' });
    expect(finding.observed).toMatchObject({ status: 200, error: 'ETIMEDOUT', bytesRead: 1 });
  });

  it('sends HEAD when asked and judges the status alone', async () => {
    const before = server.requests.length;
    const finding = await probeHttp('shop', check({ url: server.url('/ok'), method: 'HEAD' }));
    expect(finding.severity).toBe('ok');
    expect(finding.observed).toMatchObject({ method: 'HEAD', status: 200, bytesRead: 0 });
    expect(server.requests.slice(before).map((r) => r.method)).toEqual(['HEAD']);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const before = server.requests.length;
    const asIs = await probeHttp('shop', check({ url: server.url('/moved') }));
    expect(asIs).toMatchObject({ severity: 'ok', observed: { status: 302 } });
    const strict = await probeHttp('shop', check({ url: server.url('/moved'), expect: { status: 200 } }));
    expect(strict).toMatchObject({ severity: 'critical', summary: '302 (expected 200)' });
    expect(server.requests.slice(before).map((r) => r.path)).toEqual(['/moved', '/moved']);
  });

  it('makes exactly one request to a redirect loop', async () => {
    const before = server.requests.length;
    const finding = await probeHttp('shop', check({ url: server.url('/loop'), expect: { status: 200 } }));
    expect(finding).toMatchObject({ severity: 'critical', summary: '302 (expected 200)' });
    expect(server.requests.length - before).toBe(1);
  });

  it('reads at most 1 MiB of a 100 MB body and hangs up', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/huge'), expect: { bodyContains: 'never there' } }));
    expect(finding.observed).toMatchObject({ status: 200, bytesRead: BODY_CAP_BYTES, bodyTruncated: true });
    expect(finding).toMatchObject({ severity: 'critical', summary: 'body lacks "never there" (first 1 MiB)' });
    // The server stops once the socket is gone: far less than 100 MB left it (socket buffers hold a few MB).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.stats.bytesStreamed).toBeLessThan(32 * 1024 * 1024);
  });

  it('sends the configured headers', async () => {
    const finding = await probeHttp(
      'shop',
      check({ url: server.url('/echo-header'), headers: { 'X-Probe-Token': 'abc' }, expect: { bodyContains: 'abc' } }),
    );
    expect(finding.severity).toBe('ok');
    expect(JSON.stringify(finding)).not.toContain('X-Probe-Token');
  });

  it('applies the check severity override to availability failures', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/down'), severity: { critical: 'medium' } }));
    expect(finding.severity).toBe('medium');
  });

  it('lists every problem, worst first, and takes the worst severity', async () => {
    const finding = await probeHttp(
      'shop',
      check({ url: server.url('/slow'), expect: { status: 204 }, responseTime: { warning: '100ms' } }),
    );
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toMatch(/^200 \(expected 204\); slow: \d+ ms \(warning 100 ms\)$/);
  });

  it('keeps credentials and query strings of the URL out of the finding', async () => {
    const finding = await probeHttp('shop', check({ name: 'api', url: `http://user:hunter22@127.0.0.1:${server.port}/ok?token=s3cr3t` }));
    expect(finding.severity).toBe('ok');
    const json = JSON.stringify(finding);
    expect(json).not.toContain('hunter22');
    expect(json).not.toContain('s3cr3t');
  });

  it('returns an aborted finding when the signal fires', async () => {
    const controller = new AbortController();
    const pending = probeHttp('shop', check({ url: server.url('/hang'), timeout: '30s' }), { signal: controller.signal });
    setTimeout(() => controller.abort('deadline'), 50);
    const finding = await pending;
    expect(finding).toMatchObject({ severity: 'critical', summary: 'aborted: deadline', observed: { error: 'ABORTED' } });
  });
});

describe('probeHttp certificate checks against a real HTTPS server', () => {
  let tls: SelfSignedCertificate;
  let server: TestHttpServer;

  beforeAll(async () => {
    tls = selfSignedCertificate(5);
    server = await startHttpsServer({ '/health': { body: 'OK' } }, tls);
  });
  afterAll(() => server.close());

  it('is low when days left are under warningDays, trusted through the test CA', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/health'), certificate: { warningDays: 30, criticalDays: 2 } }), {
      ca: tls.cert,
    });
    expect(finding.severity).toBe('low');
    const daysLeft = Math.floor((tls.notAfter.getTime() - Date.now()) / 86_400_000);
    expect(finding.summary).toBe(`certificate expires in ${daysLeft} days`);
    expect(finding.observed).toMatchObject({ status: 200, certificateDaysLeft: daysLeft, certificateValidTo: tls.notAfter.toISOString() });
  });

  it('is high when days left are under the default criticalDays of 7', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/health') }), { ca: tls.cert });
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^certificate expires in [45] days$/);
  });

  it('is ok when the certificate outlives both thresholds', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/health'), certificate: { warningDays: 2, criticalDays: 1 } }), {
      ca: tls.cert,
    });
    expect(finding.severity).toBe('ok');
    expect(finding.summary).toMatch(/^200 in \d+ ms$/);
  });

  it('is critical with the reason when the certificate is not trusted', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/health') }));
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toBe('TLS error: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(finding.observed).not.toHaveProperty('status');
  });

  it('is critical when the host name does not match the certificate', async () => {
    const finding = await probeHttp('shop', check({ url: `https://localhost:${server.port}/health` }), { ca: tls.cert });
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toMatch(/^TLS error: .*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });
});
