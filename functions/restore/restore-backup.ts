import { pgConnectFault } from '../kinds/postgres/connect-fault.js';
import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import type { ObjectStore } from '../core/ports/object-store.js';
import { redact } from '../core/text/redact.js';
import { describeExit, startProcess, succeeded } from '../backup/child-process.js';
import type { BackupManifest } from '../backup/manifest.js';
import { USER_TABLES_SQL, tableName, type TableRef } from '../backup/pg-source.js';
import { pgToolInfo } from '../backup/pg-tools.js';
import { ArchiveHeaderError, readArchiveHeader, restoreIncompatibility, type ArchiveHeader } from '../backup/archive-header.js';
import { listBackups, type BackupEntry } from './list-backups.js';

export interface RestoreRequest {
  readonly store: ObjectStore;
  readonly target: string;
  /** The entry's check name; may be left out when the target has backups of one database only. */
  readonly database?: string;
  /** `latest` (default) or an ISO time: the newest verified backup started at or before it. */
  readonly at?: string;
  /** postgres://user[:password]@host[:port]/database[?sslmode=...] */
  readonly to: string;
  /** Drop the backup's objects before recreating them (pg_restore -c --if-exists). */
  readonly clean?: boolean;
  /** Skip ownership and grants (restoring where the backup's roles do not exist). */
  readonly noOwner?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RestoreResult {
  readonly archiveKey: string;
  readonly manifest: BackupManifest;
  readonly database: string;
  readonly size: number;
  readonly durationMs: number;
  /** User tables in the target database after the restore. */
  readonly tables: number;
}

/** A restore that would mix the backup into existing data: the CLI exits 2 with this message. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

export interface ParsedTarget {
  /** The URL without its password: what pg_restore gets as --dbname. */
  readonly url: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly display: string;
}

export function parseTargetUrl(to: string): ParsedTarget {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new RestoreRefusedError('--to: not a URL (postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new RestoreRefusedError(`--to: expected a postgres:// URL, got ${url.protocol}//`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new RestoreRefusedError('--to: the URL names no database (postgres://user@host:port/database)');
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  return { url: url.toString(), password, database, display: `${url.hostname}${url.port ? `:${url.port}` : ''}/${database}` };
}

/** Picks the backup to restore: verified ones only, newest first. */
export function chooseBackup(
  entries: readonly BackupEntry[],
  at: string | undefined,
  label: string,
): BackupEntry & { manifest: BackupManifest } {
  const verified = entries.filter((e): e is BackupEntry & { manifest: BackupManifest } => e.verified && e.manifest !== undefined);
  if (!verified.length)
    throw new RestoreRefusedError(
      `no verified backup of ${label}${entries.length ? ` (${entries.length} unverified archive(s) ignored)` : ''}`,
    );
  if (at === undefined || at === 'latest') return verified[0]!;
  const limit = Date.parse(at);
  if (Number.isNaN(limit)) throw new RestoreRefusedError(`--at: "${at}" is neither "latest" nor an ISO time`);
  const chosen = verified.find((e) => e.startedAt.getTime() <= limit);
  if (!chosen)
    throw new RestoreRefusedError(
      `no verified backup of ${label} at or before ${at}; the oldest is ${verified.at(-1)!.startedAt.toISOString()}`,
    );
  return chosen;
}

/**
 * Hashes what passes and holds the last chunk back until the source ended and the digest
 * matched the manifest: pg_restore --single-transaction cannot commit without those bytes,
 * so an archive that changed since it was verified is never committed.
 */
class ArchiveMismatchError extends Error {}

class HeldBackVerifier extends Transform {
  private readonly hash = createHash('sha256');
  private size = 0;
  private held: Buffer | undefined;

  /** `onMismatch` runs before the error closes pg_restore's stdin: it must stop pg_restore first. */
  constructor(
    private readonly expected: { size: number; sha256: string },
    private readonly onMismatch: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.hash.digest('hex');
    if (this.size !== this.expected.size || sha256 !== this.expected.sha256) {
      this.onMismatch();
      done(
        new ArchiveMismatchError(
          `the stored archive (${this.size} bytes, SHA-256 ${sha256}) does not match its manifest (${this.expected.size} bytes, ` +
            `${this.expected.sha256}); nothing was committed`,
        ),
      );
      return;
    }
    if (this.held) this.push(this.held);
    done();
  }
}

/**
 * The URL for autopilot's own sessions with the target, read with libpq's meaning of sslmode as pg_restore reads
 * it: "require" encrypts without verifying, "verify-full" verifies against sslrootcert. Left to itself pg takes
 * "require" as verify-full (and prints a warning of several lines saying so), so the check session could refuse a
 * server pg_restore then writes to.
 */
function sessionUrl(to: string): string {
  const url = new URL(to);
  if (!url.searchParams.has('uselibpqcompat')) url.searchParams.set('uselibpqcompat', 'true');
  return url.toString();
}

/** A file the URL names (sslrootcert, sslcert, sslkey) that cannot be read: the user's to fix (exit 2), not a bug. */
function unreadableUrlFile(error: unknown): RestoreRefusedError | undefined {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.path !== 'string' || !['ENOENT', 'EACCES', 'EISDIR', 'EPERM'].includes(e.code ?? '')) return undefined;
  return new RestoreRefusedError(`--to: cannot read ${e.path} (${e.code}), named in the URL (sslrootcert, sslcert or sslkey)`);
}

async function userTables(target: ParsedTarget, original: string): Promise<TableRef[]> {
  const client = new pg.Client({
    connectionString: sessionUrl(original),
    application_name: 'ops-autopilot-restore',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<TableRef>(USER_TABLES_SQL)).rows;
  } catch (error) {
    throw new Error(`cannot list the tables of ${target.display}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Streams a verified backup from the store into `pg_restore --single-transaction`, the way
 * the runbooks restore (`pg_restore -d ... -c`). The password of `to` goes to pg_restore only
 * as PGPASSWORD; a target database with any user table is refused unless `clean`.
 */
export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const started = Date.now();
  const target = parseTargetUrl(request.to);
  const secrets = target.password ? [target.password, encodeURIComponent(target.password)] : [];
  const clean = (text: string) => redact(text, secrets);
  const env = { ...(request.env ?? process.env), ...(target.password !== undefined ? { PGPASSWORD: target.password } : {}) };

  let database = request.database;
  const entries = await listBackups(request.store, request.target, database);
  if (database === undefined) {
    const names = [...new Set(entries.map((e) => e.database))].sort();
    if (names.length > 1)
      throw new RestoreRefusedError(`--database: target ${request.target} has backups of ${names.join(', ')}; say which`);
    database = names[0];
  }
  const label = `${request.target}${database ? `/${database}` : ''} in ${request.store.location}`;
  const chosen = chooseBackup(entries, request.at, label);
  if (chosen.manifest.format !== 'pg_dump-custom') {
    throw new RestoreRefusedError(
      `${chosen.archiveKey} is a SQLite backup: download it and gunzip it in place of the database file; pg_restore cannot load it`,
    );
  }

  const pgRestore = await pgToolInfo('pg_restore', env);
  // The archive's own header says which pg_restore reads it (format version, compression), before
  // anything touches the target database.
  let header: ArchiveHeader;
  try {
    header = await readArchiveHeader(await request.store.getStream(chosen.archiveKey));
  } catch (error) {
    if (!(error instanceof ArchiveHeaderError)) throw error;
    throw new RestoreRefusedError(`${chosen.archiveKey}: ${error.message}`);
  }
  const incompatible = restoreIncompatibility(header, pgRestore.version.major, `${pgRestore.version.text} (${pgRestore.path})`);
  if (incompatible) throw new RestoreRefusedError(`${chosen.archiveKey}: ${incompatible}`);

  let existing: TableRef[];
  try {
    existing = await userTables(target, request.to);
  } catch (error) {
    // Unreachable or refusing the login: the user's to fix (exit 4), not an internal error.
    throw pgConnectFault(error, `--to ${target.display}`) ?? unreadableUrlFile(error) ?? new Error(clean((error as Error).message));
  }
  if (existing.length > 0 && !request.clean) {
    throw new RestoreRefusedError(
      `${target.display} is not empty (${existing.length} table(s): ` +
        `${existing.slice(0, 5).map(tableName).join(', ')}${existing.length > 5 ? ', …' : ''}); ` +
        'restore into an empty database, or pass --clean to drop and recreate the objects in the backup',
    );
  }

  const objectArgs = [...(request.clean ? ['--clean', '--if-exists'] : []), ...(request.noOwner ? ['--no-owner', '--no-privileges'] : [])];
  const body = await request.store.getStream(chosen.archiveKey);
  const serverMajor = await targetServerMajor(request.to);
  const failed = (cause: string, rolledBack = false) =>
    new Error(clean(`restore of ${chosen.archiveKey} into ${target.display} failed${rolledBack ? ' (rolled back)' : ''}: ${cause}`));
  if (pgRestore.version.major >= 17 && serverMajor !== undefined && serverMajor < 17) {
    await restoreThroughPsql({ pgRestorePath: pgRestore.path, body, manifest: chosen.manifest, url: target.url, objectArgs, env, failed });
  } else {
    const args = ['--dbname', target.url, '--no-password', '--single-transaction', '--exit-on-error', ...objectArgs];
    const restore = startProcess(pgRestore.path, args, env, 'pipe');
    try {
      // SIGKILL: pg_restore must not see the end of its input and commit what it has.
      await pipeline(body, new HeldBackVerifier(chosen.manifest, () => restore.child.kill('SIGKILL')), restore.child.stdin!);
    } catch (error) {
      restore.terminate(2_000);
      const status = await restore.exited;
      throw failed(
        error instanceof ArchiveMismatchError || succeeded(status) || status.signal
          ? (error as Error).message
          : describeExit('pg_restore', status, restore.stderr.toString()),
      );
    }
    const status = await restore.exited;
    if (!succeeded(status)) throw failed(describeExit('pg_restore', status, restore.stderr.toString()), true);
  }
  const after = await userTables(target, request.to).catch(() => []);
  return {
    archiveKey: chosen.archiveKey,
    manifest: chosen.manifest,
    database: chosen.database,
    size: chosen.manifest.size,
    durationMs: Date.now() - started,
    tables: after.length,
  };
}

async function targetServerMajor(url: string): Promise<number | undefined> {
  const client = new pg.Client({
    connectionString: sessionUrl(url),
    application_name: 'ops-autopilot-restore',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ num: string }>(`SELECT current_setting('server_version_num') AS num`);
    return Math.floor(Number(rows[0]!.num) / 10000);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The one line of pg_restore 17's session preamble a server before 17 refuses. */
const TRANSACTION_TIMEOUT_LINE = 'SET transaction_timeout = 0;\n';
/** The preamble comes first; data never gets looked at. */
const PREAMBLE_BYTES = 64 * 1024;

/**
 * pg_restore 17's script with its `SET transaction_timeout = 0;` preamble line dropped (servers
 * before 17 lack that setting), whose end is held back until pg_restore exited 0: psql must not
 * reach the end of its input, and commit, after a pg_restore that failed.
 */
class OlderServerScript extends Transform {
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly restoreOk: () => Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.head === undefined) {
      done(null, chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < PREAMBLE_BYTES) {
      done();
      return;
    }
    done(null, this.release());
  }

  override _flush(done: TransformCallback): void {
    if (this.head !== undefined) this.push(this.release());
    this.restoreOk().then(
      () => done(),
      (error: Error) => done(error),
    );
  }

  private release(): Buffer {
    const text = this.head!.toString('latin1');
    this.head = undefined;
    const at = text.indexOf(TRANSACTION_TIMEOUT_LINE);
    return Buffer.from(at < 0 ? text : text.slice(0, at) + text.slice(at + TRANSACTION_TIMEOUT_LINE.length), 'latin1');
  }
}

/**
 * A pg_dump 17 archive into a server before 17: pg_restore 17 writes the SQL script (`-f -`) and
 * psql runs it in one transaction that stops at the first error (`-1 -v ON_ERROR_STOP=1`), the
 * way pg_restore --single-transaction --exit-on-error would, less the one setting the server lacks.
 * Any failure, or a mismatch with the manifest, kills both before psql sees the end: nothing commits.
 */
async function restoreThroughPsql(options: {
  pgRestorePath: string;
  body: NodeJS.ReadableStream;
  manifest: BackupManifest;
  url: string;
  objectArgs: string[];
  env: NodeJS.ProcessEnv;
  failed: (cause: string, rolledBack?: boolean) => Error;
}): Promise<void> {
  const restore = startProcess(options.pgRestorePath, ['--file', '-', ...options.objectArgs], options.env, 'pipe');
  const psqlArgs = ['--dbname', options.url, '--no-password', '--no-psqlrc', '--quiet', '--single-transaction'];
  const psql = startProcess(
    join(dirname(options.pgRestorePath), 'psql'),
    [...psqlArgs, '--set', 'ON_ERROR_STOP=1', '--output', '/dev/null'],
    options.env,
    'pipe',
  );
  psql.child.stdout!.resume();
  const killBoth = () => {
    psql.child.kill('SIGKILL');
    restore.child.kill('SIGKILL');
  };
  const restoreOk = async () => {
    const status = await restore.exited;
    if (!succeeded(status)) {
      psql.child.kill('SIGKILL');
      throw new Error(describeExit('pg_restore', status, restore.stderr.toString()));
    }
  };
  try {
    await Promise.all([
      pipeline(options.body as Readable, new HeldBackVerifier(options.manifest, killBoth), restore.child.stdin!),
      pipeline(restore.child.stdout!, new OlderServerScript(restoreOk), psql.child.stdin!),
    ]);
  } catch (error) {
    killBoth();
    await Promise.all([restore.exited, psql.exited]);
    throw options.failed((error as Error).message, true);
  }
  const status = await psql.exited;
  if (!succeeded(status)) throw options.failed(describeExit('psql', status, psql.stderr.toString()), true);
}
