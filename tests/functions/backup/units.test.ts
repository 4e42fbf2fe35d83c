import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { missingTables, parseToc } from '../../../functions/backup/archive-toc.js';
import { checkBackupFreshness } from '../../../functions/backup/freshness.js';
import { backupKeys, parseBackupKey } from '../../../functions/core/layout.js';
import { findingOf } from '../../../functions/backup/outcome.js';
import { locatePgTool, parseToolVersion, serverVersionOf, versionMismatch } from '../../../functions/backup/pg-tools.js';
import { backupAlertConfig, selectEntries } from '../../../functions/backup/run-backups.js';
import { TailBuffer } from '../../../functions/backup/child-process.js';
import { validateConfig } from '../../../functions/kinds/config.js';

describe('key layout', () => {
  it('writes backups/<target>/<database>/<YYYY>/<MM>/<DD>/<target>-<database>-<UTC timestamp>, manifest beside', () => {
    const at = new Date('2026-01-02T03:04:05.678+09:00');
    expect(backupKeys('mycats', 'main', at)).toEqual({
      archiveKey: 'backups/mycats/main/2026/01/01/mycats-main-20260101T180405.678Z.dump',
      manifestKey: 'backups/mycats/main/2026/01/01/mycats-main-20260101T180405.678Z.json',
    });
    expect(backupKeys('tasks', 'tasks', at, 'sqlite-gzip').archiveKey).toMatch(/tasks-tasks-20260101T180405\.678Z\.sqlite\.gz$/);
  });

  it('parses its own keys and nothing else', () => {
    const { archiveKey, manifestKey } = backupKeys('system-gear', 'stock', new Date('2026-11-23T17:00:00Z'));
    expect(parseBackupKey(archiveKey)).toEqual({
      target: 'system-gear',
      database: 'stock',
      startedAt: new Date('2026-11-23T17:00:00Z'),
      role: 'archive',
      format: 'pg_dump-custom',
      base: archiveKey.replace(/\.dump$/, ''),
    });
    expect(parseBackupKey(manifestKey)?.role).toBe('manifest');
    expect(parseBackupKey('backups/system-gear/stock/2026/11/23/other-stock-20261123T170000.000Z.dump')).toBeUndefined();
    expect(parseBackupKey('backups/system-gear/stock/2026/11/23/system-gear-stock-20261123T170000Z.dump')).toBeUndefined();
    expect(parseBackupKey('state/alerts/backup.json')).toBeUndefined();
  });
});

describe('pg tools', () => {
  it('reads versions of tools and servers', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n')).toEqual({ major: 15, minor: 18, text: '15.18' });
    expect(parseToolVersion('pg_dump (PostgreSQL) 17devel')).toEqual({ major: 17, minor: 0, text: '17' });
    expect(parseToolVersion('bash: pg_dump: command not found')).toBeUndefined();
    expect(serverVersionOf(170002)).toEqual({ major: 17, minor: 2, text: '17.2' });
    expect(serverVersionOf(90624)).toEqual({ major: 9.6, minor: 24, text: '9.6.24' });
  });

  it('says a newer server is newer, before pg_dump would fail on it', () => {
    const tool = { path: '/usr/bin/pg_dump', version: { major: 15, minor: 18, text: '15.18' }, versionLine: '' };
    expect(versionMismatch(serverVersionOf(150004), tool)).toBeUndefined();
    expect(versionMismatch(serverVersionOf(140010), tool)).toBeUndefined();
    expect(versionMismatch(serverVersionOf(170002), tool)).toMatch(
      /^server 17\.2 is newer than the bundled pg_dump 15\.18; .* Bundle pg_dump 17 or newer/,
    );
    expect(versionMismatch(serverVersionOf(90124), tool)).toMatch(/older than 9\.2/);
  });

  it('finds pg_dump and pg_restore in one place: PG_DUMP, PG_BIN_DIR, PATH', () => {
    expect(locatePgTool('pg_dump', { PG_DUMP: '/opt/pg17/bin/pg_dump', PG_BIN_DIR: '/x' })).toBe('/opt/pg17/bin/pg_dump');
    expect(locatePgTool('pg_restore', { PG_DUMP: '/opt/pg17/bin/pg_dump' })).toBe('/opt/pg17/bin/pg_restore');
    expect(locatePgTool('pg_restore', { PG_BIN_DIR: '/usr/pgsql-17/bin' })).toBe('/usr/pgsql-17/bin/pg_restore');
    // A directory on PATH holding an executable pg_dump (made here: the test needs no PostgreSQL installed).
    const bin = mkdtempSync(join(tmpdir(), 'autopilot-path-'));
    writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\n', { mode: 0o755 });
    expect(locatePgTool('pg_dump', { PATH: `/nonexistent:${bin}:/usr/bin` })).toBe(join(bin, 'pg_dump'));
    rmSync(bin, { recursive: true, force: true });
    // Nothing on PATH: the newest Debian client, else the bare name (whose absence the run then names).
    expect(locatePgTool('pg_dump', { PATH: '/nonexistent' })).toMatch(/^(\/usr\/lib\/postgresql\/\d+\/bin\/pg_dump|pg_dump)$/);
  });
});

describe('table of contents', () => {
  const listing = [
    ';',
    '; Archive created at 2026-11-23 17:00:00 UTC',
    ';     dbname: mycats',
    '; Dumped from database version: 17.2',
    '; Dumped by pg_dump version: 17.2',
    ';',
    '215; 1259 16386 TABLE public cats autopilot',
    '216; 1259 16390 TABLE public my table owner_1',
    '217; 1259 16400 TABLE audit events autopilot',
    '218; 1259 16410 TABLE public metrics autopilot',
    '3345; 0 16386 TABLE DATA public cats autopilot',
    '3346; 0 16390 TABLE DATA public my table owner_1',
    '3350; 2606 16420 CONSTRAINT public cats cats_pkey autopilot',
  ].join('\n');

  it('reads table definitions, table data and the versions', () => {
    const toc = parseToc(listing);
    expect(toc).toEqual({
      tables: ['public.cats', 'public.my table', 'audit.events', 'public.metrics'],
      tableData: ['public.cats', 'public.my table'],
      entries: 7,
      dumpedFrom: '17.2',
      dumpedBy: '17.2',
    });
  });

  it('names expected tables without a definition, or without rows of their own', () => {
    const toc = parseToc(listing);
    expect(
      missingTables(toc, [
        { schema: 'public', name: 'cats', kind: 'r' },
        { schema: 'public', name: 'my table', kind: 'r' },
        { schema: 'public', name: 'metrics', kind: 'p' },
        { schema: 'audit', name: 'events', kind: 'r' },
        { schema: 'public', name: 'ghost', kind: 'r' },
      ]),
    ).toEqual(['audit.events', 'public.ghost']);
  });
});

describe('child processes', () => {
  it('keeps the end of a long stderr', () => {
    const tail = new TailBuffer(10);
    tail.push(Buffer.from('0123456789'));
    tail.push(Buffer.from('abcdef'));
    expect(tail.toString()).toBe('6789abcdef');
  });
});

describe('selection, alerting and freshness', () => {
  const config = validateConfig({
    targets: {
      mycats: {
        postgres: [
          { host: 'h', database: 'mycats', user: 'u', backup: { maxAge: '2h' } },
          { host: 'h', database: 'other', user: 'u' },
        ],
      },
      tasks: { sqlite: [{ name: 'tasks', path: '/srv/tasks.db', backup: { via: 'ssm' } }] },
    },
  });

  it('selects backed-up databases and names the offending field', () => {
    expect(selectEntries(config, undefined, undefined).map((e) => `${e.target}/${e.database}`)).toEqual(['mycats/mycats', 'tasks/tasks']);
    expect(() => selectEntries(config, ['mycats', 'cats'], undefined)).toThrow('targets[1]: unknown target "cats" (known: mycats, tasks)');
    expect(() => selectEntries(config, ['mycats'], 'other')).toThrow(
      'database: target mycats backs up no database "other" (known: mycats)',
    );
  });

  it('takes verify as true, false or "read-back", and names the field otherwise', () => {
    const withVerify = (verify: unknown) =>
      validateConfig({ targets: { t: { postgres: [{ host: 'h', database: 'd', user: 'u', backup: { verify } }] } } });
    expect(withVerify('read-back').targets.t!.postgres![0]!.backup!.verify).toBe('read-back');
    expect(withVerify(false).targets.t!.postgres![0]!.backup!.verify).toBe(false);
    expect(config.targets.mycats!.postgres![0]!.backup!.verify).toBe(true);
    expect(() => withVerify('always')).toThrow('targets.t.postgres[0].backup.verify: invalid verify (use true, false or "read-back")');
  });

  it('alerts on the first failed backup', () => {
    expect(config.alerting.consecutiveFailures).toBe(2);
    expect(backupAlertConfig(config).alerting).toEqual({ ...config.alerting, consecutiveFailures: 1 });
  });

  it('raises High when there is no backup at all, and ignores an archive without manifest', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'autopilot-fresh-')));
    await store.put('backups/mycats/mycats/2026/11/23/mycats-mycats-20261123T170000.000Z.dump', 'PGDMP');
    await store.put('backups/mycats/mycats/2026/11/23/mycats-mycats-20261123T170000.000Z.json', '{"not":"a manifest"}');
    const findings = await checkBackupFreshness(config, store, new Date('2026-11-23T18:00:00Z'));
    expect(findings.map((f) => [f.target, f.check, f.severity])).toEqual([
      ['mycats', 'mycats.backup-age', 'high'],
      ['tasks', 'tasks.backup-age', 'high'],
    ]);
    expect(findings[0]!.summary).toMatch(/^no verified backup in .*backups\/mycats\/mycats\/$/);
  });

  it('turns outcomes into findings with the stage and a redacted reason', () => {
    expect(
      findingOf({ ok: false, target: 't', database: 'd', stage: 'verify', reason: 'why', durationMs: 5, archiveKey: 'k', leftover: 'k' }),
    ).toEqual({
      target: 't',
      check: 'd',
      kind: 'backup',
      severity: 'high',
      summary: 'backup failed (verify): why; could not delete k, remove it by hand',
      observed: { stage: 'verify', reason: 'why', failedAfterMs: 5, key: 'k', leftover: 'k' },
    });
  });
});

describe('backup findings on the dashboard log', () => {
  it('give size and duration of a stored backup, and nothing measured for a failed one', async () => {
    const { findingLogRecords } = await import('../../../functions/core/observability/finding-log.js');
    const { dashboardValuesOf } = await import('../../../functions/kinds/catalog.js');
    const manifest = {
      version: 1 as const,
      target: 't',
      database: 'd',
      source: 'd',
      kind: 'postgres' as const,
      via: 'lambda' as const,
      format: 'pg_dump-custom' as const,
      key: 'k',
      size: 1234,
      sha256: 'a'.repeat(64),
      startedAt: '',
      finishedAt: '',
      durationMs: 56,
      toolVersion: 'pg_dump (PostgreSQL) 17.2',
      tables: 1,
      tableList: ['public.x'],
      retentionDays: 30,
      verification: 'passed' as const,
    };
    const ok = findingOf({ ok: true, target: 't', database: 'd', manifest, manifestKey: 'k.json' });
    const failed = findingOf({ ok: false, target: 't', database: 'd', stage: 'dump', reason: 'x', durationMs: 9 });
    const [stored, notStored] = findingLogRecords('backup', [ok, failed], dashboardValuesOf);
    expect(stored).toMatchObject({ target: 't', kind: 'backup', severity: 'ok', sizeBytes: 1234, durationMs: 56, database: 'd' });
    // A failed run reports its time as failedAfterMs: no size and no duration of a backup that does not exist.
    expect(notStored).toMatchObject({ severity: 'high', database: 'd' });
    expect(notStored).not.toHaveProperty('sizeBytes');
    expect(notStored?.durationMs).toBeUndefined();
  });
});

describe('the Lambda time budget', () => {
  const manifest = {
    version: 1 as const,
    target: 't',
    database: 'd',
    source: 'd',
    kind: 'postgres' as const,
    via: 'lambda' as const,
    format: 'pg_dump-custom' as const,
    key: 'k',
    size: 300 * 1024 ** 2,
    sha256: 'a'.repeat(64),
    startedAt: '',
    finishedAt: '',
    toolVersion: 'pg_dump (PostgreSQL) 17.12',
    compression: 'zstd:1',
    tables: 1,
    tableList: ['public.x'],
    retentionDays: 30,
    verification: 'passed' as const,
  };
  it('says the size above which Lambda would not finish, at the run rate, less the safety margin', async () => {
    const { lambdaLimitBytes } = await import('../../../functions/backup/lambda-budget.js');
    // 1 GiB in 60 s: 14 minutes (15 less the 1-minute margin) fit 14 GiB.
    expect(lambdaLimitBytes(1024 ** 3, 60_000)).toBe(14 * 1024 ** 3);
    expect(lambdaLimitBytes(1024 ** 3, 60_000, 5 * 60_000)).toBe(4 * 1024 ** 3);
    expect(lambdaLimitBytes(0, 60_000)).toBeUndefined();
  });

  it('is a Low finding when a Lambda backup took over 60% of its timeout, ok below, and never judged outside Lambda', () => {
    const run = (durationMs: number, lambdaTimeoutMs?: number) =>
      findingOf(
        {
          ok: true,
          target: 't',
          database: 'd',
          manifest: { ...manifest, durationMs, databaseBytes: 2 ** 30, lambdaLimitBytes: 5 * 2 ** 30 },
          manifestKey: 'k.json',
        },
        { lambdaTimeoutMs },
      );
    const slow = run(541_000, 900_000);
    expect(slow.severity).toBe('low');
    expect(slow.summary).toMatch(
      new RegExp(
        /zstd:1; at this rate Lambda finishes databases up to 5(\.0)? GiB \(this one: 1(\.0)? GiB\); /.source +
          /took 60% of the Lambda timeout \(over 60%\): set backup\.runOn to "fargate"/.source,
      ),
    );
    expect(slow.observed).toMatchObject({
      lambdaLimitBytes: 5 * 2 ** 30,
      databaseBytes: 2 ** 30,
      lambdaTimeoutMs: 900_000,
      compression: 'zstd:1',
    });
    expect(run(539_000, 900_000).severity).toBe('ok');
    expect(run(899_000).severity).toBe('ok');
  });
});
