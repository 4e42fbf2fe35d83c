import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local/local-object-store.js';
import { StoreFaultError } from '../../../../functions/core/errors.js';
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

  it('refuses a FIFO or a device under a key with one store fault, instead of blocking or reading for ever', async () => {
    const dir = join(root, 'special');
    mkdirSync(join(dir, 'state'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'state', 'fifo.json'), join(dir, 'state', 'x.json.prev')]);
    symlinkSync('/dev/zero', join(dir, 'state', 'zero.json'));
    const store = new LocalObjectStore(dir);
    for (const key of ['state/fifo.json', 'state/zero.json']) {
      const read = store.get(key);
      await expect(read).rejects.toThrow(StoreFaultError);
      await expect(read).rejects.toThrow(`store ${dir}: a key is not a regular file (a pipe or a device) (EFTYPE) reading ${key}`);
      await expect(store.getStream(key)).rejects.toThrow(/not a regular file/);
    }
    await expect(store.previousVersions('state/x.json', 1)).rejects.toThrow(/not a regular file/);
  });

  it('fails once where a directory cannot be made (under /proc), where a recursive mkdir spins for ever', async () => {
    const store = new LocalObjectStore('/proc/autopilot-no-such-store');
    const write = store.put('state/alerts/health.json', '{}');
    await expect(write).rejects.toThrow(StoreFaultError);
    await expect(write).rejects.toThrow(/a directory in it cannot be created \(ENOENT\) writing state\/alerts\/health\.json/);
  });
});
