import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { freePort, PostgresCluster } from '../support/postgres-cluster.js';

let cluster: PostgresCluster;
let dir: string;
let configFile: string;
let store: string;

const autopilot = (args: string[]) => runAutopilot([...args, '--config', configFile]);

const checksum = async (database: string) =>
  (
    await cluster.query<{ n: string; sum: string }>(
      `SELECT count(*) AS n, md5(string_agg(t::text, ',' ORDER BY id)) AS sum FROM orders t`,
      database,
    )
  )[0];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-cli-backup-'));
  store = join(dir, 'store');
  cluster = await PostgresCluster.start();
  await cluster.createDatabase('shop');
  await cluster.query(
    `CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric(10,2), items jsonb, placed timestamptz);
     INSERT INTO orders (customer, total, items, placed)
     SELECT 'customer ' || g, g * 1.25, jsonb_build_object('sku', 'SKU-' || g, 'qty', g % 7), now() - g * interval '1 minute'
     FROM generate_series(1, 5000) g;`,
    'shop',
  );
  await cluster.createDatabase('restored');
  configFile = join(dir, 'ops.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      targets: {
        shop: {
          postgres: [
            {
              host: '127.0.0.1',
              port: cluster.port,
              ssl: false,
              user: cluster.superuser,
              password: cluster.password,
              database: 'shop',
              backup: { maxAge: '1h' },
            },
          ],
        },
      },
    }),
  );
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('autopilot run backup / restore, --local', () => {
  it('backs up into the store layout, lists it, restores it equal, and refuses a non-empty target without --clean', async () => {
    const backup = await autopilot(['run', 'backup', '--local', '--json', '--store', store]);
    expect(backup.code, backup.stderr).toBe(0);
    const report = JSON.parse(backup.stdout) as Report;
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ target: 'shop', check: 'shop', kind: 'backup', severity: 'ok' });
    expect(backup.stdout).not.toContain(cluster.password);

    const listed = await autopilot(['restore', '--local', '--store', store, '--target', 'shop', '--list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = JSON.parse(listed.stdout) as Array<{ archiveKey: string; verified: boolean }>;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.verified).toBe(true);
    expect(entries[0]!.archiveKey).toMatch(/^backups\/shop\/shop\/\d{4}\/\d{2}\/\d{2}\/shop-shop-\d{8}T\d{6}\.\d{3}Z\.dump$/);

    const restored = await autopilot(['restore', '--local', '--store', store, '--target', 'shop', '--to', cluster.url('restored')]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('into 127.0.0.1');
    expect(restored.stdout + restored.stderr).not.toContain(cluster.password);
    expect(await checksum('restored')).toEqual(await checksum('shop'));

    await cluster.query(`DELETE FROM orders WHERE id > 10`, 'restored');
    const refused = await autopilot(['restore', '--local', '--store', store, '--target', 'shop', '--to', cluster.url('restored')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not empty.*--clean/);
    const clean = await autopilot(['restore', '--local', '--store', store, '--target', 'shop', '--to', cluster.url('restored'), '--clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await checksum('restored')).toEqual(await checksum('shop'));

    // The health job sees the fresh backup; with no backups at all it raises High.
    const health = JSON.parse((await autopilot(['run', 'health', '--local', '--json', '--store', store])).stdout) as Report;
    expect(health.findings.find((f) => f.check === 'shop.backup-age')?.severity).toBe('ok');
    const empty = JSON.parse((await autopilot(['run', 'health', '--local', '--json', '--store', join(dir, 'empty')])).stdout) as Report;
    expect(empty.findings.find((f) => f.check === 'shop.backup-age')?.severity).toBe('high');
  }, 180_000);

  it('a wrong password or a dead port on --to: one clear line and exit 4, no "internal error", no stack, no password', async () => {
    const backup = await autopilot(['run', 'backup', '--local', '--json', '--store', store]);
    expect(backup.code, backup.stderr).toBe(0);
    const wrong = await autopilot([
      'restore',
      '--local',
      '--store',
      store,
      '--target',
      'shop',
      '--to',
      cluster.url('restored', 'wrong-pw-xyz'),
    ]);
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(wrong.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^autopilot: --to 127\.0\.0\.1:\d+\/restored: login refused: password authentication failed for user "autopilot"$/,
      ),
    ]);
    expect(wrong.stderr).not.toContain('wrong-pw-xyz');
    const port = await freePort();
    const dead = await autopilot([
      'restore',
      '--local',
      '--store',
      store,
      '--target',
      'shop',
      '--to',
      `postgres://autopilot:pw@127.0.0.1:${port}/restored`,
    ]);
    expect(dead.code, dead.stderr).toBe(4);
    expect(dead.stderr.trim().split('\n')).toEqual([
      `autopilot: --to 127.0.0.1:${port}/restored: cannot connect: connection refused (ECONNREFUSED)`,
    ]);
  }, 180_000);

  it('TLS asked of a server without it, or a CA file that is not there: one line, exit 4 or 2, nothing restored', async () => {
    const backup = await autopilot(['run', 'backup', '--local', '--json', '--store', store]);
    expect(backup.code, backup.stderr).toBe(0);
    await cluster.createDatabase('tls_target');
    const restore = (url: string) => autopilot(['restore', '--local', '--store', store, '--target', 'shop', '--to', url]);
    const secret = 'tls-pw-secret-123';
    for (const mode of ['require', 'verify-full']) {
      const off = await restore(`postgres://autopilot:${secret}@127.0.0.1:${cluster.port}/tls_target?sslmode=${mode}`);
      expect(off.code, off.stderr).toBe(4);
      // Not pg's multi-line warning about its sslmode aliases, not an internal error with a stack.
      expect(off.stderr.trim().split('\n')).toEqual([
        `autopilot: --to 127.0.0.1:${cluster.port}/tls_target: cannot connect: ` +
          "the server does not accept TLS, which the URL's sslmode asks for",
      ]);
      expect(off.stderr).not.toContain(secret);
    }
    const missing = join(dir, 'no-such-ca.pem');
    const noCa = await restore(`postgres://autopilot@127.0.0.1:${cluster.port}/tls_target?sslmode=verify-full&sslrootcert=${missing}`);
    expect(noCa.code, noCa.stderr).toBe(2);
    expect(noCa.stderr.trim().split('\n')).toEqual([
      `autopilot: --to: cannot read ${missing} (ENOENT), named in the URL (sslrootcert, sslcert or sslkey)`,
    ]);
    expect(await cluster.query(`SELECT 1 FROM pg_tables WHERE tablename = 'orders'`, 'tls_target')).toEqual([]);
  }, 180_000);
});
