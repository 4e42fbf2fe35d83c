import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../../../functions/core/errors.js';
import { pgDumpCompressArg, resolveCompression } from '../../../functions/backup/compression.js';
import { parseArchiveHeader, restoreIncompatibility, restoreMajorNeeded } from '../../../functions/backup/archive-header.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { PG15_BIN_DIR, pg17BinDir } from '../../support/pg-versions.js';
import { seedRealisticDatabase } from './support/fixtures.js';
import { validateConfig } from '../../../functions/kinds/config.js';

function issues(compression: unknown): string[] {
  try {
    validateConfig({ targets: { shop: { postgres: [{ host: 'db', database: 'shop', user: 'u', backup: { compression } }] } } });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...(error.issues ?? [])];
  }
}

describe('backup.compression config', () => {
  it('takes a method, or a method and a level, and names the field of a bad one', () => {
    expect(issues('zstd')).toEqual([]);
    expect(issues({ method: 'gzip', level: 9 })).toEqual([]);
    expect(issues({ method: 'lz4' })).toEqual([]);
    expect(issues('brotli')).toEqual([expect.stringMatching(/^targets\.shop\.postgres\[0\]\.backup\.compression: invalid compression/)]);
    expect(issues({ method: 'zstd', level: 23 })).toEqual([
      'targets.shop.postgres[0].backup.compression.level: invalid level for zstd (use 1 to 22)',
    ]);
    expect(issues({ method: 'gzip', level: 0 })).toEqual([
      'targets.shop.postgres[0].backup.compression.level: invalid level for gzip (use 1 to 9)',
    ]);
    expect(issues({ method: 'none', level: 1 })).toEqual([
      'targets.shop.postgres[0].backup.compression.level: invalid level: "none" takes no level',
    ]);
    expect(issues({ method: 'zstd', level: 1.5 })).toEqual([
      expect.stringMatching(/^targets\.shop\.postgres\[0\]\.backup\.compression\.level: invalid level \(a whole number\)/),
    ]);
    expect(issues({ method: 'zstd', speed: 1 })[0]).toMatch(/^targets\.shop\.postgres\[0\]\.backup\.compression/);
  });

  it('defaults to zstd:1 with pg_dump 16 or newer and gzip:1 before, and refuses zstd/lz4 on an old pg_dump', () => {
    expect(resolveCompression(undefined, 17)).toEqual({ method: 'zstd', level: 1 });
    expect(resolveCompression(undefined, 16)).toEqual({ method: 'zstd', level: 1 });
    expect(resolveCompression(undefined, 15)).toEqual({ method: 'gzip', level: 1 });
    expect(resolveCompression({ method: 'gzip', level: 6 }, 17)).toEqual({ method: 'gzip', level: 6 });
    expect(resolveCompression('none', 15)).toEqual({ method: 'none' });
    expect(() => resolveCompression('zstd', 15)).toThrow(/"zstd" needs pg_dump 16 or newer; this pg_dump is 15 \(use "gzip"/);
    expect(pgDumpCompressArg({ method: 'zstd', level: 1 }, 17)).toBe('--compress=zstd:1');
    expect(pgDumpCompressArg({ method: 'none' }, 17)).toBe('--compress=none');
    expect(pgDumpCompressArg({ method: 'gzip', level: 1 }, 15)).toBe('--compress=1');
    expect(pgDumpCompressArg({ method: 'none' }, 15)).toBe('--compress=0');
  });
});

describe('archive header', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await seedRealisticDatabase(cluster, 'shop');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  function headOf(bin: string, compress: string): Buffer {
    const args = ['-Fc', `--compress=${compress}`, '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', 'shop'];
    const result = spawnSync(`${bin}/pg_dump`, args, {
      env: { ...process.env, PGPASSWORD: cluster.password },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(result.stderr.toString());
    return result.stdout.subarray(0, 1024);
  }

  it("reads pg_dump 15's header: format 1.14, gzip with its level, readable by pg_restore 14 and newer", () => {
    const gzip = parseArchiveHeader(headOf(PG15_BIN_DIR, '1'));
    expect(gzip).toMatchObject({ archiveVersion: '1.14', compression: 'gzip', level: 1, database: 'shop' });
    expect(gzip.dumpedBy).toMatch(/^15\./);
    expect(gzip.dumpedFrom).toMatch(/^15\./);
    expect(parseArchiveHeader(headOf(PG15_BIN_DIR, '0'))).toMatchObject({ compression: 'none', level: 0 });
    expect(restoreMajorNeeded(gzip)).toBe(14);
    expect(restoreIncompatibility(gzip, 15, '15.9')).toBeUndefined();
  });

  it.skipIf(!pg17BinDir())("reads pg_dump 17's header: format 1.16 and its algorithm byte; zstd and lz4 need pg_restore 17", () => {
    const bin = pg17BinDir()!;
    for (const method of ['zstd', 'lz4', 'gzip', 'none'] as const) {
      const header = parseArchiveHeader(headOf(bin, method));
      expect(header).toMatchObject({ archiveVersion: '1.16', compression: method, database: 'shop' });
      expect(header.dumpedBy).toMatch(/^17\./);
      expect(restoreMajorNeeded(header)).toBe(17);
      expect(restoreIncompatibility(header, 16, '16.4')).toMatch(/needs pg_restore 17 or newer; this pg_restore is 16\.4/);
    }
  });

  it('refuses what is not an archive, and a cut-off header', () => {
    expect(() => parseArchiveHeader(Buffer.from('-- PostgreSQL database dump\n'))).toThrow(/not a pg_dump custom-format archive/);
    const head = headOf(PG15_BIN_DIR, '1');
    expect(() => parseArchiveHeader(head.subarray(0, 30))).toThrow(/truncated/);
    expect(restoreMajorNeeded({ archiveMinor: 15, compression: 'gzip' })).toBe(16);
    expect(restoreMajorNeeded({ archiveMinor: 14, compression: 'zstd' })).toBe(16);
  });
});
