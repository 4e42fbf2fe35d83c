import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import type { ObjectStore } from '../../../functions/core/ports/object-store.js';
import { backupKeys } from '../../../functions/core/layout.js';
import { MANIFEST_VERSION, parseManifest, type BackupManifest } from '../../../functions/backup/manifest.js';
import { messageOf, writeManifest } from '../../../functions/backup/write-manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = backupKeys('mycats', 'main', new Date('2026-11-30T02:00:00Z'));
const manifest: BackupManifest = {
  version: MANIFEST_VERSION,
  target: 'mycats',
  database: 'main',
  source: 'mycats',
  kind: 'postgres',
  via: 'lambda',
  format: 'pg_dump-custom',
  key: keys.archiveKey,
  size: 3,
  sha256: 'a'.repeat(64),
  startedAt: '2026-11-30T02:00:00.000Z',
  finishedAt: '2026-11-30T02:00:01.000Z',
  durationMs: 1000,
  toolVersion: 'pg_dump (PostgreSQL) 17.2',
  tables: 0,
  tableList: [],
  retentionDays: 30,
  verification: 'passed',
};

/** A real directory store whose writes of manifests (and, if asked, deletes) fail as a full or read-only bucket would. */
function failingStore(name: string, options: { deleteFails?: boolean } = {}): ObjectStore {
  const store = new LocalObjectStore(join(dir, name));
  return Object.assign(Object.create(store) as ObjectStore, {
    put: (key: string, body: string | Buffer) =>
      key.endsWith('.json') ? Promise.reject(Object.assign(new Error('no space left'), { code: 'ENOSPC' })) : store.put(key, body),
    delete: (key: string) => (options.deleteFails ? Promise.reject(new Error('access denied')) : store.delete(key)),
  });
}

describe('writeManifest: the last step of the Lambda, Fargate and SSM backups', () => {
  it('writes the manifest beside the archive, readable by the freshness check', async () => {
    const store = new LocalObjectStore(join(dir, 'ok'));
    await store.put(keys.archiveKey, 'abc');
    expect(await writeManifest(store, keys, manifest)).toBeUndefined();
    expect(parseManifest((await store.get(keys.manifestKey))!.body, keys.manifestKey)).toEqual(manifest);
    expect((await store.list('backups/')).map((o) => o.key).sort()).toEqual([keys.archiveKey, keys.manifestKey].sort());
  });

  it('deletes the archive when its manifest cannot be written, and says why', async () => {
    const store = failingStore('put-fails');
    await store.put(keys.archiveKey, 'abc');
    const failure = await writeManifest(store, keys, manifest);
    expect(failure).toEqual({
      reason: `cannot write the manifest ${keys.manifestKey}, archive deleted: no space left (ENOSPC)`,
      leftover: undefined,
    });
    expect(await store.list('backups/')).toEqual([]);
  });

  it('names the archive left behind when deleting it failed too', async () => {
    const store = failingStore('delete-fails', { deleteFails: true });
    await store.put(keys.archiveKey, 'abc');
    expect((await writeManifest(store, keys, manifest))?.leftover).toBe(keys.archiveKey);
    expect((await store.list('backups/')).map((o) => o.key)).toEqual([keys.archiveKey]);
  });
});

describe('messageOf', () => {
  it('joins the causes of an AggregateError (one refused connection per address)', () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    expect(messageOf(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]))).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(messageOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up (ECONNRESET)');
  });
});
