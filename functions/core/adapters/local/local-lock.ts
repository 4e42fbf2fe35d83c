import { stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StoreFaultError } from '../../errors.js';
import { trackInFlight, untrackInFlight } from './in-flight-files.js';
import { readRegularFile } from './regular-file.js';

/**
 * A lock is held for one read, compare and rename: milliseconds. One older than this belongs to
 * a process that hung or died on another host (whose pid cannot be checked from here).
 */
export const LOCK_EXPIRY_MS = 10_000;
/** Longest wait for a lock that live processes keep taking; past it the run gives up with one line. */
const LOCK_WAIT_MS = LOCK_EXPIRY_MS + 5_000;

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly at: string;
}

export interface LockOptions {
  /** Said once when a stale lock is broken. */
  readonly onWarning?: (text: string) => void;
  readonly expiryMs?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a lock is stale, or undefined while its holder may still be at work. */
async function staleness(path: string, expiryMs: number): Promise<string | undefined> {
  const [text, info] = await Promise.all([
    readRegularFile(path).then(
      (body) => body.toString('utf8'),
      () => undefined,
    ),
    stat(path).catch(() => undefined),
  ]);
  if (text === undefined || info === undefined) return undefined; // released meanwhile: just try again
  let holder: Holder | undefined;
  try {
    holder = JSON.parse(text) as Holder;
  } catch {
    // Locks written before holders were recorded hold a bare pid.
    if (/^\d+$/.test(text.trim())) holder = { pid: Number(text.trim()), host: hostname(), at: info.mtime.toISOString() };
  }
  if (holder && holder.host === hostname() && Number.isInteger(holder.pid) && holder.pid > 0 && !isAlive(holder.pid)) {
    return `pid ${holder.pid} on ${holder.host} is gone`;
  }
  if (Date.now() - info.mtimeMs > expiryMs) return `held since ${info.mtime.toISOString()}, expired`;
  // An empty file is a lock being written, or one whose writer died between create and write (a full disk).
  return undefined;
}

/**
 * An exclusive lock file: created with O_EXCL, recording its holder (pid, host, time). A lock
 * whose holder is gone, or older than the expiry, is broken with one warning; the lock is
 * removed on release and when recording the holder fails (a full disk), so none is left behind.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const expiryMs = options.expiryMs ?? LOCK_EXPIRY_MS;
  const started = Date.now();
  const holder: Holder = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(holder), { flag: 'wx' });
      trackInFlight(path);
      return async () => {
        untrackInFlight(path);
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Created but not written (ENOSPC): the empty file must not outlive this run.
        if ((error as NodeJS.ErrnoException).code !== 'EROFS') await unlink(path).catch(() => undefined);
        throw error;
      }
    }
    const stale = await staleness(path, expiryMs);
    if (stale) {
      // Two runs may both judge it stale; the second unlink then removes the first one's new lock.
      // The window is one stat-to-unlink and the state's ETag check still catches a lost update.
      await unlink(path).catch(() => undefined);
      options.onWarning?.(`removed a stale lock ${path} (${stale})`);
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new StoreFaultError(`store lock ${path}: still held after ${Math.round((Date.now() - started) / 1000)} s by live processes`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt) * (0.5 + Math.random())));
  }
}
