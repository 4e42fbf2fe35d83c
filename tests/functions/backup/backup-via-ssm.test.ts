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
  InvalidCommandId,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { backupViaSsm, parseHostResult, partSizeFor, PART_URLS } from '../../../functions/backup/backup-via-ssm.js';
import { backedUpEntries } from '../../../functions/backup/entries.js';
import { type BackupManifest, parseManifest } from '../../../functions/backup/manifest.js';
import type { BackupOutcome } from '../../../functions/backup/outcome.js';
import { HOST_BACKUP_SCRIPT } from '../../../functions/backup/ssm/host-backup-script.js';
import { S3PartUploads, type PartUploads } from '../../../functions/backup/ssm/part-uploads.js';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { SsmRunCommand } from '../../../functions/remote/ssm-run-command.js';
import { restoreBackup } from '../../../functions/restore/restore-backup.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { S3TestServer } from '../../support/s3-server.js';
import { seedLargeTable, seedRealisticDatabase, tableChecksums } from './support/fixtures.js';
import type { Config } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const MiB = 1024 * 1024;

/** The manifest of a backup that must have succeeded (its reason, when it did not). */
function manifestOf(outcome: BackupOutcome): BackupManifest {
  if (!outcome.ok) throw new Error(`backup failed (${outcome.stage}): ${outcome.reason}`);
  return outcome.manifest;
}

describe('backup via SSM: the on-host script, for real, against presigned part URLs', () => {
  let cluster: PostgresCluster;
  let s3: S3TestServer;
  let store: S3ObjectStore;
  let uploads: S3PartUploads;
  let remote: LocalBash;
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
    remote = new LocalBash({
      host: 'localhost',
      env: { PGPASSWORD: '', PGPASSFILE: pgpass, PATH: `/usr/lib/postgresql/15/bin:${process.env.PATH}` },
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

  /** The shiojiri PostgreSQL database, backed up on "the host" (this machine) in parts of `partSize`. */
  const backUpShiojiri = (partSize: number, at: string) =>
    backupViaSsm({
      entry: backedUpEntries(config, ['shiojiri'])[0]!,
      servers: config.targets.shiojiri!.servers,
      store,
      uploads,
      remote,
      partSize,
      now: () => new Date(at),
    });

  it('dumps PostgreSQL on the host in 5 MiB parts, completes, verifies and restores equal rows', async () => {
    const m = manifestOf(await backUpShiojiri(5 * MiB, '2026-11-23T17:00:00Z'));
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
    const outcome = await backupViaSsm({ entry: entry!, servers: config.targets.tasks!.servers, store, uploads, remote });
    const m = manifestOf(outcome);
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
    expect(outcome.ok && outcome.manifestKey).toBe(m.key.replace(/\.sqlite\.gz$/, '.json'));
    expect(parseManifest((await store.get(m.key.replace(/\.sqlite\.gz$/, '.json')))!.body, 'm').sha256).toBe(m.sha256);
  });

  it('a failing script leaves no object and says why', async () => {
    const broken = validateConfig({
      targets: {
        tasks: { servers: { tags: { Name: 'tasks' } }, sqlite: [{ name: 'gone', path: '/nonexistent/tasks.db', backup: { via: 'ssm' } }] },
      },
    });
    const [entry] = backedUpEntries(broken);
    const outcome = await backupViaSsm({ entry: entry!, servers: broken.targets.tasks!.servers, store, uploads, remote });
    expect(outcome).toMatchObject({ ok: false, stage: 'dump' });
    if (outcome.ok) return;
    expect(outcome.reason).toMatch(/the backup script on localhost ended exit 1: ssm-backup: cannot read \/nonexistent\/tasks\.db/);
    expect(await store.list('backups/tasks/gone/')).toEqual([]);
  });

  it('a dump larger than the presigned parts fails clearly, and nothing is completed', async () => {
    const outcome = await backUpShiojiri(64 * 1024, '2026-11-30T00:00:00Z');
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

describe('the host backup through SsmRunCommand: the SSM Run Command calls', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());
  const T0 = Date.parse('2026-11-23T17:00:00Z');
  const fakeClock = () => {
    const clock = { now: T0 };
    return {
      clock,
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.now += ms;
      },
    };
  };
  const adapter = (clock: ReturnType<typeof fakeClock>) =>
    new SsmRunCommand({
      client: new SSMClient({ region: 'ap-northeast-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
      documents: [{ script: HOST_BACKUP_SCRIPT, name: 'OpsAutopilot-Backup', version: '1' }],
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
    });
  const hosts = { target: 'shiojiri', tags: { Name: 'shiojiri-web', Env: 'prod' } };
  const tagFilter = (key: string, value: string) => ({ Key: `tag:${key}`, Values: [value] });
  const params = { kind: 'sqlite', sqlitePath: '/srv/app/db.sqlite3', partSize: '1024', partUrls: 'https://a https://b' };
  const hostResult = { parts: [{ n: 1, etag: 'e'.repeat(32), size: 3 }], size: 3, tables: ['main.t:r'] };
  const resultLine = `AUTOPILOT_BACKUP_RESULT ${JSON.stringify(hostResult)}`;

  it('sends to the one online instance of the tags, follows the command, and fetches the result line the listing cut', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [
        { InstanceId: 'i-0abc', PingStatus: 'Online', PlatformType: 'Linux' },
        { InstanceId: 'i-0old', PingStatus: 'ConnectionLost', PlatformType: 'Linux' },
      ],
    });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm
      .on(ListCommandsCommand)
      .rejectsOnce(new InvalidCommandId({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Commands: [{ CommandId: 'cmd-1', Status: 'InProgress', CompletedCount: 0, TargetCount: 1 }] })
      .resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'Success', CompletedCount: 1, TargetCount: 1 }] });
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        {
          InstanceId: 'i-0abc',
          Status: 'Success',
          StatusDetails: 'Success',
          CommandPlugins: [{ Name: 'backup', Output: resultLine.slice(0, 40), ResponseCode: 0 }],
        },
      ],
    });
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      StandardOutputContent: `${resultLine}\n`,
      StandardErrorContent: '',
    });
    const remote = adapter(fakeClock());

    const sent = await remote.send(HOST_BACKUP_SCRIPT, params, hosts, { exactlyOne: 'a backup via ssm' });
    const results = await remote.collect(sent);

    expect(results).toEqual([
      { host: 'i-0abc', status: 'success', exitCode: 0, stdout: `${resultLine}\n`, stderr: '', outputTruncated: false },
    ]);
    // Every call, in order: one lookup, one send, polls until final, one listing, one fetch of the cut output.
    const poll = ['ListCommands', { CommandId: 'cmd-1' }];
    expect(ssm.calls().map((c) => [c.args[0].constructor.name.replace(/Command$/, ''), c.args[0].input])).toEqual([
      ['DescribeInstanceInformation', { Filters: [tagFilter('Name', 'shiojiri-web'), tagFilter('Env', 'prod')], MaxResults: 50 }],
      [
        'SendCommand',
        {
          DocumentName: 'OpsAutopilot-Backup',
          DocumentVersion: '1',
          InstanceIds: ['i-0abc'],
          Parameters: { kind: ['sqlite'], sqlitePath: ['/srv/app/db.sqlite3'], partSize: ['1024'], partUrls: ['https://a https://b'] },
          MaxConcurrency: '100%',
          MaxErrors: '100%',
          TimeoutSeconds: 60,
          Comment: 'ops-autopilot backup of shiojiri',
        },
      ],
      poll,
      poll,
      poll,
      ['ListCommandInvocations', { CommandId: 'cmd-1', Details: true, MaxResults: 50 }],
      ['GetCommandInvocation', { CommandId: 'cmd-1', InstanceId: 'i-0abc' }],
    ]);
  });

  it('refuses tags that select several online instances, naming them, and sends nothing', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [
        { InstanceId: 'i-2', PingStatus: 'Online' },
        { InstanceId: 'i-1', PingStatus: 'Online' },
      ],
    });
    await expect(adapter(fakeClock()).send(HOST_BACKUP_SCRIPT, params, hosts, { exactlyOne: 'a backup via ssm' })).rejects.toThrow(
      'the tags Name=shiojiri-web, Env=prod select 2 instances (i-1, i-2); a backup via ssm needs exactly one',
    );
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'ConnectionLost' }] });
    await expect(adapter(fakeClock()).send(HOST_BACKUP_SCRIPT, params, hosts, { exactlyOne: 'a backup via ssm' })).rejects.toThrow(
      'no online SSM managed instance has the tags Name=shiojiri-web, Env=prod',
    );
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('a run out of time cancels the command on the host and aborts the upload', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'Online' }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'cmd-2', Status: 'InProgress', CompletedCount: 0, TargetCount: 1 }] });
    ssm.on(CancelCommandCommand).resolves({});
    const calls: string[] = [];
    const uploads: PartUploads = {
      location: 'memory://bucket',
      create: async () => {
        calls.push('create');
        return 'upload-1';
      },
      presign: async (_key, _id, parts) => Array.from({ length: parts }, (_, i) => `https://b.example/k?partNumber=${i + 1}`),
      complete: async () => void calls.push('complete'),
      abort: async () => void calls.push('abort'),
    };
    const config = validateConfig({
      targets: { tasks: { servers: { tags: { Role: 'db' } }, sqlite: [{ name: 'tasks', path: '/srv/tasks.db', backup: { via: 'ssm' } }] } },
    });
    const [entry] = backedUpEntries(config);
    const controller = new AbortController();
    controller.abort();
    const outcome = await backupViaSsm({
      entry: entry!,
      servers: config.targets.tasks!.servers,
      store: new LocalObjectStore(mkdtempSync(join(tmpdir(), 'autopilot-ssm-store-'))),
      uploads,
      remote: adapter(fakeClock()),
      timeoutSeconds: 600,
      signal: controller.signal,
    });

    expect(outcome).toMatchObject({ ok: false, stage: 'dump', reason: 'the backup script on i-1 ended no result within 600 s' });
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([{ CommandId: 'cmd-2', InstanceIds: ['i-1'] }]);
    expect(calls).toEqual(['create', 'abort']);
  });
});
