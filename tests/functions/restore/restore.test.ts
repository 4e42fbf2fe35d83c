import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { backupPostgres } from '../../../functions/backup/backup-postgres.js';
import { RestoreRefusedError, chooseBackup, parseTargetUrl, restoreBackup } from '../../../functions/restore/restore-backup.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { PG15_BIN_DIR, pg17BinDir } from '../../support/pg-versions.js';
import { ObservedStore, configWith, postgresEntry, seedRealisticDatabase, tableChecksums } from '../backup/support/fixtures.js';
import { toolShim } from '../backup/support/tool-shim.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const SPECIAL_PASSWORD = 'p@ss:w/rd%?#x';

describe('restore', () => {
  let cluster: PostgresCluster;
  let store: LocalObjectStore;

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'autopilot-restore-')));
    await seedRealisticDatabase(cluster, 'shop');
    await cluster.query(`CREATE ROLE restorer LOGIN SUPERUSER PASSWORD '${SPECIAL_PASSWORD.replace(/'/g, "''")}'`);
    const config = validateConfig(configWith({ shop: { postgres: [postgresEntry(cluster, 'shop')] } }));
    const outcome = await backupPostgres({
      target: 'shop',
      db: config.targets.shop!.postgres![0]!,
      store,
      secrets: localSecrets,
      now: () => new Date('2026-11-20T17:00:00Z'),
    });
    expect(outcome.ok).toBe(true);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  function urlAs(database: string): string {
    return `postgres://restorer:${encodeURIComponent(SPECIAL_PASSWORD)}@127.0.0.1:${cluster.port}/${database}`;
  }

  it('refuses a target database with any user table unless clean, then replaces its objects with --clean', async () => {
    await cluster.createDatabase('busy');
    await cluster.query(`CREATE TABLE owners (id int); INSERT INTO owners VALUES (1), (2); CREATE TABLE keepme (x int)`, 'busy');

    const refused = restoreBackup({ store, target: 'shop', to: urlAs('busy') });
    await expect(refused).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(refused).rejects.toThrow(/127\.0\.0\.1:\d+\/busy is not empty \(2 table\(s\): public\.keepme, public\.owners\).*--clean/);
    expect((await cluster.query('SELECT count(*)::int AS n FROM owners', 'busy'))[0]!.n).toBe(2);

    const shim = toolShim('pg_restore');
    const result = await restoreBackup({
      store,
      target: 'shop',
      to: urlAs('busy'),
      clean: true,
      env: { ...process.env, PG_RESTORE: shim.path },
    });
    expect(result.tables).toBe(9);
    const restored = await tableChecksums(cluster, 'busy');
    const source = await tableChecksums(cluster, 'shop');
    const { 'public.keepme': kept, ...rest } = restored;
    expect(rest).toEqual(source);
    expect(kept).toEqual({ rows: 0, md5: expect.any(String) });

    const calls = shim.calls();
    const argv = calls
      .split('\n')
      .filter((line) => line.startsWith('ARGV'))
      .join('\n');
    expect(argv).not.toContain(SPECIAL_PASSWORD);
    expect(argv).not.toContain(encodeURIComponent(SPECIAL_PASSWORD));
    expect(calls).toMatch(
      new RegExp(
        `ARGV --dbname postgres://restorer@127\\.0\\.0\\.1:${cluster.port}/busy --no-password --single-transaction --exit-on-error ` +
          `--clean --if-exists`,
      ),
    );
    expect(calls).toContain(`PGPASSWORD=${SPECIAL_PASSWORD}`);
  });

  it.each([
    ['last', /does not match its manifest.*nothing was committed/],
    ['first', /pg_restore exited with status 1/],
  ] as const)('commits nothing when the archive read back is corrupted (%s bytes)', async (where, error) => {
    const database = `target_corrupt_${where}`;
    await cluster.createDatabase(database);
    const corrupting = new ObservedStore(store, { corruptReads: where });
    const attempt = restoreBackup({ store: corrupting, target: 'shop', to: urlAs(database) });
    await expect(attempt).rejects.toThrow(error);
    await expect(attempt).rejects.not.toThrow(SPECIAL_PASSWORD);
    const tables = await cluster.query(
      `SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace <> 'pg_catalog'::regnamespace AND relnamespace <> ` +
        `'information_schema'::regnamespace AND relnamespace::regnamespace::text !~ '^pg_'`,
      database,
    );
    expect(tables).toEqual([]);
  });

  // pg_restore 17 into this server 15 goes through psql (its SET transaction_timeout line dropped).
  it.skipIf(!pg17BinDir()).each([
    ['last', /does not match its manifest.*nothing was committed/],
    // pg_restore -f - may still be reading when the digest says no: either cause, nothing committed.
    ['first', /pg_restore exited with status 1|does not match its manifest.*nothing was committed/],
  ] as const)(
    'pg_restore 17 into server 15 (through psql): restores equal rows, and commits nothing from a corrupted read (%s bytes)',
    async (where, error) => {
      const env = { ...process.env, PG_BIN_DIR: pg17BinDir()! };
      const good = `p17_ok_${where}`;
      await cluster.createDatabase(good);
      await restoreBackup({ store, target: 'shop', database: 'shop', to: urlAs(good), env });
      expect(await tableChecksums(cluster, good)).toEqual(await tableChecksums(cluster, 'shop'));

      const database = `p17_corrupt_${where}`;
      await cluster.createDatabase(database);
      const corrupting = new ObservedStore(store, { corruptReads: where });
      const attempt = restoreBackup({ store: corrupting, target: 'shop', database: 'shop', to: urlAs(database), env });
      await expect(attempt).rejects.toThrow(error);
      await expect(attempt).rejects.not.toThrow(SPECIAL_PASSWORD);
      expect(await cluster.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`, database)).toEqual([{ n: 0 }]);
    },
  );

  it('reports a pg_restore failure with the password redacted and the transaction rolled back', async () => {
    const attempt = restoreBackup({ store, target: 'shop', to: urlAs('does_not_exist') });
    await expect(attempt).rejects.toThrow(/does_not_exist/);
    await expect(attempt).rejects.not.toThrow(SPECIAL_PASSWORD);
  });

  // Changed on purpose (issue 11): the check reads the archive's own header (format version and
  // compression), not the manifest's pg_dump version, and names the client the archive needs.
  it.skipIf(!pg17BinDir())('refuses, from the archive header, a zstd archive the pg_restore at hand cannot read', async () => {
    const config = validateConfig(configWith({ shop: { postgres: [postgresEntry(cluster, 'shop')] } }));
    const outcome = await backupPostgres({
      target: 'zstd',
      db: config.targets.shop!.postgres![0]!,
      store,
      secrets: localSecrets,
      env: { ...process.env, PG_BIN_DIR: pg17BinDir()! },
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.manifest.compression).toBe('zstd:1');
    await cluster.createDatabase('newer');
    const attempt = restoreBackup({ store, target: 'zstd', to: urlAs('newer'), env: { ...process.env, PG_BIN_DIR: PG15_BIN_DIR } });
    await expect(attempt).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        /archive format 1\.16, zstd compression, written by pg_dump 17\.\d+.*\) needs pg_restore 17 or newer; /.source +
          /this pg_restore is 15\.\d+ .*install the PostgreSQL 17 client/.source,
      ),
    );
    expect(await cluster.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`, 'newer')).toEqual([{ n: 0 }]);
  });

  it('parses target URLs and picks backups, naming the offending option', () => {
    expect(parseTargetUrl('postgresql://u:s%40cret@db.example:6543/app?sslmode=require')).toEqual({
      url: 'postgresql://u@db.example:6543/app?sslmode=require',
      password: 's@cret',
      database: 'app',
      display: 'db.example:6543/app',
    });
    expect(() => parseTargetUrl('mysql://x@y/z')).toThrow(/--to: expected a postgres:\/\/ URL/);
    expect(() => parseTargetUrl('postgres://x@y')).toThrow(/--to: the URL names no database/);
    expect(() => chooseBackup([], undefined, 'shop/shop')).toThrow(/no verified backup of shop\/shop/);
  });

  it('asks which database when a target has backups of several', async () => {
    await store.put('backups/shop/other/2026/11/20/shop-other-20261120T170000.000Z.dump', Buffer.from('x'));
    try {
      await expect(restoreBackup({ store, target: 'shop', to: urlAs('x') })).rejects.toThrow(
        /--database: target shop has backups of other, shop; say which/,
      );
    } finally {
      await store.delete('backups/shop/other/2026/11/20/shop-other-20261120T170000.000Z.dump');
    }
  });
});
