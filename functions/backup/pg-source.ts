import pg from 'pg';
import { durationMs } from '../core/config/duration.js';
import { describeCertificateError, isCertificateError, pgSslOptions, postgresTls, sslModeOf } from '../kinds/postgres/tls.js';
import { serverVersionOf, type PgVersion } from './pg-tools.js';
import type { PostgresConfig } from '../kinds/config.js';

export interface TableRef {
  readonly schema: string;
  readonly name: string;
  /** 'r' a table with rows of its own; 'p' a partitioned parent, whose rows live in its partitions. */
  readonly kind: 'r' | 'p';
}

export function tableName(table: Pick<TableRef, 'schema' | 'name'>): string {
  return `${table.schema}.${table.name}`;
}

/**
 * The tables pg_dump dumps by default: ordinary and partitioned tables outside the system
 * schemas, less those that belong to an extension (CREATE EXTENSION recreates them).
 */
export const USER_TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_)'
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY 1, 2`;

/** The `pg` client's ssl option for a database's setting (see functions/kinds/postgres/tls.ts). */
export function sslOption(ssl: PostgresConfig['ssl'], env: NodeJS.ProcessEnv = process.env): pg.ClientConfig['ssl'] {
  return pgSslOptions(postgresTls(ssl, env));
}

/** The libpq sslmode pg_dump gets for the same setting, so both connections agree. */
export function libpqSslMode(ssl: PostgresConfig['ssl']): string {
  return sslModeOf(ssl);
}

export function clientConfig(db: PostgresConfig, password: string | undefined, applicationName: string): pg.ClientConfig {
  return {
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password,
    ssl: sslOption(db.ssl),
    connectionTimeoutMillis: durationMs(db.timeout),
    application_name: applicationName,
  };
}

/**
 * A connection to the database being backed up, holding a REPEATABLE READ transaction whose
 * snapshot pg_dump adopts (`--snapshot`): the table list counted here is exactly the set of
 * tables in the dump, even while the application keeps writing.
 */
export interface SourceSession {
  readonly serverVersion: PgVersion;
  readonly serverVersionNum: number;
  readonly tables: readonly TableRef[];
  /** pg_database_size() of the database: what the Lambda time limit is measured against. */
  readonly databaseBytes: number;
  /** Undefined when the server could not export one (pg_dump then takes its own). */
  readonly snapshot: string | undefined;
  close(): Promise<void>;
}

export async function openSourceSession(db: PostgresConfig, password: string | undefined): Promise<SourceSession> {
  const client = new pg.Client(clientConfig(db, password, 'ops-autopilot-backup'));
  // A server that dies while the session idles raises 'error' on the client; the dump reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    if (isCertificateError(error)) throw new Error(describeCertificateError(error, db.host, postgresTls(db.ssl)));
    throw error;
  }
  try {
    const { rows } = await client.query<{ num: string; size: string }>(
      `SELECT current_setting('server_version_num') AS num, pg_catalog.pg_database_size(pg_catalog.current_database()) AS size`,
    );
    const serverVersionNum = Number(rows[0]!.num);
    const databaseBytes = Number(rows[0]!.size);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let snapshot: string | undefined;
    try {
      // Not from a savepoint: PostgreSQL exports no snapshot from a subtransaction.
      snapshot = (await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id')).rows[0]!.id;
    } catch {
      await client.query('ROLLBACK');
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    }
    const tables = (await client.query<TableRef>(USER_TABLES_SQL)).rows.map((r) => ({ schema: r.schema, name: r.name, kind: r.kind }));
    return {
      serverVersion: serverVersionOf(serverVersionNum),
      serverVersionNum,
      tables,
      databaseBytes,
      snapshot,
      close: () => client.end().catch(() => undefined),
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}
