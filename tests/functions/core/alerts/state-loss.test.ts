import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local/local-object-store.js';
import { S3ObjectStore } from '../../../../functions/core/adapters/s3/s3-object-store.js';
import { AlertStateSaveError, processFindings } from '../../../../functions/core/alerts/process-findings.js';
import { parseAlertState, serializeAlertState } from '../../../../functions/core/alerts/state.js';
import type { Job, Notification } from '../../../../functions/core/domain/report.js';
import type { Severity } from '../../../../functions/core/domain/severity.js';
import { StoreFaultError } from '../../../../functions/core/errors.js';
import type { Notifier } from '../../../../functions/core/ports/notifier.js';
import type { ObjectStore } from '../../../../functions/core/ports/object-store.js';
import { ConditionalS3Proxy } from '../../../support/conditional-s3-proxy.js';
import { s3TestClient, S3TestServer } from '../../../support/s3-server.js';
import { finding, makeConfig, minutesAfter } from './helpers.js';

/**
 * Issue 19 items 2 and 3 in the engine: a missing state is recovered from its earlier copy, a store that kept state
 * and lost it all says so once, only a first run starts quietly; a run that could not save after publishing, or a
 * state read from an earlier copy, never makes the same page go out twice.
 */
const KEY = 'state/alerts/health.json';

class Recorder implements Notifier {
  readonly published: Notification[] = [];
  async publish(n: Notification): Promise<void> {
    this.published.push(n);
  }
}

const subjects = (notices: readonly Notification[]) => notices.map((n) => n.subject);
const OPENED = '[CRITICAL] 1 alert: mycats/api - api failed';
const RESOLVED = '[CRITICAL] 1 resolved: mycats/api - 200 in 12 ms';

function runner(store: ObjectStore, notifier: Notifier, config = makeConfig(), job: Job = 'health') {
  return (severity: Severity, minutes: number) =>
    processFindings({ job, findings: [finding('mycats', 'api', severity)], config, store, notifier, now: minutesAfter(minutes) });
}

/** A store that is full while `full` is set: any write with a body fails as a full disk does; empty objects still go in. */
function fillable(inner: ObjectStore): ObjectStore & { full: boolean } {
  const store = Object.create(inner) as ObjectStore & { full: boolean };
  store.full = false;
  store.put = async (key, body, options) => {
    if (store.full && Buffer.byteLength(body) > 0)
      throw new StoreFaultError(`store ${inner.location}: full: no space left on device (ENOSPC) writing ${key}`, 'ENOSPC');
    return inner.put(key, body, options);
  };
  return store;
}

describe('a directory store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'state-loss-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const alerts = () => join(dir, 'state', 'alerts');

  it('the state file deleted while an alert is open, its earlier copy kept: recovered, and the RESOLVED goes out', async () => {
    const notifier = new Recorder();
    const run = runner(new LocalObjectStore(dir), notifier);
    await run('critical', 0);
    await run('critical', 5);
    expect(subjects(notifier.published)).toEqual([OPENED]);
    await rm(join(alerts(), 'health.json'));
    // Before: the run started empty, no RESOLVED, no warning.
    const passing = await run('ok', 10);
    expect(passing.warnings[0]).toMatch(/state\/alerts\/health\.json: missing; recovered from the earlier copy of /);
    expect(subjects(passing.sent)).toEqual([RESOLVED]);
    expect(subjects(notifier.published)).toEqual([OPENED, RESOLVED]);
  });

  it('all its alert state deleted (no earlier copy, no delivery record) from a store that kept it: one "state lost" notice', async () => {
    const notifier = new Recorder();
    const run = runner(new LocalObjectStore(dir), notifier);
    await run('critical', 0);
    await run('critical', 5);
    await rm(alerts(), { recursive: true });
    const after = await run('critical', 10);
    expect(after.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          "health\\.json: missing although the store has kept the health job's alert state since 2026-11-23T02:00:00\\.000Z; " +
            'nothing recoverable \\(no earlier copy\\): started empty, critical notice sent$',
        ),
      ),
    ]);
    expect(subjects(after.sent)).toEqual(['[CRITICAL] alert state lost: health job']);
    expect(after.sent[0]!.message).toContain('the alert state was missing and could not be recovered');
    // Said once: the next runs read the state this one saved.
    expect((await run('critical', 15)).sent.map((n) => n.subject)).toEqual([OPENED]);
    expect((await run('critical', 20)).sent).toEqual([]);
  });

  it('a first run starts quietly, and so does a job the store never kept state for', async () => {
    const notifier = new Recorder();
    const store = new LocalObjectStore(dir);
    const first = await runner(store, notifier)('critical', 0);
    expect(first).toMatchObject({ sent: [], warnings: [] });
    const disk = await runner(store, notifier, makeConfig(), 'disk')('critical', 1);
    expect(disk).toMatchObject({ sent: [], warnings: [] });
    const identity = JSON.parse((await store.get('state/store.json'))!.body.toString('utf8'));
    expect(identity).toEqual({
      version: 1,
      id: expect.any(String),
      createdAt: '2026-11-23T02:00:00.000Z',
      jobs: { health: '2026-11-23T02:00:00.000Z', disk: '2026-11-23T02:01:00.000Z' },
    });
    // The states carry the identity, so a run reads it only when its state is gone.
    const saved = async () => parseAlertState((await store.get(KEY))!.body.toString('utf8'));
    expect((await saved()).storeId).toBeUndefined();
    await runner(store, notifier)('critical', 2);
    expect((await saved()).storeId).toBe(identity.id);
  });

  it('a store used before identities existed: the first identity lists every job with state there, so each loss is told', async () => {
    const notifier = new Recorder();
    const store = new LocalObjectStore(dir);
    // As an older version left it: two jobs' states, no identity.
    await store.put(KEY, serializeAlertState({ version: 1, entries: {} }));
    await store.put('state/alerts/disk.json', serializeAlertState({ version: 1, entries: {} }));
    await runner(store, notifier)('critical', 0);
    const identity = JSON.parse((await store.get('state/store.json'))!.body.toString('utf8'));
    expect(Object.keys(identity.jobs).sort()).toEqual(['disk', 'health']);
    await rm(join(alerts(), 'disk.json'));
    const disk = await runner(store, notifier, makeConfig(), 'disk')('critical', 5);
    expect(subjects(disk.sent)).toEqual(['[CRITICAL] alert state lost: disk job']);
  });

  it('a store identity that does not read, and the state gone: taken as a store in use ("state lost"), never as a first run', async () => {
    const notifier = new Recorder();
    const store = new LocalObjectStore(dir);
    const run = runner(store, notifier);
    await run('critical', 0);
    await rm(alerts(), { recursive: true });
    await writeFile(join(dir, 'state', 'store.json'), '{"version": 1, "id"');
    const after = await run('critical', 5);
    expect(subjects(after.sent)).toEqual(['[CRITICAL] alert state lost: health job']);
    expect(after.warnings[0]).toMatch(/the store identity state\/store\.json does not read/);
  });

  it('full on the run that opens the alert: published, exit as a fault, and after space is freed no second "opened"', async () => {
    const notifier = new Recorder();
    const store = fillable(new LocalObjectStore(dir));
    const run = runner(store, notifier);
    await run('critical', 0);
    store.full = true;
    const opening = await run('critical', 5).catch((e: unknown) => e);
    expect(opening).toBeInstanceOf(AlertStateSaveError);
    expect(subjects((opening as AlertStateSaveError).sent)).toEqual([OPENED]);
    // The delivery is recorded in the names of empty files: the one thing a full disk still takes.
    const records = (await readdir(alerts())).filter((name) => name.startsWith('health.delivery.'));
    expect(records).toEqual([expect.stringMatching(/^health\.delivery\.20261123T020500\.000Z-[0-9a-f]{12}-default\.c0\.[0-9a-f]{12}occ$/)]);
    store.full = false;
    // Before: "opened" again, with a new id and time.
    const next = await run('critical', 10);
    expect(next.sent).toEqual([]);
    expect(next.warnings).toEqual([expect.stringMatching(/1 delivered notice item\(s\) the saved state did not know of were applied/)]);
    const saved = parseAlertState((await store.get(KEY))!.body.toString('utf8'));
    expect(saved.entries['mycats/api']!.open).toMatchObject({ openedAt: minutesAfter(5).toISOString(), notifiedSeverity: 'critical' });
    expect(subjects((await run('ok', 15)).sent)).toEqual([RESOLVED]);
    expect(subjects(notifier.published)).toEqual([OPENED, RESOLVED]);
  });

  it('full from the very first run, which opens the alert at once: the next run still knows it was sent', async () => {
    const notifier = new Recorder();
    const store = fillable(new LocalObjectStore(dir));
    const run = runner(store, notifier, makeConfig({ alerting: { consecutiveFailures: 1 } }));
    store.full = true;
    await expect(run('critical', 0)).rejects.toBeInstanceOf(AlertStateSaveError);
    store.full = false;
    expect((await run('critical', 5)).sent).toEqual([]);
    expect(subjects(notifier.published)).toEqual([OPENED]);
  });
});

describe('S3 (a versioned bucket: s3rver behind the conditional proxy)', () => {
  let s3: S3TestServer;
  let proxy: ConditionalS3Proxy;
  beforeAll(async () => {
    s3 = await S3TestServer.start('state-loss');
    proxy = await ConditionalS3Proxy.start(s3.port, { versioned: true });
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.destroy();
  });

  const client = () => s3TestClient(proxy.endpoint);
  async function freshStore(): Promise<S3ObjectStore> {
    const store = new S3ObjectStore(s3.bucket, client());
    for (const object of await store.list('')) await store.delete(object.key);
    proxy.versions.clear();
    return store;
  }

  it('the state object deleted while an alert is open: read from its noncurrent version, and the RESOLVED goes out', async () => {
    const notifier = new Recorder();
    const run = runner(await freshStore(), notifier);
    await run('critical', 0);
    await run('critical', 5);
    await client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: KEY }));
    const passing = await run('ok', 10);
    expect(passing.warnings[0]).toMatch(/^s3:\/\/state-loss state\/alerts\/health\.json: missing; recovered from the earlier copy of /);
    expect(subjects(passing.sent)).toEqual([RESOLVED]);
    expect(subjects(notifier.published)).toEqual([OPENED, RESOLVED]);
  });

  it('every alert-state object and version gone from a bucket that kept them: one "state lost" notice', async () => {
    const notifier = new Recorder();
    const store = await freshStore();
    const run = runner(store, notifier);
    await run('critical', 0);
    await run('critical', 5);
    for (const object of await store.list('state/alerts/')) await store.delete(object.key);
    for (const path of [...proxy.versions.keys()]) if (path.includes('/state/alerts/')) proxy.versions.delete(path);
    const after = await run('critical', 10);
    expect(subjects(after.sent)).toEqual(['[CRITICAL] alert state lost: health job']);
    expect((await run('critical', 15)).sent.map((n) => n.subject)).toEqual([OPENED]);
    expect((await run('critical', 20)).sent).toEqual([]);
  });

  it('a first run on an empty bucket starts quietly', async () => {
    const notifier = new Recorder();
    const first = await runner(await freshStore(), notifier)('critical', 0);
    expect(first).toMatchObject({ sent: [], warnings: [] });
  });
});
