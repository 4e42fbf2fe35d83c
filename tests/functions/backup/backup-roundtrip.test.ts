import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { backupPostgres } from '../../../functions/backup/backup-postgres.js';
import { checkBackupFreshness } from '../../../functions/backup/freshness.js';
import { parseBackupKey } from '../../../functions/core/layout.js';
import { parseManifest } from '../../../functions/backup/manifest.js';
import { runBackupJob } from '../../../functions/backup/handler.js';
import { listBackups } from '../../../functions/restore/list-backups.js';
import { restoreBackup } from '../../../functions/restore/restore-backup.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { S3TestServer } from '../../support/s3-server.js';
import {
  ObservedStore,
  RecordingNotifier,
  configWith,
  postgresEntry,
  seedLargeTable,
  seedRealisticDatabase,
  sequenceValues,
  tableChecksums,
} from './support/fixtures.js';
import type { Config } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

describe('backup round trip through a real S3 protocol server', () => {
  let cluster: PostgresCluster;
  let s3: S3TestServer;
  let store: S3ObjectStore;
  let config: Config;

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start()]);
    store = new S3ObjectStore(s3.bucket, s3.client());
    await seedRealisticDatabase(cluster, 'mycats');
    // Three 8 MiB parts and more of random bytes, which do not compress.
    await cluster.createDatabase('parts');
    await seedLargeTable(cluster, 'parts', 24);
    config = validateConfig(configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats', { backup: { retentionDays: 45 } })] } }));
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), s3?.destroy()]);
  });

  it('backs up, verifies, writes the manifest last, and restores into a fresh database with equal rows', async () => {
    const startedAt = new Date('2026-11-23T17:00:00.250Z');
    const notifier = new RecordingNotifier();
    const report = await runBackupJob(
      config,
      { targets: ['mycats'], secrets: localSecrets },
      { config, store, notifier, now: () => startedAt },
    );

    expect(report.job).toBe('backup');
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ target: 'mycats', check: 'mycats', kind: 'backup', severity: 'ok' });
    expect(finding!.summary).toMatch(/verified/);
    expect(notifier.published).toEqual([]);

    const archiveKey = 'backups/mycats/mycats/2026/11/23/mycats-mycats-20261123T170000.250Z.dump';
    const stored = (await store.list('backups/')).map((o) => o.key);
    expect(stored).toEqual([archiveKey, archiveKey.replace(/\.dump$/, '.json')]);

    const manifest = parseManifest((await store.get(archiveKey.replace(/\.dump$/, '.json')))!.body, 'manifest');
    const archive = await store.get(archiveKey);
    const { createHash } = await import('node:crypto');
    expect(manifest.size).toBe(archive!.body.length);
    expect(manifest.sha256).toBe(createHash('sha256').update(archive!.body).digest('hex'));
    expect(archive!.body.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    // Below one part the archive is a single PUT, whose ETag is its MD5: the store vouches for the bytes.
    expect(manifest).toMatchObject({
      target: 'mycats',
      database: 'mycats',
      kind: 'postgres',
      via: 'lambda',
      retentionDays: 45,
      verification: 'passed',
      verifiedBy: 'store-checksums',
      serverVersion: expect.stringMatching(/^15\./),
      pgDumpVersion: expect.stringMatching(/^1[5-9]/),
    });
    expect(manifest.tableList).toEqual([
      'audit.events',
      'public.cats',
      'public.empty_table',
      'public.metrics',
      'public.metrics_h1',
      'public.metrics_h2',
      'public.owners',
      'public.visits',
    ]);
    expect(manifest.tables).toBe(8);
    // pg_dump's own run time, on the monotonic clock (this test freezes the wall clock).
    expect(manifest.dumpMs).toBeGreaterThan(0);
    expect(manifest.dumpMs).toBeLessThan(60_000);

    await cluster.createDatabase('restored');
    const result = await restoreBackup({ store, target: 'mycats', to: cluster.url('restored') });
    expect(result.archiveKey).toBe(archiveKey);
    expect(result.tables).toBe(8);

    const [before, after] = await Promise.all([tableChecksums(cluster, 'mycats'), tableChecksums(cluster, 'restored')]);
    expect(Object.keys(before)).toHaveLength(7);
    expect(before['public.visits']!.rows).toBe(5000);
    expect(after).toEqual(before);
    expect(await sequenceValues(cluster, 'restored')).toEqual(await sequenceValues(cluster, 'mycats'));
    const [view] = await cluster.query<{ n: string }>('SELECT count(*) AS n FROM heavy_cats', 'restored');
    expect(Number(view!.n)).toBeGreaterThan(0);
  });

  it('lists backups newest first, marks an archive without manifest unverified, and restores "at" a time', async () => {
    const db = config.targets.mycats!.postgres![0]!;
    const second = await backupPostgres({
      target: 'mycats',
      db,
      store,
      secrets: localSecrets,
      now: () => new Date('2026-11-24T17:00:00.000Z'),
    });
    expect(second.ok).toBe(true);
    await cluster.query(`INSERT INTO owners (name) VALUES ('after the second backup')`, 'mycats');
    // An archive whose run never wrote a manifest (killed Lambda): listed, never restored.
    await store.put('backups/mycats/mycats/2026/11/25/mycats-mycats-20261125T170000.000Z.dump', Buffer.from('PGDMP partial'));

    const entries = await listBackups(store, 'mycats');
    expect(entries.map((e) => [e.startedAt.toISOString(), e.verified])).toEqual([
      ['2026-11-25T17:00:00.000Z', false],
      ['2026-11-24T17:00:00.000Z', true],
      ['2026-11-23T17:00:00.250Z', true],
    ]);
    expect(entries[1]!.manifest?.sha256).toMatch(/^[0-9a-f]{64}$/);

    await cluster.createDatabase('as_of_first');
    const restored = await restoreBackup({
      store,
      target: 'mycats',
      database: 'mycats',
      at: '2026-11-24T12:00:00+09:00',
      to: cluster.url('as_of_first'),
    });
    expect(parseBackupKey(restored.archiveKey)?.startedAt.toISOString()).toBe('2026-11-23T17:00:00.250Z');

    await cluster.createDatabase('latest');
    const latest = await restoreBackup({ store, target: 'mycats', at: 'latest', to: cluster.url('latest') });
    expect(parseBackupKey(latest.archiveKey)?.startedAt.toISOString()).toBe('2026-11-24T17:00:00.000Z');
  });

  it('reports freshness from the newest manifest: ok within maxAge, High beyond it', async () => {
    const fresh = await checkBackupFreshness(config, store, new Date('2026-11-25T12:00:00Z'));
    expect(fresh).toEqual([expect.objectContaining({ target: 'mycats', check: 'mycats.backup-age', kind: 'backup', severity: 'ok' })]);
    const stale = await checkBackupFreshness(config, store, new Date('2026-11-25T19:00:01Z'));
    expect(stale[0]).toMatchObject({ severity: 'high' });
    expect(stale[0]!.summary).toMatch(/more than maxAge 26h/);
  });

  // S3 answers a multipart object's ETag as the MD5 of its parts' MD5s; stock s3rver answers the
  // whole object's MD5, which the uploader cannot check without a second pass.
  it.each([
    ["an S3-like server: the parts' MD5s and the multipart ETag vouch for the bytes, only the head is read", true, 'store-checksums'],
    ['stock s3rver: nothing checkable, so the whole archive is read back', false, 'read-back'],
  ] as const)('verifies a multipart archive on %s', async (_label, s3LikeCompletion, verifiedBy) => {
    const server = await S3TestServer.start('autopilot-parts', undefined, { s3LikeCompletion });
    try {
      const observed = new ObservedStore(new S3ObjectStore(server.bucket, server.client()));
      const db = validateConfig(configWith({ parts: { postgres: [postgresEntry(cluster, 'parts')] } })).targets.parts!.postgres![0]!;
      const outcome = await backupPostgres({ target: 'parts', db, store: observed, secrets: localSecrets });
      expect(outcome.ok).toBe(true);
      const manifest = outcome.ok ? outcome.manifest : undefined;
      expect(manifest!.size).toBeGreaterThan(3 * 8 * 1024 * 1024);
      expect(manifest).toMatchObject({ verification: 'passed', verifiedBy, tableList: ['public.big'] });
      if (verifiedBy === 'store-checksums') expect(observed.downloaded).toBeLessThan(1024 * 1024);
      else expect(observed.downloaded).toBe(manifest!.size);

      const restored = `parts_${verifiedBy.replace('-', '_')}`;
      await cluster.createDatabase(restored);
      await restoreBackup({ store: observed, target: 'parts', to: cluster.url(restored) });
      const [before, after] = await Promise.all([tableChecksums(cluster, 'parts'), tableChecksums(cluster, restored)]);
      expect(after).toEqual(before);
    } finally {
      await server.destroy();
    }
  });
});
