import { describe, expect, it } from 'vitest';
import { bodyFor, loopbackConfig, measureHealthJob } from '../../../scripts/cost/measure.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { missingFor, titled } from '../../support/requirements.js';

const noOpenssl = missingFor(['openssl']);

describe('bodyFor', () => {
  it('builds the JSON a check expects from its dotted paths, else its bodyContains', () => {
    const config = validateConfig({
      targets: {
        a: {
          health: [
            { name: 'json', url: 'http://a.example/h', expect: { json: { status: 'OK', 'db.ok': true, 'db.pool.free': 3 } } },
            { name: 'text', url: 'http://a.example/t', expect: { bodyContains: 'healthy' } },
          ],
        },
      },
    });
    const [json, text] = config.targets.a!.health!;
    expect(JSON.parse(bodyFor(json!))).toEqual({ status: 'OK', db: { ok: true, pool: { free: 3 } } });
    expect(bodyFor(text!)).toBe('healthy');
  });
});

describe('loopbackConfig', () => {
  it('moves every endpoint to loopback, keeps intervals and expectations, and swaps the SSM parameter for a local password', () => {
    const config = validateConfig({
      targets: {
        a: {
          health: [{ name: 'api', url: 'https://a.example/health', every: '1m', expect: { bodyContains: 'OK' } }],
          postgres: [{ host: 'db.example', database: 'app', user: 'app', passwordParameter: '/p', ssl: 'require', every: '5m' }],
        },
      },
    });
    const moved = loopbackConfig(
      config,
      { httpOrigin: 'http://127.0.0.1:1', httpsOrigin: 'https://127.0.0.1:2', postgresPort: 3, password: 'pw' },
      true,
    );
    const health = moved.targets.a!.health![0]!;
    expect(health.url).toBe('https://127.0.0.1:2/a/api');
    expect(health.every).toBe('1m');
    expect(health.expect).toEqual({ bodyContains: 'OK' });
    const db = moved.targets.a!.postgres![0]!;
    expect(db).toMatchObject({ host: '127.0.0.1', port: 3, password: 'pw', ssl: 'require', every: '5m', name: 'app', database: 'app' });
    expect(db.passwordParameter).toBeUndefined();
    expect(
      loopbackConfig(config, { httpOrigin: 'h', httpsOrigin: 'h', postgresPort: 3, password: 'pw' }, false).targets.a!.postgres![0]!.ssl,
    ).toBe(false);
    // Still a valid config.
    expect(() => validateConfig(moved)).not.toThrow();
  });
});

describe.skipIf(noOpenssl)(titled('measureHealthJob', noOpenssl), () => {
  it('runs the real health job against loopback HTTP(S), PostgreSQL with TLS and S3, with every check passing', async () => {
    const config = validateConfig({
      targets: {
        shop: {
          health: [
            { name: 'api', url: 'http://shop.example:5000/health', every: '1m', expect: { status: 200, json: { status: 'OK' } } },
            { name: 'web', url: 'https://shop.example/', every: '1m', expect: { bodyContains: 'OK' }, responseTime: { warning: '5s' } },
          ],
          postgres: [
            {
              host: 'db.example',
              database: 'shop',
              user: 'shop',
              passwordParameter: '/x',
              ssl: 'require',
              every: '5m',
              checks: { connections: { warning: 80, critical: 95 }, longRunningQuery: '5m' },
            },
          ],
        },
      },
    });
    const result = await measureHealthJob(config, ['1m', '5m'], { serverLatencyMs: 5, roundTripMs: 2, runs: 2, warmup: 1 });
    expect(result.postgresTls).toBe(true);
    const [everyMinute, everyFive] = result.worker.intervals;
    expect(everyMinute).toMatchObject({ every: '1m', checks: 2, notOk: [] });
    expect(everyFive).toMatchObject({ every: '5m', checks: 1, notOk: [] });
    for (const interval of result.worker.intervals) {
      expect(interval.samples).toHaveLength(2);
      for (const s of interval.samples) {
        expect(s.wallMs).toBeGreaterThanOrEqual(s.probesMs);
        expect(s.cpuMs).toBeGreaterThan(0);
        // The alert engine reads and writes its state once per run.
        expect(s.s3.gets).toBeGreaterThanOrEqual(1);
        expect(s.s3.puts).toBeGreaterThanOrEqual(1);
        expect(s.s3.putBytes).toBeGreaterThan(0);
        // One finding log line per check: at least the line's fixed fields for each.
        expect(s.findingLogBytes).toBeGreaterThan(100 * interval.checks);
      }
    }
    expect(result.worker.initMs).toBeGreaterThan(0);
    expect(result.worker.maxRssBytes).toBeGreaterThanOrEqual(result.worker.rssAfterInitBytes);
    expect(result.worker.notifications).toBe(0);
  });
});
