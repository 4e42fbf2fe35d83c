import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local/local-object-store.js';
import { S3ObjectStore } from '../../../../functions/core/adapters/s3/s3-object-store.js';
import { processFindings } from '../../../../functions/core/alerts/process-findings.js';
import { parseAlertState } from '../../../../functions/core/alerts/state.js';
import { alertDocumentSchema } from '../../../../functions/core/domain/alert-document.js';
import type { Notification } from '../../../../functions/core/domain/report.js';
import type { Notifier } from '../../../../functions/core/ports/notifier.js';
import type { ObjectStore } from '../../../../functions/core/ports/object-store.js';
import { ConditionalS3Proxy } from '../../../support/conditional-s3-proxy.js';
import { s3TestClient, S3TestServer } from '../../../support/s3-server.js';
import { finding, makeConfig, minutesAfter } from './helpers.js';

/**
 * Issue 12 item 2: a damaged `state/alerts/<job>.json` is recovered from the last good copy, so
 * an open alert still gets its RESOLVED; when nothing is recoverable the run says so in a critical
 * notice. Before, the state was reset silently: no RESOLVED, and the digest read "0 open".
 */
const KEY = 'state/alerts/health.json';
const config = makeConfig();

class Recorder implements Notifier {
  readonly published: Notification[] = [];
  async publish(n: Notification): Promise<void> {
    this.published.push(n);
  }
}

const run = (store: ObjectStore, notifier: Notifier, severity: 'critical' | 'ok', minutes: number) =>
  processFindings({ job: 'health', findings: [finding('mycats', 'api', severity)], config, store, notifier, now: minutesAfter(minutes) });

/** Opens an alert (two failing runs), damages the document with `damage`, then runs once passing. */
async function openDamageAndPass(store: ObjectStore, damage: () => Promise<void>) {
  const notifier = new Recorder();
  await run(store, notifier, 'critical', 0);
  await run(store, notifier, 'critical', 5);
  expect(notifier.published.map((n) => n.subject)).toEqual(['[CRITICAL] 1 alert: mycats/api - api failed']);
  await damage();
  const passing = await run(store, notifier, 'ok', 10);
  const saved = parseAlertState((await store.get(KEY))!.body.toString('utf8'));
  return { notifier, passing, saved };
}

function expectRecovered(result: Awaited<ReturnType<typeof openDamageAndPass>>): void {
  expect(result.passing.warnings[0]).toMatch(/alert state is not JSON.*; recovered from the earlier copy of /);
  // The directory's kept copy is the claim of the run that opened the alert, its notice still in the outbox: the
  // notice's delivery record settles it (issue 19: it was published again once its lease ran out).
  expect(result.passing.warnings.slice(1)).toEqual(
    result.passing.warnings.length > 1 ? [expect.stringMatching(/1 notice\(s\) an earlier run delivered .* not sent again$/)] : [],
  );
  // The open alert survived the damage: its RESOLVED goes out, and nothing already delivered goes out again.
  expect(result.passing.sent.map((n) => n.subject)).toEqual(['[CRITICAL] 1 resolved: mycats/api - 200 in 12 ms']);
  expect(result.notifier.published).toHaveLength(2);
  expect(result.saved.entries['mycats/api']).toMatchObject({ open: null, consecutiveOks: 1 });
  expect(result.saved.outbox).toEqual([]);
}

function expectLost(result: Awaited<ReturnType<typeof openDamageAndPass>>): void {
  expect(result.passing.warnings).toEqual([
    expect.stringMatching(/nothing recoverable .*: started empty, critical notice sent$/),
    // The delivery record of the notice that opened the alert outlives the state: the alert is known open again.
    expect.stringMatching(/\d delivered notice item\(s\) the saved state did not know of were applied from their delivery records/),
  ]);
  expect(result.passing.sent.map((n) => [n.topic, n.subject])).toEqual([
    ['critical', '[CRITICAL] alert state lost: health job'],
    ['critical', '[CRITICAL] 1 resolved: mycats/api - 200 in 12 ms'],
  ]);
  // Published with a body per protocol (an SMS line, the alert document), not one long text to every subscriber.
  expect(alertDocumentSchema.parse(result.passing.sent[0]!.bodies?.json).alerts.map((a) => a.check)).toEqual(['state:health']);
  expect(result.passing.sent[0]!.message).toContain('will not get a RESOLVED notice (unless a delivery record');
}

describe('a damaged alert state, local store (the kept copy)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'state-recovery-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is recovered from the copy kept beside it, and the open alert still resolves', async () => {
    const store = new LocalObjectStore(dir);
    expectRecovered(await openDamageAndPass(store, () => writeFile(join(dir, 'state', 'alerts', 'health.json'), '{"version": 1, "entr')));
  });

  it('with the kept copy damaged too: a critical "state lost" notice, never a silent reset', async () => {
    const store = new LocalObjectStore(dir);
    const result = await openDamageAndPass(store, async () => {
      await writeFile(join(dir, 'state', 'alerts', 'health.json'), 'garbage');
      await writeFile(join(dir, 'state', 'alerts', 'health.json.prev'), 'garbage');
    });
    expectLost(result);
  });
});

describe('a damaged alert state, S3 (previous object versions of the versioned bucket)', () => {
  let s3: S3TestServer;
  let proxy: ConditionalS3Proxy;
  beforeAll(async () => {
    s3 = await S3TestServer.start('state-recovery');
    proxy = await ConditionalS3Proxy.start(s3.port, { versioned: true });
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.destroy();
  });

  const client = () => s3TestClient(proxy.endpoint);
  const overwrite = (body: string) => client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: KEY, Body: body }));

  /** A store of its own for each test: the bucket emptied (delivery records included) and its versions forgotten. */
  async function freshStore(): Promise<S3ObjectStore> {
    const store = new S3ObjectStore(s3.bucket, client());
    for (const object of await store.list('')) await store.delete(object.key);
    proxy.versions.clear();
    return store;
  }

  it('is recovered from the newest earlier version that reads, and the open alert still resolves', async () => {
    const store = await freshStore();
    const result = await openDamageAndPass(store, async () => {
      await overwrite('{"version": 1, "entries": {');
    });
    expectRecovered(result);
    expect(proxy.versions.get(`/${s3.bucket}/${KEY}`)!.length).toBeGreaterThanOrEqual(5);
  });

  it('with every version unreadable: a critical "state lost" notice', async () => {
    const store = await freshStore();
    const result = await openDamageAndPass(store, async () => {
      for (const v of proxy.versions.get(`/${s3.bucket}/${KEY}`) ?? []) (v as { body: Buffer }).body = Buffer.from('garbage');
      await overwrite('garbage');
    });
    expectLost(result);
  });
});
