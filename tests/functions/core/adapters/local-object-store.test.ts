import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local-object-store.js';
import { objectStoreContract } from './object-store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'autopilot-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

describe('LocalObjectStore', () => {
  objectStoreContract(async () => new LocalObjectStore(join(root, String(n++))));

  it('refuses keys that would escape its directory', async () => {
    const store = new LocalObjectStore(join(root, 'escape'));
    await expect(store.put('../outside.json', 'x')).rejects.toThrow(/invalid object key/);
    await expect(store.get('state/../../x')).rejects.toThrow(/invalid object key/);
  });

  it('leaves no temporary or lock files behind; a conditional write keeps the version it replaced', async () => {
    const dir = join(root, 'clean');
    const store = new LocalObjectStore(dir);
    const { etag } = await store.put('state/x.json', '1');
    expect(await store.previousVersions('state/x.json', 5)).toEqual([]);
    await store.put('state/x.json', '2', { ifMatch: etag });
    expect((await readdir(join(dir, 'state'))).sort()).toEqual(['x.json', 'x.json.prev']);
    const [previous] = await store.previousVersions('state/x.json', 5);
    expect(previous?.body.toString()).toBe('1');
    expect((await store.list('state/')).map((o) => o.key)).toEqual(['state/x.json']);
  });
});
