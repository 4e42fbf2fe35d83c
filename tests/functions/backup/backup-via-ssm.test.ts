import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { S3ObjectStore } from '../../../functions/core/adapters/s3-object-store.js';
import { validateConfig } from '../../../functions/core/config/validate.js';
import type { Config } from '../../../functions/core/config/schema.js';
import { backupViaSsm, parseHostResult, partSizeFor, PART_URLS } from '../../../functions/backup/backup-via-ssm.js';
import { backedUpEntries } from '../../../functions/backup/entries.js';
import { parseManifest } from '../../../functions/backup/manifest.js';
import { LocalBashRunner, SsmHostRunner } from '../../../functions/backup/ssm/host-runner.js';
import { S3PartUploads } from '../../../functions/backup/ssm/part-uploads.js';
import { restoreBackup } from '../../../functions/restore/restore-backup.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { S3TestServer } from '../../support/s3-server.js';
import { seedLargeTable, seedRealisticDatabase, tableChecksums } from './support/fixtures.js';

const MiB = 1024 * 1024;

describe('backup via SSM: the on-host script, for real, against presigned part URLs', () => {
  let cluster: PostgresCluster;
  let s3: S3TestServer;
  let store: S3ObjectStore;
  let uploads: S3PartUploads;
  let runner: LocalBashRunner;
  let config: Config;
  let work: string;
  let sqlitePath: string;

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start()]);
    store = new S3ObjectStore(s3.bucket, s3.client());
    uploads = new S3PartUploads(s3.client(), s3.bucket);
    await seedRealisticDatabase(cluster, 'railsdb');
    await seedLargeTable(cluster, 'railsdb', 12);
    work = mkdtempSync(join(tmpdir(), 'autopilot-ssm-'));
    // The host authenticates as it would for its own cron job: a .pgpass file, no password in the command.
    const pgpass = join(work, 'pgpass');
    writeFileSync(pgpass, `127.0.0.1:${cluster.port}:railsdb:${cluster.superuser}:${cluster.password}\n`, { mode: 0o600 });
    runner = new LocalBashRunner(undefined, {
      ...process.env,
      PGPASSWORD: '',
      PGPASSFILE: pgpass,
      PATH: `/usr/lib/postgresql/15/bin:${process.env.PATH}`,
    });
    sqlitePath = join(work, 'tasks.db');
    execFileSync('sqlite3', [
      sqlitePath,
      `CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, done INTEGER, payload BLOB);
       CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
       INSERT INTO tasks SELECT i, 'task ' || i || ' ✓', i % 2, randomblob(100) FROM n;
       INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');`,
    ]);
    config = validateConfig({
      targets: {
        shiojiri: {
          servers: { tags: { Name: 'shiojiri-web' } },
          postgres: [{ host: '127.0.0.1', port: cluster.port, database: 'railsdb', user: cluster.superuser, backup: { via: 'ssm' } }],
        },
        tasks: {
          servers: { tags: { Name: 'tasks' } },
          sqlite: [{ name: 'tasks', path: sqlitePath, backup: { via: 'ssm', retentionDays: 14 } }],
        },
      },
    });
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), s3?.destroy()]);
  });

  it('dumps PostgreSQL on the host in 5 MiB parts, completes, verifies and restores equal rows', async () => {
    const [entry] = backedUpEntries(config, ['shiojiri']);
    const outcome = await backupViaSsm({
      entry: entry!,
      servers: config.targets.shiojiri!.servers,
      store,
      uploads,
      runner,
      partSize: 5 * MiB,
      now: () => new Date('2026-11-23T17:00:00Z'),
    });
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    const m = outcome.manifest;
    expect(m).toMatchObject({
      via: 'ssm',
      kind: 'postgres',
      format: 'pg_dump-custom',
      verification: 'passed',
      serverVersion: expect.stringMatching(/^15\./),
    });
    expect(m.size).toBeGreaterThan(10 * MiB);
    expect(m.tableList).toContain('public.big');
    expect(m.tables).toBe(9);
    const stored = await store.get(m.key);
    expect(createHash('sha256').update(stored!.body).digest('hex')).toBe(m.sha256);

    await cluster.createDatabase('restored');
    await restoreBackup({ store, target: 'shiojiri', to: cluster.url('restored') });
    expect(await tableChecksums(cluster, 'restored')).toEqual(await tableChecksums(cluster, 'railsdb'));
  });

  it('snapshots SQLite with .backup, gzips it, and the stored file opens with the same rows', async () => {
    const [entry] = backedUpEntries(config, ['tasks']);
    const outcome = await backupViaSsm({ entry: entry!, servers: config.targets.tasks!.servers, store, uploads, runner });
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    const m = outcome.manifest;
    expect(m).toMatchObject({
      kind: 'sqlite',
      format: 'sqlite-gzip',
      source: sqlitePath,
      tableList: ['main.tasks', 'main.users'],
      tables: 2,
      retentionDays: 14,
    });
    expect(m.key).toMatch(/^backups\/tasks\/tasks\/\d{4}\/\d{2}\/\d{2}\/tasks-tasks-\d{8}T\d{6}\.\d{3}Z\.sqlite\.gz$/);
    const copy = join(work, 'copy.db');
    writeFileSync(copy, gunzipSync((await store.get(m.key))!.body));
    const count = (db: string) => execFileSync('sqlite3', [db, 'SELECT count(*), sum(done), sum(length(payload)) FROM tasks']).toString();
    expect(count(copy)).toBe(count(sqlitePath));
    expect(outcome.manifestKey).toBe(m.key.replace(/\.sqlite\.gz$/, '.json'));
    expect(parseManifest((await store.get(outcome.manifestKey))!.body, 'm').sha256).toBe(m.sha256);
  });

  it('a failing script leaves no object and says why', async () => {
    const broken = validateConfig({
      targets: {
        tasks: { servers: { tags: { Name: 'tasks' } }, sqlite: [{ name: 'gone', path: '/nonexistent/tasks.db', backup: { via: 'ssm' } }] },
      },
    });
    const [entry] = backedUpEntries(broken);
    const outcome = await backupViaSsm({ entry: entry!, servers: broken.targets.tasks!.servers, store, uploads, runner });
    expect(outcome).toMatchObject({ ok: false, stage: 'dump' });
    if (outcome.ok) return;
    expect(outcome.reason).toMatch(/the backup script on localhost ended exit 1: ssm-backup: cannot read \/nonexistent\/tasks\.db/);
    expect(await store.list('backups/tasks/gone/')).toEqual([]);
  });

  it('a dump larger than the presigned parts fails clearly, and nothing is completed', async () => {
    const [entry] = backedUpEntries(config, ['shiojiri']);
    const outcome = await backupViaSsm({
      entry: entry!,
      servers: config.targets.shiojiri!.servers,
      store,
      uploads,
      runner,
      partSize: 64 * 1024,
      now: () => new Date('2026-11-30T00:00:00Z'),
    });
    expect(outcome).toMatchObject({ ok: false, stage: 'dump' });
    if (outcome.ok) return;
    expect(outcome.reason).toContain(`the dump is larger than ${PART_URLS} parts of 65536 bytes`);
    expect(await store.list('backups/shiojiri/railsdb/2026/11/30/')).toEqual([]);
  });

  it('sizes parts from the previous backup and reads the script result strictly', () => {
    expect(partSizeFor(undefined)).toBe(128 * MiB);
    expect(partSizeFor(1 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(10 * 1024 * MiB)).toBe(640 * MiB);
    const good = {
      parts: [{ n: 1, etag: 'abc', size: 3 }],
      size: 3,
      sha256: 'a'.repeat(64),
      tables: null,
      toolVersion: 'x',
      serverVersion: '',
    };
    expect(parseHostResult(`noise\nAUTOPILOT_BACKUP_RESULT ${JSON.stringify(good)}\n`)).toEqual(good);
    expect(() => parseHostResult('nothing here')).toThrow(/no result line/);
    expect(() => parseHostResult(`AUTOPILOT_BACKUP_RESULT ${JSON.stringify({ ...good, size: 4 })}`)).toThrow(/inconsistent parts/);
    expect(() =>
      parseHostResult(`AUTOPILOT_BACKUP_RESULT ${JSON.stringify({ ...good, parts: [{ n: 1, etag: 'a"b', size: 3 }] })}`),
    ).toThrow(/parts\.0\.etag/);
  });
});

describe('SsmHostRunner: the SSM Run Command calls', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());

  it('finds the one online instance by tags, sends the document with the parameters, and polls until done', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0abc' }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'AUTOPILOT_BACKUP_RESULT {}', StandardErrorContent: '' });
    const runner = new SsmHostRunner(new SSMClient({ region: 'ap-northeast-1' }), 'OpsAutopilot-Backup', 1);
    const result = await runner.run(
      { Name: 'shiojiri-web', Env: 'prod' },
      { kind: 'sqlite', sqlitePath: '/srv/app/db.sqlite3', partSize: '1024', partUrls: 'https://a https://b' },
      { timeoutSeconds: 60 },
    );

    expect(result).toEqual({ ok: true, status: 'Success (exit 0)', stdout: 'AUTOPILOT_BACKUP_RESULT {}', stderr: '', host: 'i-0abc' });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]!.args[0].input).toEqual({
      Filters: [
        { Key: 'tag:Name', Values: ['shiojiri-web'] },
        { Key: 'tag:Env', Values: ['prod'] },
        { Key: 'PingStatus', Values: ['Online'] },
      ],
      NextToken: undefined,
    });
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input).toEqual({
      DocumentName: 'OpsAutopilot-Backup',
      InstanceIds: ['i-0abc'],
      Parameters: { kind: ['sqlite'], sqlitePath: ['/srv/app/db.sqlite3'], partSize: ['1024'], partUrls: ['https://a https://b'] },
      TimeoutSeconds: 60,
      Comment: 'ops-autopilot backup',
    });
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
    expect(ssm.commandCalls(GetCommandInvocationCommand)[2]!.args[0].input).toEqual({ CommandId: 'cmd-1', InstanceId: 'i-0abc' });
  });

  it('refuses tags that select several instances, and cancels a command that outlives its time', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-2' }, { InstanceId: 'i-1' }] });
    const runner = new SsmHostRunner(new SSMClient({ region: 'ap-northeast-1' }), 'doc', 1);
    await expect(runner.run({ Role: 'db' }, { kind: 'sqlite', partSize: '1', partUrls: 'u' }, { timeoutSeconds: 1 })).rejects.toThrow(
      'the tags Role=db select 2 instances (i-1, i-2); a backup via ssm needs exactly one',
    );
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);

    ssm.reset();
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-1' }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    ssm.on(CancelCommandCommand).resolves({});
    const controller = new AbortController();
    controller.abort();
    const result = await runner.run(
      { Role: 'db' },
      { kind: 'sqlite', partSize: '1', partUrls: 'u' },
      { timeoutSeconds: 600, signal: controller.signal },
    );
    expect(result).toMatchObject({ ok: false, status: 'no result within 600 s', host: 'i-1' });
    expect(ssm.commandCalls(CancelCommandCommand)[0]!.args[0].input).toEqual({ CommandId: 'cmd-2', InstanceIds: ['i-1'] });
  });
});
