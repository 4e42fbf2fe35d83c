import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'autopilot-in-flight-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STORE = new URL('../../../../functions/core/adapters/local/local-object-store.js', import.meta.url).pathname;
const LOCK = new URL('../../../../functions/core/adapters/local/local-lock.js', import.meta.url).pathname;

/** Every file below `dir`, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('a process that exits in the middle of a directory store write', () => {
  it('leaves no .partial file and no lock behind (the CLI turns SIGINT and SIGTERM into such an exit)', async () => {
    // A real process: a stream that never ends is being written, a lock is held, and the process exits.
    const script = `
      import { PassThrough } from 'node:stream';
      import { LocalObjectStore } from ${JSON.stringify(STORE)};
      import { acquireLock } from ${JSON.stringify(LOCK)};
      const store = new LocalObjectStore(${JSON.stringify(root)});
      await store.put('state/alerts/health.json', '{}');
      const body = new PassThrough();
      const timer = setInterval(() => body.write('x'.repeat(1024)), 5);
      void store.putStream('backups/t/db/x.dump', body);
      await acquireLock(${JSON.stringify(join(root, 'state', 'alerts', 'health.json.lock'))});
      setTimeout(() => process.exit(143), 300);
    `;
    await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 }).catch((error) => {
      if ((error as { code?: number }).code !== 143) throw error;
    });
    expect(files(root)).toEqual(['state/alerts/health.json']);
  });
});
