import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { linkKeyReader } from '../../../functions/core/adapters/link-key.js';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { STATUS_PAGE_KEY } from '../../../functions/core/layout.js';
import { signLinkToken } from '../../../functions/core/links/signed-token.js';

const issueToken = (key: Buffer, purpose: string, expiresAt: Date, claims: Record<string, unknown> = {}) =>
  signLinkToken(key, purpose, Math.floor(expiresAt.getTime() / 1000), claims);
import { STATUS_LINK_LIFETIME_MS, statusPageLink } from '../../../functions/core/links/status-link.js';
import type { ObjectStore } from '../../../functions/core/ports/object-store.js';
import { SECURITY_HEADERS, serveStatusPage, type UrlRequest } from '../../../functions/status-page/serve.js';
import { S3TestServer, s3TestClient } from '../../support/s3-server.js';

/**
 * The status page function behind its public URL, driven through a loopback HTTP server that speaks the function URL
 * event (payload 2.0) as Lambda does, against a real S3-protocol server holding the page: forged, expired, tampered,
 * other-purpose, oversized and repeated tokens, other methods and paths, all refused the same way, changing nothing.
 */
const KEY = Buffer.from('k'.repeat(64));
const PAGE = '<!doctype html><html lang=en><title>Status</title>the private page';
let s3: S3TestServer;
let store: ObjectStore;
let http: Server;
let base: string;
let keyReads = 0;
let keyFails = false;
let now = new Date('2026-12-04T00:00:00Z');

/** A loopback server turning each request into the function URL event and the handler's answer back into HTTP. */
async function startFunctionUrl(deps: () => Parameters<typeof serveStatusPage>[1]): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const event: UrlRequest & { version: string; headers: Record<string, string> } = {
      version: '2.0',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      requestContext: { http: { method: req.method ?? 'GET' } },
    };
    req.resume();
    void serveStatusPage(event, deps()).then((answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function fetchRaw(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const linkPath = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

beforeAll(async () => {
  s3 = await S3TestServer.start('autopilot-serve');
  store = new S3ObjectStore(s3.bucket, s3TestClient(s3.endpoint));
  await store.put(STATUS_PAGE_KEY, PAGE, { contentType: 'text/html; charset=utf-8' });
  http = await startFunctionUrl(() => ({
    store,
    now: () => now,
    key: async () => {
      keyReads++;
      if (keyFails) throw new Error('AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue on the key');
      return KEY;
    },
  }));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => http?.close(resolve));
  await s3?.destroy();
});
beforeEach(() => {
  keyReads = 0;
  keyFails = false;
  now = new Date('2026-12-04T00:00:00Z');
});

describe('the status page function URL', () => {
  it('answers the page to a link made for it, with the security headers, for 7 days', async () => {
    const link = statusPageLink('https://abc.lambda-url.ap-northeast-1.on.aws/', KEY, now);
    const answer = await fetchRaw(linkPath(link));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(PAGE);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(answer.headers[name], name).toBe(value);
    expect(answer.headers['content-security-policy']).toMatch(/^default-src 'none';/);
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cache-control']).toBe('private, no-store');

    now = new Date(now.getTime() + STATUS_LINK_LIFETIME_MS - 1000);
    expect((await fetchRaw(linkPath(link))).status).toBe(200);
    now = new Date(now.getTime() + 1000);
    expect((await fetchRaw(linkPath(link))).status).toBe(403);
    const head = await fetchRaw(linkPath(statusPageLink('https://x/', KEY, now)), 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('refuses forged, tampered, expired, other-purpose and repeated tokens with the same plain 403, echoing nothing', async () => {
    const valid = issueToken(KEY, 'status', new Date(now.getTime() + 86_400_000));
    const [payload, mac] = valid.split('.') as [string, string];
    const later = Buffer.from(JSON.stringify({ p: 'status', exp: Math.floor(now.getTime() / 1000) + 30 * 86_400 })).toString('base64url');
    const cases: Record<string, string> = {
      'no token': '/',
      'empty token': '/?t=',
      'another key': `/?t=${issueToken(Buffer.from('o'.repeat(64)), 'status', new Date(now.getTime() + 86_400_000))}`,
      'a later expiry, same MAC': `/?t=${later}.${mac}`,
      'MAC of another payload': `/?t=${payload.slice(0, -1)}${payload.endsWith('A') ? 'B' : 'A'}.${mac}`,
      expired: `/?t=${issueToken(KEY, 'status', new Date(now.getTime() - 1000))}`,
      'an acknowledgement token': `/?t=${issueToken(KEY, 'ack', new Date(now.getTime() + 86_400_000), { k: 'web/api' })}`,
      'valid for ten years': `/?t=${issueToken(KEY, 'status', new Date(now.getTime() + 3650 * 86_400_000))}`,
      'two tokens': `/?t=${valid}&t=${valid}`,
      'a script': `/?t=%3Cscript%3Ealert(1)%3C%2Fscript%3E.x`,
      oversized: `/?t=${'A'.repeat(4000)}.${mac}`,
    };
    const bodies = new Set<string>();
    for (const [name, path] of Object.entries(cases)) {
      const answer = await fetchRaw(path);
      expect(answer.status, name).toBe(403);
      expect(answer.headers['content-type'], name).toBe('text/plain; charset=utf-8');
      expect(answer.body, name).not.toContain('<script');
      expect(answer.body, name).not.toContain(mac);
      bodies.add(answer.body);
    }
    // One answer for every reason: no oracle telling a forger which part was wrong.
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toMatch(/not valid or has expired/);
  });

  it('reads the key only for a token of the right shape: junk costs no Secrets Manager call', async () => {
    for (const path of ['/', '/?t=', '/?t=abc', `/?t=${'A'.repeat(4000)}.x`, '/?t=a&t=b', '/?x=1']) await fetchRaw(path);
    expect(keyReads).toBe(0);
    await fetchRaw(`/?t=${issueToken(Buffer.from('o'.repeat(64)), 'status', new Date(now.getTime() + 86_400_000))}`);
    expect(keyReads).toBe(1);
  });

  it('answers other methods 405 and other paths 404, never another object of the bucket', async () => {
    const link = linkPath(statusPageLink('https://x/', KEY, now));
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await fetchRaw(link, method);
      expect([answer.status, answer.headers.allow], method).toEqual([405, 'GET, HEAD']);
    }
    await store.put('state/alerts/health.json', '{"secret":"state"}');
    for (const path of ['/state/alerts/health.json', '/status/index.html', '/../state/alerts/health.json', '/%2e%2e/state']) {
      const answer = await fetchRaw(`${path}${link.slice(1)}`);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('secret');
    }
    expect((await store.get(STATUS_PAGE_KEY))!.body.toString()).toBe(PAGE);
  });

  it('says the page is not written yet (404), or unavailable when the key or bucket cannot be read (503), without the cause', async () => {
    const link = linkPath(statusPageLink('https://x/', KEY, now));
    keyFails = true;
    let answer = await fetchRaw(link);
    expect([answer.status, answer.headers['retry-after']]).toEqual([503, '60']);
    expect(answer.body).not.toMatch(/AccessDenied|secretsmanager/);
    keyFails = false;
    await store.delete(STATUS_PAGE_KEY);
    answer = await fetchRaw(link);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatch(/not been written yet/);
    await store.put(STATUS_PAGE_KEY, PAGE);
    const down = await serveStatusPage(
      { rawPath: '/', rawQueryString: link.slice(2), requestContext: { http: { method: 'GET' } } },
      { store: new S3ObjectStore('autopilot-serve', s3TestClient('http://127.0.0.1:9')), key: async () => KEY, now: () => now },
    );
    expect(down.statusCode).toBe(503);
  });

  it('answers in Japanese when the config is', async () => {
    const answer = await serveStatusPage({ rawPath: '/', rawQueryString: '' }, { store, key: async () => KEY, language: 'ja' });
    expect([answer.statusCode, answer.body]).toEqual([
      403,
      'このリンクは無効か期限切れです。各アラートと日次ダイジェストに7日間有効な新しいリンクがあります。\n',
    ]);
  });
});

describe('the link key reader', () => {
  const sm = mockClient(SecretsManagerClient);
  afterAll(() => sm.restore());

  it('reads the secret once per period, refuses a value too short to be a key, and does not keep a failure', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:LinkKey-abc' })
      .rejectsOnce(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }))
      .resolvesOnce({ SecretString: 'short' })
      .resolves({ SecretString: 'k'.repeat(64) });
    let t = 0;
    const read = linkKeyReader(
      'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:LinkKey-abc',
      () => new SecretsManagerClient({}),
      {
        maxAgeMs: 1000,
        now: () => t,
      },
    );
    await expect(read()).rejects.toThrow(/no such secret/);
    await expect(read()).rejects.toThrow(/holds 5 bytes, fewer than 32/);
    expect(await read()).toEqual(KEY);
    expect(await read()).toEqual(KEY);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    t = 1000;
    await read();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(4);
  });
});
