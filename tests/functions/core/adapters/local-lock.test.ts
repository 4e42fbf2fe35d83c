import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../../../functions/core/adapters/local/local-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('acquireLock', () => {
  it('records its holder and removes the lock on release', async () => {
    const path = join(dir, 'a.lock');
    const release = await acquireLock(path);
    const holder = JSON.parse((await import('node:fs')).readFileSync(path, 'utf8')) as { pid: number; host: string };
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    await release();
    expect(() => statSync(path)).toThrow();
  });

  it('waits for a live holder, and breaks its lock once it expires, with one warning', async () => {
    const path = join(dir, 'b.lock');
    const live = spawn('sleep', ['30']);
    try {
      writeFileSync(path, JSON.stringify({ pid: live.pid, host: hostname(), at: new Date().toISOString() }));
      const warnings: string[] = [];
      const started = Date.now();
      const release = await acquireLock(path, { expiryMs: 600, onWarning: (w) => warnings.push(w) });
      // Not before the expiry (the holder is alive), not long after it.
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(warnings).toEqual([expect.stringMatching(/^removed a stale lock .*b\.lock \(held since .*, expired\)$/)]);
      await release();
    } finally {
      live.kill();
    }
  });

  it('two contenders: the second gets the lock only after the first releases it', async () => {
    const path = join(dir, 'c.lock');
    const order: string[] = [];
    const first = await acquireLock(path);
    const second = acquireLock(path).then((release) => {
      order.push('second');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push('first releases');
    await first();
    await (await second)();
    expect(order).toEqual(['first releases', 'second']);
  });
});
