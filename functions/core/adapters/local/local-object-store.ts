import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { access, link, mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PreconditionFailedError } from '../../errors.js';
import { acquireLock, type LockOptions } from './local-lock.js';
import { trackInFlight, untrackInFlight } from './in-flight-files.js';
import { NOT_REGULAR_FILE, readRegularFile } from './regular-file.js';
import { storeFault } from './store-faults.js';
import type { ObjectInfo, ObjectStore, PreviousVersion, PutOptions, StoredObject, StreamedObject } from '../../ports/object-store.js';

const TEMP_MARK = '.partial-';
const LOCK_SUFFIX = '.lock';
/** The version a conditional write replaced, kept beside it (what a damaged alert state is recovered from). */
const PREVIOUS_SUFFIX = '.prev';

/**
 * mkdir -p, one level at a time. Node's `mkdir(..., { recursive: true })` spins for ever where mkdir answers ENOENT
 * although the parent exists (a store under /proc or /sys): here a level that cannot be made fails once, with ENOENT.
 */
async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(dir)).isDirectory()) return;
      throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
  }
  await makeDirectories(dirname(dir));
  // Another run may have made it meanwhile.
  await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/**
 * The ObjectStore of --local runs: one file per key below a directory. Writes go to a
 * temporary file renamed into place, so a failed write leaves nothing under the key;
 * conditional writes hold a lock file so concurrent processes cannot lose an update.
 */
export class LocalObjectStore implements ObjectStore {
  constructor(
    readonly root: string,
    private readonly options: LockOptions = {},
  ) {}

  get location(): string {
    return this.root;
  }

  private pathOf(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new Error(`invalid object key: ${key}`);
    }
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const body = await readRegularFile(this.pathOf(key));
      return { body, etag: etagOf(body) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeFault(error, this.root, `reading ${key}`);
    }
  }

  async put(key: string, body: string | Buffer, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = this.pathOf(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    let release: (() => Promise<void>) | undefined;
    let temp: string | undefined;
    try {
      await this.makeDirectory(dirname(path));
      release = conditional ? await acquireLock(`${path}${LOCK_SUFFIX}`, this.options) : undefined;
      if (conditional) {
        const current = await this.get(key);
        if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) throw new PreconditionFailedError(key);
      }
      temp = `${path}${TEMP_MARK}${randomUUID()}`;
      trackInFlight(temp);
      await writeFile(temp, bytes);
      // A conditional write replaces a document someone relies on (the alert state): keep the
      // version it replaces, as a versioned bucket would, linked in place atomically.
      if (conditional) await this.keepPrevious(path);
      await rename(temp, path);
      untrackInFlight(temp);
      temp = undefined;
      return { etag: etagOf(bytes) };
    } catch (error) {
      throw storeFault(error, this.root, `writing ${key}`);
    } finally {
      if (temp) {
        await unlink(temp).catch(() => undefined);
        untrackInFlight(temp);
      }
      await release?.();
    }
  }

  /**
   * mkdir -p, with the real reason when it fails: on a read-only file system a recursive mkdir
   * can report ENOENT for the directory it could not create.
   */
  private async makeDirectory(dir: string): Promise<void> {
    try {
      await makeDirectories(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') await access(this.root, constants.W_OK);
      throw error;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const result: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (!entry.name.includes(TEMP_MARK) && !entry.name.endsWith(LOCK_SUFFIX) && !entry.name.endsWith(PREVIOUS_SUFFIX)) {
          const key = relative(this.root, full).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const info = await stat(full);
          result.push({ key, size: info.size, lastModified: info.mtime });
        }
      }
    };
    // Only the directory the prefix's keys live in is walked (`state/alerts/health.delivery.` reads state/alerts/,
    // not every backup), unless the prefix is no valid key path, when the whole store is.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    let start = this.root;
    try {
      if (folder) start = this.pathOf(folder.slice(0, -1));
    } catch {
      start = this.root;
    }
    await walk(start);
    return result.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async putStream(key: string, body: Readable, options: { signal?: AbortSignal } = {}): Promise<StreamedObject> {
    const path = this.pathOf(key);
    const temp = `${path}${TEMP_MARK}${randomUUID()}`;
    trackInFlight(temp);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await this.makeDirectory(dirname(path));
      await pipeline(body, counter, createWriteStream(temp), { signal: options.signal });
      await rename(temp, path);
      untrackInFlight(temp);
      // A file system keeps no digest of what was written: checking it means reading it back.
      return { size, storeChecked: false };
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      untrackInFlight(temp);
      throw storeFault(error, this.root, `writing ${key}`);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    // A FIFO or device under the key would stall or never end the stream (see readRegularFile).
    if (!(await stat(path)).isFile())
      throw storeFault(Object.assign(new Error(`${key}: not a regular file`), { code: NOT_REGULAR_FILE }), this.root, `reading ${key}`);
    return createReadStream(path);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return { key, size: info.size, lastModified: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async previousVersions(key: string, limit: number): Promise<PreviousVersion[]> {
    if (limit < 1) return [];
    const path = `${this.pathOf(key)}${PREVIOUS_SUFFIX}`;
    try {
      const [body, info] = await Promise.all([readRegularFile(path), stat(path)]);
      return [{ body, etag: etagOf(body), lastModified: info.mtime }];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async keepPrevious(path: string): Promise<void> {
    const temp = `${path}${TEMP_MARK}${randomUUID()}`;
    try {
      await link(path, temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rename(temp, `${path}${PREVIOUS_SUFFIX}`).catch(async (error: unknown) => {
      await unlink(temp).catch(() => undefined);
      throw error;
    });
  }
}
