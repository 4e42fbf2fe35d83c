import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import type { SecretResolver } from '../../../functions/core/ports/secrets.js';
import { collectHealthFindings, DEFAULT_HEALTH_CONCURRENCY } from '../../../functions/health/collect-health-findings.js';
import { fixedPassword, localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { startHttpServer, type TestHttpServer } from '../../support/http-servers.js';
import { freePort, PostgresCluster } from '../../support/postgres-cluster.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const noSecrets: SecretResolver = fixedPassword(undefined);

describe('collectHealthFindings', () => {
  let server: TestHttpServer;
  let cluster: PostgresCluster;

  beforeAll(async () => {
    server = await startHttpServer({
      '/ok': { body: 'OK' },
      '/slow': { delayMs: 100, body: 'OK' },
      '/down': { status: 500 },
    });
    cluster = await PostgresCluster.start();
  });
  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  });

  const slowChecks = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, url: server.url('/slow') }));

  it('keeps at most `concurrency` requests in flight at the server, results in config order', async () => {
    server.stats.maxInFlight = 0;
    const config = validateConfig({ targets: { shop: { health: slowChecks(10) } } });
    const findings = await collectHealthFindings(config, { secrets: noSecrets, concurrency: 3 });
    expect(server.stats.maxInFlight).toBe(3);
    expect(findings.map((f) => f.check)).toEqual(slowChecks(10).map((c) => c.name));
    expect(findings.every((f) => f.severity === 'ok')).toBe(true);
  });

  it('runs at most 64 at once by default', async () => {
    server.stats.maxInFlight = 0;
    // The server holds every answer until 64 requests wait (or 20 s pass), then answers at once: the
    // figure does not depend on the 64 starts beating a fixed delay on a loaded machine.
    const held: ServerResponse[] = [];
    let gateOpen = false;
    let cap: NodeJS.Timeout | undefined;
    const release = (): void => {
      gateOpen = true;
      clearTimeout(cap);
      for (const res of held.splice(0)) res.end('OK');
    };
    server.route('/gate', (_req, res) => {
      if (gateOpen) return void res.end('OK');
      held.push(res);
      cap ??= setTimeout(release, 20_000);
      if (held.length >= DEFAULT_HEALTH_CONCURRENCY) release();
    });
    const checks = slowChecks(DEFAULT_HEALTH_CONCURRENCY + 6).map((c) => ({ ...c, url: server.url('/gate'), timeout: '30s' }));
    const config = validateConfig({ targets: { shop: { health: checks } } });
    const findings = await collectHealthFindings(config, { secrets: noSecrets });
    release();
    expect(findings).toHaveLength(70);
    expect(findings.every((f) => f.severity === 'ok')).toBe(true);
    expect(server.stats.maxInFlight).toBe(64);
  });

  it('runs only the checks whose `every` matches, comparing durations', async () => {
    const config = validateConfig({
      targets: {
        shop: {
          health: [
            { name: 'fast', url: server.url('/ok'), every: '1m' },
            { name: 'default', url: server.url('/ok') },
            { name: 'seconds', url: server.url('/ok'), every: '300s' },
          ],
          postgres: [{ name: 'db', host: '127.0.0.1', port: 1, database: 'app', user: 'app', every: '1m', timeout: '1s' }],
        },
      },
    });
    const fiveMinutes = await collectHealthFindings(config, { secrets: noSecrets, every: '5m' });
    expect(fiveMinutes.map((f) => f.check)).toEqual(['default', 'seconds']);
    const oneMinute = await collectHealthFindings(config, { secrets: noSecrets, every: '60s' });
    expect(oneMinute.map((f) => [f.check, f.kind])).toEqual([
      ['fast', 'http'],
      ['db', 'postgres'],
    ]);
  });

  it('runs only the selected targets, in config order, and refuses an unknown one', async () => {
    const config = validateConfig({
      targets: {
        alpha: { health: [{ name: 'a', url: server.url('/ok') }] },
        beta: { health: [{ name: 'b', url: server.url('/down') }] },
        gamma: { health: [{ name: 'c', url: server.url('/ok') }] },
      },
    });
    const findings = await collectHealthFindings(config, { secrets: noSecrets, targets: ['gamma', 'beta'] });
    expect(findings.map((f) => [f.target, f.check, f.severity])).toEqual([
      ['beta', 'b', 'critical'],
      ['gamma', 'c', 'ok'],
    ]);
    const all = await collectHealthFindings(config, { secrets: noSecrets, targets: [] });
    expect(all.map((f) => f.target)).toEqual(['alpha', 'beta', 'gamma']);
    await expect(collectHealthFindings(config, { secrets: noSecrets, targets: ['delta'] })).rejects.toThrow(ConfigError);
  });

  it('runs HTTP and PostgreSQL checks together, the password coming from the local resolver', async () => {
    const config = validateConfig({
      targets: {
        shop: {
          health: [{ name: 'api', url: server.url('/ok') }],
          postgres: [
            {
              name: 'db',
              host: '127.0.0.1',
              port: cluster.port,
              ssl: false,
              database: 'postgres',
              user: cluster.superuser,
              password: cluster.password,
            },
          ],
        },
      },
    });
    const findings = await collectHealthFindings(config, { secrets: localSecrets });
    expect(findings.map((f) => [f.check, f.kind, f.severity])).toEqual([
      ['api', 'http', 'ok'],
      ['db', 'postgres', 'ok'],
    ]);
  });

  it('falls back to PGPASSWORD locally', async () => {
    const config = validateConfig({
      targets: {
        shop: {
          postgres: [{ name: 'db', host: '127.0.0.1', port: cluster.port, database: 'postgres', user: cluster.superuser, ssl: false }],
        },
      },
    });
    const saved = process.env.PGPASSWORD;
    try {
      process.env.PGPASSWORD = cluster.password;
      const [withEnv] = await collectHealthFindings(config, { secrets: localSecrets });
      expect(withEnv?.severity).toBe('ok');
      process.env.PGPASSWORD = 'not-the-password';
      const [wrongEnv] = await collectHealthFindings(config, { secrets: localSecrets });
      expect(wrongEnv?.severity).toBe('high');
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('turns a probe that throws into a failing finding instead of losing it', async () => {
    const port = await freePort();
    const config = validateConfig({
      targets: {
        shop: {
          health: [{ name: 'api', url: server.url('/ok') }],
          postgres: [
            { name: 'db', host: '127.0.0.1', port, database: 'app', user: 'app', passwordParameter: '/shop/db' },
            {
              name: 'db2',
              host: '127.0.0.1',
              port,
              database: 'app',
              user: 'app',
              passwordParameter: '/shop/db2',
              severity: { critical: 'critical' },
            },
          ],
        },
      },
    });
    const failing: SecretResolver = {
      read: async (ref) => {
        throw new Error(`ParameterNotFound: ${'parameter' in ref ? ref.parameter : ref.secret}`);
      },
    };
    const findings = await collectHealthFindings(config, { secrets: failing });
    expect(findings).toEqual([
      expect.objectContaining({ check: 'api', severity: 'ok' }),
      expect.objectContaining({
        target: 'shop',
        check: 'db',
        kind: 'postgres',
        severity: 'high',
        summary: 'probe failed: cannot read passwordParameter /shop/db: ParameterNotFound: /shop/db',
      }),
      expect.objectContaining({ check: 'db2', severity: 'critical' }),
    ]);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    const config = validateConfig({ targets: { shop: { health: [{ url: server.url('/ok') }] } } });
    await expect(collectHealthFindings(config, { secrets: noSecrets, concurrency: 0 })).rejects.toThrow(/concurrency/);
  });
});

describe('collectHealthFindings in parts', () => {
  it('probes each check of the interval in exactly one part', async () => {
    const port = await freePort(); // nothing listens: each probe fails at once, which is all this needs
    const config = validateConfig({
      targets: {
        a: { health: Array.from({ length: 7 }, (_, i) => ({ name: `c${i}`, url: `http://127.0.0.1:${port}/${i}`, every: '1m' })) },
        b: { health: [{ name: 'slow', url: `http://127.0.0.1:${port}/s`, every: '5m' }] },
      },
    });
    const parts = await Promise.all(
      [0, 1, 2].map((part) => collectHealthFindings(config, { every: '1m', part: { part, parts: 3 }, secrets: noSecrets })),
    );
    expect(parts.map((p) => p.map((f) => f.check))).toEqual([
      ['c0', 'c3', 'c6'],
      ['c1', 'c4'],
      ['c2', 'c5'],
    ]);
    expect(parts.flat().every((f) => f.severity === 'critical')).toBe(true);
  });
});
