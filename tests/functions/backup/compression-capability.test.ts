import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { chooseCompression, probeCompression } from '../../../functions/backup/compression.js';
import { runBackupJob } from '../../../functions/backup/handler.js';
import { pgToolInfo } from '../../../functions/backup/pg-tools.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { PG15_BIN_DIR, PG17_MISSING, pg17BinDir, serverBinaries } from '../../support/pg-versions.js';
import { configWith, postgresEntry, RecordingNotifier } from './support/fixtures.js';

// Capabilities, not versions: the backup asks the pg_dump at hand what it can write. The stand-in for a build without
// zstd is a wrapper around the real pg_dump 17 that refuses the method as PostgreSQL's own check does, before it
// connects; everything else goes to the real binary.
const pg17 = pg17BinDir();
const pg15 = serverBinaries(15) ? PG15_BIN_DIR : undefined;
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-nozstd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A bin directory whose pg_dump refuses `--compress=zstd...` / `-Z zstd`, and whose pg_restore is the real one. */
function withoutZstd(realBin: string): string {
  const dir = mkdtempSync(join(scratch, 'bin-'));
  writeFileSync(
    join(dir, 'pg_dump'),
    [
      '#!/usr/bin/env bash',
      '# pg_dump built without zstd: it refuses the method while reading its options, before any connection.',
      'prev=',
      'for arg in "$@"; do',
      '  case "$prev:$arg" in',
      '    *:--compress=zstd*|*:-Zzstd*|-Z:zstd*|--compress:zstd*)',
      '      echo "pg_dump: error: this build does not support compression with zstd" >&2; exit 1 ;;',
      '  esac',
      '  prev=$arg',
      'done',
      `exec ${JSON.stringify(join(realBin, 'pg_dump'))} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'pg_dump'), 0o755);
  symlinkSync(join(realBin, 'pg_restore'), join(dir, 'pg_restore'));
  return dir;
}

describe('what a pg_dump can write, probed', () => {
  it.skipIf(!pg17)(`pg_dump 17 from Debian trixie writes zstd, lz4 and gzip${pg17 ? '' : ` (skipped: ${PG17_MISSING})`}`, async () => {
    const tool = await pgToolInfo('pg_dump', { PG_BIN_DIR: pg17 });
    expect(await probeCompression(tool)).toEqual({ unsupported: {} });
  });

  it.skipIf(!pg15)('pg_dump 15 knows gzip only, and says so in its own words', async () => {
    const tool = await pgToolInfo('pg_dump', { PG_BIN_DIR: pg15 });
    const { unsupported } = await probeCompression(tool);
    expect(Object.keys(unsupported).sort()).toEqual(['lz4', 'zstd']);
    expect(unsupported.zstd).toBe('invalid value "zstd" for option -Z/--compress');
  });

  it.skipIf(!pg17)(
    `a build without zstd: zstd refused with its message, lz4 and gzip written${pg17 ? '' : ` (skipped: ${PG17_MISSING})`}`,
    async () => {
      const tool = await pgToolInfo('pg_dump', { PG_DUMP: join(withoutZstd(pg17!), 'pg_dump') });
      expect(await probeCompression(tool)).toEqual({ unsupported: { zstd: 'this build does not support compression with zstd' } });
    },
  );

  it('the default falls back zstd, lz4, gzip:1 and says why; a configured method it cannot write is an error', () => {
    const v17 = { version: { major: 17, text: '17.6' } };
    const noZstd = { unsupported: { zstd: 'this build does not support compression with zstd' } };
    expect(chooseCompression(undefined, v17, { unsupported: {} })).toEqual({ spec: { method: 'zstd', level: 1 } });
    expect(chooseCompression(undefined, v17, noZstd)).toEqual({
      spec: { method: 'lz4', level: 1 },
      fallback: 'this pg_dump 17.6 cannot write zstd: this build does not support compression with zstd; used lz4:1',
    });
    expect(chooseCompression(undefined, v17, { unsupported: { ...noZstd.unsupported, lz4: 'no lz4' } }).spec).toEqual({
      method: 'gzip',
      level: 1,
    });
    expect(chooseCompression(undefined, v17, { unsupported: { zstd: 'a', lz4: 'b', gzip: 'c' } })).toMatchObject({
      spec: { method: 'none' },
    });
    expect(() => chooseCompression('zstd', v17, noZstd)).toThrow(
      'backup.compression "zstd": this pg_dump 17.6 cannot write zstd (this build does not support compression with zstd); use "lz4" or ' +
        '"gzip", or a pg_dump built with zstd (PG_BIN_DIR)',
    );
    expect(chooseCompression({ method: 'lz4', level: 5 }, v17, noZstd)).toEqual({ spec: { method: 'lz4', level: 5 } });
    // pg_dump 15 has gzip only: its default is no news, and asking it for zstd names the version.
    const v15 = { version: { major: 15, text: '15.14' } };
    const old = {
      unsupported: { zstd: 'invalid value "zstd" for option -Z/--compress', lz4: 'invalid value "lz4" for option -Z/--compress' },
    };
    expect(chooseCompression(undefined, v15, old)).toEqual({ spec: { method: 'gzip', level: 1 } });
    expect(() => chooseCompression('zstd', v15, old)).toThrow(/"zstd" needs pg_dump 16 or newer; this pg_dump is 15/);
  });
});

describe.skipIf(!pg17)(`backups with a pg_dump built without zstd${pg17 ? '' : ` (skipped: ${PG17_MISSING})`}`, () => {
  let cluster: PostgresCluster;
  let bin: string;

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await cluster.createDatabase('shop');
    await cluster.query(
      'CREATE TABLE orders (id serial PRIMARY KEY, note text); ' +
        'INSERT INTO orders (note) SELECT md5(g::text) FROM generate_series(1, 500) g',
      'shop',
    );
    bin = withoutZstd(pg17!);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function backup(compression?: string) {
    const config = validateConfig(
      configWith({ shop: { postgres: [postgresEntry(cluster, 'shop', { backup: compression ? { compression } : {} })] } }),
    );
    const store = new LocalObjectStore(mkdtempSync(join(scratch, 'store-')));
    const notifier = new RecordingNotifier();
    const report = await runBackupJob(
      config,
      { targets: ['shop'], secrets: localSecrets, env: { ...process.env, PG_BIN_DIR: bin } },
      { config, store, notifier },
    );
    return { finding: report.findings[0]!, notifier };
  }

  it('the default: backed up with lz4:1, a Low finding saying zstd is not in this build', async () => {
    const { finding, notifier } = await backup();
    expect(finding.severity).toBe('low');
    expect(finding.observed).toMatchObject({ compression: 'lz4:1', verification: 'passed' });
    expect(finding.summary).toMatch(
      /, lz4:1; .*not the default zstd: this pg_dump 17\.\d+ cannot write zstd: this build does not support /,
    );
    expect(finding.summary).toMatch(
      /compression with zstd; used lz4:1 \(the archive is larger and slower to make; use a pg_dump built with zstd\)$/,
    );
    // The backup job alerts on its first Low, so the operator hears of it once, not silently.
    expect(notifier.published.map((n) => n.severity)).toEqual(['low']);
  });

  it('compression: "zstd" configured: the backup fails, High, naming the field and what this pg_dump can write', async () => {
    const { finding } = await backup('zstd');
    expect(finding.severity).toBe('high');
    expect(finding.observed).toMatchObject({ stage: 'config' });
    const version = finding.summary.match(/pg_dump (17\.\d+)/)![1];
    expect(finding.summary).toBe(
      `backup failed (config): targets.shop.postgres "shop": backup.compression "zstd": this pg_dump ${version} cannot write zstd ` +
        '(this build does not support compression with zstd); use "lz4" or "gzip", or a pg_dump built with zstd (PG_BIN_DIR)',
    );
  });
});
