import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingFor, titled } from '../../../support/requirements.js';
import { BODY_CAP_BYTES } from '../../../../functions/kinds/http/exchange.js';
import { probeHttp } from '../../../../functions/kinds/http/probe.js';
import { freePort } from '../../../support/postgres-cluster.js';
import {
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
  type SelfSignedCertificate,
  type TestHttpServer,
} from '../../../support/http-servers.js';
import type { HealthCheckConfig } from '../../../../functions/kinds/config.js';
import { healthCheckSchema } from '../../../../functions/kinds/http/schema.js';

const check = (input: Record<string, unknown>): HealthCheckConfig => healthCheckSchema.parse(input);

// The HTTPS servers' certificates are made by the openssl command.
const noOpenssl = missingFor(['openssl']);
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

  it('reports 503 as critical against the default 200-299', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/down') }));
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toBe('503 (expected 200-299)');
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

describe.skipIf(noOpenssl)(titled('probeHttp certificate checks against a real HTTPS server', noOpenssl), () => {
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

describe.skipIf(noOpenssl)(titled('probeHttp redirects (followed as Gatus, Uptime Kuma and blackbox_exporter do)', noOpenssl), () => {
  let server: TestHttpServer;
  let other: TestHttpServer;
  let tls: SelfSignedCertificate;
  let secure: TestHttpServer;

  beforeAll(async () => {
    tls = selfSignedCertificate(200);
    other = await startHttpServer({
      '/echo': (req, res) => res.end(`token=${String(req.headers['x-probe-token'] ?? 'none')}`),
    });
    secure = await startHttpsServer({ '/health': { body: 'OK' } }, tls);
    const hops: Record<string, { redirectTo: string }> = {};
    for (let i = 1; i <= 7; i++) hops[`/r${i}`] = { redirectTo: `/r${i + 1}` };
    server = await startHttpServer({
      ...hops,
      '/r6-ok': { redirectTo: '/r7-ok' },
      '/ok': { body: 'OK' },
      '/moved': { redirectTo: '/ok' },
      '/moved-301': { status: 301, redirectTo: '/ok' },
      '/moved-307': { status: 307, redirectTo: '/ok' },
      '/moved-308': { status: 308, redirectTo: '/ok' },
      '/see-other': { status: 303, redirectTo: '/ok' },
      '/to-login': { redirectTo: '/login' },
      '/login': { status: 401, body: 'log in' },
      '/loop': { redirectTo: '/loop' },
      '/ping': { redirectTo: '/pong' },
      '/pong': { redirectTo: '/ping' },
      '/multiple-choices': { status: 300, body: 'pick one' },
      '/no-location': { status: 302 },
      '/ftp': { redirectTo: 'ftp://127.0.0.1/file' },
      '/file': { redirectTo: 'file:///etc/passwd' },
      '/data': { redirectTo: 'data:text/plain,hello' },
      '/elsewhere': (_req, res) => res.writeHead(302, { location: other.url('/echo') }).end(),
      '/here': { redirectTo: '/echo-here' },
      '/echo-here': (req, res) => res.end(`token=${String(req.headers['x-probe-token'] ?? 'none')}`),
      '/upgrade': (_req, res) => res.writeHead(301, { location: secure.url('/health') }).end(),
      '/slow-hop': { delayMs: 300, redirectTo: '/slow-end' },
      '/slow-end': { delayMs: 300, body: 'OK' },
      '/slow-hop-fast-end': { delayMs: 200, redirectTo: '/ok' },
    });
    // Five hops, then an answer: /r6-ok -> /r7-ok; the chain starts at /r2 so that /r7-ok is the sixth request.
    server.route('/r7-ok', { body: 'OK' });
    server.route('/chain5', { redirectTo: '/c2' });
    server.route('/c2', { redirectTo: '/c3' });
    server.route('/c3', { redirectTo: '/c4' });
    server.route('/c4', { redirectTo: '/c5' });
    server.route('/c5', { redirectTo: '/ok' });
  });
  afterAll(() => Promise.all([server.close(), other.close(), secure.close()]));

  const requestsDuring = async <T>(s: TestHttpServer, fn: () => Promise<T>): Promise<[T, string[]]> => {
    const before = s.requests.length;
    const result = await fn();
    return [result, s.requests.slice(before).map((r) => r.path)];
  };

  it('follows a redirect and judges the final answer, body included', async () => {
    const [finding, paths] = await requestsDuring(server, () =>
      probeHttp('shop', check({ url: server.url('/moved'), expect: { bodyContains: 'OK' } })),
    );
    expect(finding).toMatchObject({ severity: 'ok', observed: { status: 200, redirects: [server.url('/ok')] } });
    expect(finding.summary).toMatch(/^200 in \d+ ms after 1 redirect$/);
    expect(paths).toEqual(['/moved', '/ok']);
  });

  it.each(['/moved-301', '/see-other', '/moved-307', '/moved-308'])('follows %s', async (path) => {
    const finding = await probeHttp('shop', check({ url: server.url(path), expect: { bodyContains: 'OK' } }));
    expect(finding).toMatchObject({ severity: 'ok', observed: { status: 200 } });
  });

  it('names the hop that failed when a redirect leads to a closed port', async () => {
    const closed = await freePort();
    server.route('/to-closed', (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${closed}/next` }).end());
    const finding = await probeHttp('shop', check({ url: server.url('/to-closed') }));
    expect(finding).toMatchObject({ severity: 'critical', observed: { error: 'ECONNREFUSED' } });
    expect(finding.summary).toBe(`${server.url('/to-closed')} -> http://127.0.0.1:${closed}/next: connection refused`);
  });

  it('reads a /health that now redirects to a login page answering 401 as critical, with the chain', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/to-login') }));
    expect(finding).toMatchObject({ severity: 'critical', observed: { status: 401 } });
    expect(finding.summary).toBe(`401 (expected 200-299) after 1 redirect: ${server.url('/to-login')} -> /login`);
  });

  it('calls a redirect to itself a loop, with one request', async () => {
    const [finding, paths] = await requestsDuring(server, () => probeHttp('shop', check({ url: server.url('/loop') })));
    expect(finding).toMatchObject({ severity: 'critical', summary: `redirect loop: ${server.url('/loop')} -> /loop` });
    expect(finding.observed).toMatchObject({ status: 302, error: 'REDIRECT_LOOP' });
    expect(paths).toEqual(['/loop']);
  });

  it('calls a two-step cycle a loop, with the chain', async () => {
    const [finding, paths] = await requestsDuring(server, () => probeHttp('shop', check({ url: server.url('/ping') })));
    expect(finding).toMatchObject({ severity: 'critical', summary: `redirect loop: ${server.url('/ping')} -> /pong -> /ping` });
    expect(paths).toEqual(['/ping', '/pong']);
  });

  it('follows at most 5 redirects: the sixth is critical, with the chain', async () => {
    const [finding, paths] = await requestsDuring(server, () => probeHttp('shop', check({ url: server.url('/r1') })));
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toBe(`too many redirects (more than 5): ${server.url('/r1')} -> /r2 -> /r3 -> /r4 -> /r5 -> /r6 -> /r7`);
    expect(finding.observed).toMatchObject({ error: 'TOO_MANY_REDIRECTS' });
    expect(paths).toEqual(['/r1', '/r2', '/r3', '/r4', '/r5', '/r6']);
  });

  it('accepts exactly 5 redirects', async () => {
    const [finding, paths] = await requestsDuring(server, () => probeHttp('shop', check({ url: server.url('/chain5') })));
    expect(finding).toMatchObject({ severity: 'ok', observed: { status: 200 } });
    expect(finding.observed?.redirects).toHaveLength(5);
    expect(paths).toEqual(['/chain5', '/c2', '/c3', '/c4', '/c5', '/ok']);
  });

  it('expects 200-299 at the end by default: a 300 or a 302 without Location is critical', async () => {
    const choices = await probeHttp('shop', check({ url: server.url('/multiple-choices') }));
    expect(choices).toMatchObject({ severity: 'critical', summary: '300 (expected 200-299)' });
    const bare = await probeHttp('shop', check({ url: server.url('/no-location') }));
    expect(bare).toMatchObject({ severity: 'critical', summary: '302 (expected 200-299)' });
  });

  it('refuses a redirect to a scheme other than http(s)', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/ftp') }));
    expect(finding.severity).toBe('critical');
    expect(finding.summary).toBe(`redirect to an unsupported scheme: ${server.url('/ftp')} -> ftp://127.0.0.1/file`);
    // Schemes without an origin are named as written, not as "null".
    const file = await probeHttp('shop', check({ url: server.url('/file') }));
    expect(file).toMatchObject({
      severity: 'critical',
      summary: `redirect to an unsupported scheme: ${server.url('/file')} -> file:///etc/passwd`,
    });
    const data = await probeHttp('shop', check({ url: server.url('/data') }));
    expect(data.summary).toBe(`redirect to an unsupported scheme: ${server.url('/data')} -> data:text/plain,hello`);
  });

  it('follows an upgrade to https and checks that certificate', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/upgrade'), expect: { bodyContains: 'OK' } }), { ca: tls.cert });
    expect(finding).toMatchObject({ severity: 'ok', observed: { status: 200, redirects: [secure.url('/health')] } });
    expect(finding.observed?.certificateDaysLeft).toBeGreaterThan(150);
  });

  it('refuses a downgrade from https to http without asking the http server', async () => {
    const downgrade = await startHttpsServer({ '/health': (_req, res) => res.writeHead(302, { location: server.url('/ok') }).end() }, tls);
    try {
      const [finding, paths] = await requestsDuring(server, () =>
        probeHttp('shop', check({ url: downgrade.url('/health') }), { ca: tls.cert }),
      );
      expect(finding.severity).toBe('critical');
      expect(finding.summary).toBe(`redirect from https to http refused: ${downgrade.url('/health')} -> ${server.url('/ok')}`);
      expect(paths).toEqual([]);
    } finally {
      await downgrade.close();
    }
  });

  it('sends the configured headers on the same origin only', async () => {
    const headers = { 'X-Probe-Token': 'abc' };
    const same = await probeHttp('shop', check({ url: server.url('/here'), headers, expect: { bodyContains: 'token=abc' } }));
    expect(same.severity).toBe('ok');
    const away = await probeHttp('shop', check({ url: server.url('/elsewhere'), headers, expect: { bodyContains: 'token=none' } }));
    expect(away).toMatchObject({ severity: 'ok', observed: { redirects: [other.url('/echo')] } });
  });

  it('spends one timeout on the whole chain', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/slow-hop'), timeout: '450ms' }));
    expect(finding).toMatchObject({ severity: 'critical', summary: `${server.url('/slow-hop')} -> /slow-end: timeout after 450 ms` });
    expect(finding.observed).toMatchObject({ error: 'ETIMEDOUT', redirects: [server.url('/slow-end')] });
  });

  it('times the whole chain as the response time', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/slow-hop-fast-end') }));
    expect(finding.severity).toBe('ok');
    expect(finding.observed?.responseTimeMs).toBeGreaterThanOrEqual(200);
  });

  it('judges the first answer with followRedirects: false, against 200-399', async () => {
    const [asIs, paths] = await requestsDuring(server, () =>
      probeHttp('shop', check({ url: server.url('/to-login'), followRedirects: false })),
    );
    expect(asIs).toMatchObject({ severity: 'ok', observed: { status: 302 } });
    expect(asIs.observed).not.toHaveProperty('redirects');
    expect(paths).toEqual(['/to-login']);
    const strict = await probeHttp('shop', check({ url: server.url('/loop'), followRedirects: false, expect: { status: 200 } }));
    expect(strict).toMatchObject({ severity: 'critical', summary: '302 (expected 200)' });
    const down = await probeHttp('shop', check({ url: server.url('/login'), followRedirects: false }));
    expect(down).toMatchObject({ severity: 'critical', summary: '401 (expected 200-399)' });
  });
});

describe('probeHttp decodes bodies by their declared charset', () => {
  let server: TestHttpServer;
  // "正常" (normal) and {"status":"正常"} in legacy Japanese encodings; Node can decode these but not encode them.
  const SHIFT_JIS = Buffer.from([0x90, 0xb3, 0x8f, 0xed]);
  const EUC_JP = Buffer.from([0xc0, 0xb5, 0xbe, 0xef]);
  const ISO_2022_JP = Buffer.from([0x1b, 0x24, 0x42, 0x40, 0x35, 0x3e, 0x6f, 0x1b, 0x28, 0x42]);
  const jsonIn = (bytes: Buffer) => Buffer.concat([Buffer.from('{"status":"'), bytes, Buffer.from('"}')]);
  // "Café" in Latin-1: the é is one byte (0xe9), which UTF-8 would read as a replacement character.
  const LATIN1 = Buffer.from([0x43, 0x61, 0x66, 0xe9]);
  const page = (meta: string, text: Buffer) =>
    Buffer.concat([Buffer.from(`<!doctype html><html><head>${meta}<title>t</title></head><body>`), text, Buffer.from('</body></html>')]);

  beforeAll(async () => {
    for (const [encoding, bytes] of [
      ['shift_jis', SHIFT_JIS],
      ['euc-jp', EUC_JP],
      ['iso-2022-jp', ISO_2022_JP],
    ] as const) {
      expect(new TextDecoder(encoding).decode(bytes)).toBe('正常');
    }
    server = await startHttpServer({
      '/sjis': { headers: { 'content-type': 'text/plain; charset=Shift_JIS' }, body: SHIFT_JIS },
      '/sjis-quoted': { headers: { 'content-type': 'text/html; charset="shift_jis"' }, body: SHIFT_JIS },
      '/euc-jp': { headers: { 'content-type': 'text/html;charset=EUC-JP' }, body: EUC_JP },
      '/iso-2022-jp': { headers: { 'content-type': 'text/plain; format=flowed; charset=iso-2022-jp' }, body: ISO_2022_JP },
      '/sjis-json': { headers: { 'content-type': 'application/json; charset=Shift_JIS' }, body: jsonIn(SHIFT_JIS) },
      '/utf8': { headers: { 'content-type': 'text/plain' }, body: '正常' },
      '/unknown-charset': { headers: { 'content-type': 'text/plain; charset=x-no-such-thing' }, body: '正常' },
      '/undeclared-sjis': { headers: { 'content-type': 'text/plain' }, body: SHIFT_JIS },
      // Declared only in the page: the header names no charset, as on many Japanese sites.
      '/meta-sjis': { headers: { 'content-type': 'text/html' }, body: page('<meta charset="Shift_JIS">', SHIFT_JIS) },
      '/meta-euc-jp': {
        headers: { 'content-type': 'text/html' },
        body: page('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=EUC-JP">', EUC_JP),
      },
      '/meta-latin1': { headers: {}, body: page("<meta charset='ISO-8859-1'>", LATIN1) },
      '/meta-late': { headers: { 'content-type': 'text/html' }, body: page(`${' '.repeat(1100)}<meta charset="Shift_JIS">`, SHIFT_JIS) },
      '/meta-in-json': { headers: { 'content-type': 'application/json' }, body: page('<meta charset="Shift_JIS">', SHIFT_JIS) },
    });
  });
  afterAll(() => server.close());

  it.each(['/sjis', '/sjis-quoted', '/euc-jp', '/iso-2022-jp'])('finds "正常" in %s', async (path) => {
    const finding = await probeHttp('shop', check({ url: server.url(path), expect: { bodyContains: '正常' } }));
    expect(finding.severity, finding.summary).toBe('ok');
  });

  it.each([
    ['/meta-sjis', '正常'],
    ['/meta-euc-jp', '正常'],
    ['/meta-latin1', 'Café'],
  ])('reads %s by the charset its <meta> tag declares, the header naming none', async (path, text) => {
    const finding = await probeHttp('shop', check({ url: server.url(path), expect: { bodyContains: text } }));
    expect(finding.severity, finding.summary).toBe('ok');
  });

  it('looks for the <meta> charset in the first 1,024 bytes of HTML only, as browsers do', async () => {
    for (const path of ['/meta-late', '/meta-in-json']) {
      const finding = await probeHttp('shop', check({ url: server.url(path), expect: { bodyContains: '正常' } }));
      expect(finding, path).toMatchObject({ severity: 'critical', summary: 'body lacks "正常"' });
    }
  });

  it('compares JSON fields of a Shift_JIS document', async () => {
    const finding = await probeHttp('shop', check({ url: server.url('/sjis-json'), expect: { json: { status: '正常' } } }));
    expect(finding.severity, finding.summary).toBe('ok');
  });

  it('reads UTF-8 when no charset is declared, and when the declared one is unknown', async () => {
    expect((await probeHttp('shop', check({ url: server.url('/utf8'), expect: { bodyContains: '正常' } }))).severity).toBe('ok');
    const unknown = await probeHttp('shop', check({ url: server.url('/unknown-charset'), expect: { bodyContains: '正常' } }));
    expect(unknown.severity).toBe('ok');
    const undeclared = await probeHttp('shop', check({ url: server.url('/undeclared-sjis'), expect: { bodyContains: '正常' } }));
    expect(undeclared).toMatchObject({ severity: 'critical', summary: 'body lacks "正常"' });
  });
});
