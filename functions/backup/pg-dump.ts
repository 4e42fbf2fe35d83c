import type { Socket } from 'node:net';
import { durationMs } from '../core/config/duration.js';
import { startProcess, type RunningProcess } from './child-process.js';
import { libpqTlsEnv, postgresTls } from '../kinds/postgres/tls.js';
import type { ToolInfo } from './pg-tools.js';
import type { PostgresConfig } from '../kinds/config.js';

/** libpq settings a caller may keep (certificates); every other PG* variable is dropped. */
const KEPT_PG_VARS = new Set(['PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCRL']);

/**
 * The environment of a PostgreSQL client child: the parent's, without its PG* settings (a
 * stray PGPASSWORD or PGSERVICE must not change what is dumped), plus the password as
 * PGPASSWORD, the only place it ever goes: never argv, never shell text.
 */
export function pgChildEnv(
  password: string | undefined,
  extra: Record<string, string>,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!key.startsWith('PG') || KEPT_PG_VARS.has(key)) env[key] = value;
  }
  Object.assign(env, extra);
  if (password !== undefined) env.PGPASSWORD = password;
  return env;
}

export interface PgDumpOptions {
  readonly snapshot?: string;
  /** How long pg_dump waits for its share locks (a running migration) before giving up. */
  readonly lockWaitTimeout?: string;
  /** `--compress=...` (pgDumpCompressArg); absent: pg_dump's own default (gzip level 6). */
  readonly compress?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the archive goes: a socket (DumpOutput's child end) instead of a pipe. */
  readonly stdout?: Socket;
}

export function pgDumpArgs(db: PostgresConfig, options: Pick<PgDumpOptions, 'snapshot' | 'lockWaitTimeout' | 'compress'> = {}): string[] {
  return [
    '--format=custom',
    ...(options.compress ? [options.compress] : []),
    '--no-password',
    `--lock-wait-timeout=${durationMs(options.lockWaitTimeout ?? '2m')}`,
    '--host',
    db.host,
    '--port',
    String(db.port),
    '--username',
    db.user,
    '--dbname',
    db.database,
    ...(options.snapshot ? ['--snapshot', options.snapshot] : []),
  ];
}

/**
 * PGSSLMODE and PGSSLROOTCERT for pg_dump, pg_restore and psql: the same CAs the `pg` client
 * trusts (`ssl.ca`, else the runtime's bundle). A PGSSLROOTCERT the caller set is kept when the
 * config names no CA and no bundle exists.
 */
export function pgToolTlsEnv(
  ssl: PostgresConfig['ssl'],
  libpqMajor: number,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const tls = postgresTls(ssl, base);
  const env = libpqTlsEnv(tls, base.PGSSLROOTCERT && !tls.caFile ? undefined : libpqMajor);
  return env;
}

/** pg_dump -Fc writing the archive to its stdout. */
export function spawnPgDump(tool: ToolInfo, db: PostgresConfig, password: string | undefined, options: PgDumpOptions = {}): RunningProcess {
  const base = options.env ?? process.env;
  const extra: Record<string, string> = {
    ...pgToolTlsEnv(db.ssl, tool.version.major, base),
    PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(durationMs(db.timeout) / 1000))),
    PGAPPNAME: 'ops-autopilot-backup',
  };
  return startProcess(tool.path, pgDumpArgs(db, options), pgChildEnv(password, extra, options.env), 'ignore', options.stdout);
}
