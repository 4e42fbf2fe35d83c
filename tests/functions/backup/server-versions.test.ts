import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { backupPostgres } from '../../../functions/backup/backup-postgres.js';
import { readArchiveHeader } from '../../../functions/backup/archive-header.js';
import { findingOf } from '../../../functions/backup/outcome.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { PG17_MISSING, pg17BinDir, serverBinaries } from '../../support/pg-versions.js';
import { configWith, postgresEntry, seedRealisticDatabase, tableChecksums } from './support/fixtures.js';
import { restoreBackup } from '../../../functions/restore/restore-backup.js';
import { validateConfig } from '../../../functions/kinds/config.js';

/**
 * pg_dump 17 (the image's client, from pg-trixie.sh) against servers 15 to 18: it dumps 15-17 with
 * zstd and says, as a High finding, that it cannot dump 18.
 */
const pg17 = pg17BinDir();

describe.skipIf(!pg17)(`pg_dump 17 against servers 15-18${pg17 ? '' : ` (skipped: ${PG17_MISSING})`}`, () => {
  const env = { ...process.env, PG_BIN_DIR: pg17! };

  describe.each([15, 16, 17] as const)('server %i', (major) => {
    const binaries = serverBinaries(major);
    let cluster: PostgresCluster;
    let store: LocalObjectStore;

    beforeAll(async () => {
      if (!binaries) return;
      cluster = await PostgresCluster.start({ bin: binaries.bin, wrapped: binaries.wrapped });
      store = new LocalObjectStore(mkdtempSync(join(tmpdir(), `autopilot-pg${major}-`)));
      await seedRealisticDatabase(cluster, 'shop');
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it.skipIf(!binaries)('backs up with zstd, verifies, and pg_restore 17 restores the archive into the same server', async () => {
      const config = validateConfig(configWith({ shop: { postgres: [postgresEntry(cluster, 'shop')] } }));
      const outcome = await backupPostgres({ target: 'shop', db: config.targets.shop!.postgres![0]!, store, secrets: localSecrets, env });
      if (!outcome.ok) throw new Error(`${outcome.stage}: ${outcome.reason}`);
      expect(outcome.manifest).toMatchObject({
        pgDumpVersion: expect.stringMatching(/^17\./),
        serverVersion: expect.stringMatching(new RegExp(`^${major}\\.`)),
        compression: 'zstd:1',
        archiveVersion: '1.16',
        verification: 'passed',
      });
      const header = await readArchiveHeader(await store.getStream(outcome.manifest.key));
      expect(header).toMatchObject({
        compression: 'zstd',
        dumpedBy: expect.stringMatching(/^17\./),
        dumpedFrom: expect.stringMatching(new RegExp(`^${major}\\.`)),
      });
      expect(findingOf(outcome).summary).toMatch(/zstd:1; at this rate Lambda finishes databases up to /);

      await cluster.createDatabase('restored');
      await restoreBackup({ store, target: 'shop', to: cluster.url('restored'), env });
      expect(await tableChecksums(cluster, 'restored')).toEqual(await tableChecksums(cluster, 'shop'));
    });
  });

  describe('server 18', () => {
    const binaries = serverBinaries(18);
    let cluster: PostgresCluster;

    beforeAll(async () => {
      if (binaries) cluster = await PostgresCluster.start({ bin: binaries.bin });
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it.skipIf(!binaries)('is a High finding naming the version mismatch and the client needed; nothing is stored', async () => {
      await cluster.createDatabase('shop');
      const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'autopilot-pg18-')));
      const config = validateConfig(configWith({ shop: { postgres: [postgresEntry(cluster, 'shop')] } }));
      const outcome = await backupPostgres({ target: 'shop', db: config.targets.shop!.postgres![0]!, store, secrets: localSecrets, env });
      expect(outcome).toMatchObject({ ok: false, stage: 'version' });
      const finding = findingOf(outcome);
      expect(finding.severity).toBe('high');
      expect(finding.summary).toMatch(
        /^backup failed \(version\): server 18\.\d+ is newer than the bundled pg_dump 17\.\d+; .*Bundle pg_dump 18 or newer/,
      );
      expect(await store.list('backups/')).toEqual([]);
    });
  });
});
