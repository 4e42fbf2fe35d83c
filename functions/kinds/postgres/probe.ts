import { POSTGRES_MATRIX, type PostgresRule } from './matrix.js';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { checkNameOf } from '../../core/config/schema.js';
import { durationMs, formatDuration } from '../../core/config/duration.js';
import type { Finding } from '../../core/domain/finding.js';
import { type Aspect, judgeAspects } from '../probe-support.js';
import { formatMs, roundMs } from '../probe-support.js';
import { redactDeep } from '../../core/text/redact.js';
import { describeCertificateError, isCertificateError, pgSslOptions, postgresTls, type PostgresTls } from './tls.js';
import type { PostgresConfig } from './schema.js';

/** Longest-running queries listed in `observed`; the count covers all of them. */
const LONG_QUERY_SAMPLE = 5;

interface ActivityRow {
  max_connections: number;
  /** Client backends whose type the login can read: every one with pg_monitor, else its own role's. */
  connections: number;
  /** Sessions of other roles whose type is hidden from the login (pg_stat_activity shows them without backend_type). */
  hidden: number;
  /** Superuser, or a member of pg_read_all_stats (pg_monitor includes it): sees every session's type, state and start. */
  sees_all: boolean;
}

interface LongQueryRow {
  pid: number;
  usename: string | null;
  datname: string | null;
  application_name: string | null;
  running_ms: number;
  total: number;
}

/**
 * `true`/"require": encrypted, certificate not verified (libpq's sslmode=require); "verify-full":
 * chain and host name verified, against `ssl.ca` or the runtime's CA bundle (see postgres-tls).
 */
export function sslOptionsOf(ssl: PostgresConfig['ssl'], env: NodeJS.ProcessEnv = process.env): false | ConnectionOptions {
  return pgSslOptions(postgresTls(ssl, env));
}

/**
 * Probes one PostgreSQL database: connect and authenticate, connections as % of max_connections,
 * and (when configured) queries running longer than `checks.longRunningQuery`. Always resolves to
 * one Finding; the password never appears in it, even when a server error echoes it.
 *
 * pg_stat_activity shows other roles' query state only to superusers and members of pg_monitor /
 * pg_read_all_stats, so the monitoring user needs that role for the long-running check to see them.
 */
export async function probePostgres(target: string, db: PostgresConfig, password: string | undefined): Promise<Finding> {
  const timeoutMs = durationMs(db.timeout);
  const tls = postgresTls(db.ssl);
  const client = new pg.Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password,
    ssl: pgSslOptions(tls),
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'ops-autopilot-health',
  });
  // Errors after connect (server gone mid-probe) arrive as events; the awaited calls report them.
  client.on('error', () => {});
  const observed: Record<string, unknown> = { host: db.host, port: db.port, database: db.database };
  const aspects: Aspect<PostgresRule>[] = [];
  const started = performance.now();
  let connected = false;
  try {
    await client.connect();
    connected = true;
    observed.connectMs = roundMs(performance.now() - started);
    aspects.push(...(await connectionAspects(client, db, observed)));
    if (db.checks?.longRunningQuery !== undefined) aspects.push(...(await longQueryAspects(client, db.checks.longRunningQuery, observed)));
  } catch (error) {
    const { code, message } = describe(error, timeoutMs, db.host, tls);
    observed.error = code;
    observed.errorMessage = message;
    aspects.push({
      rule: 'connect',
      level: 'critical',
      message: connected ? `query failed: ${message}` : `cannot connect: ${message}`,
    });
  } finally {
    await endWithin(client, 1_000);
  }

  const { severity, summary } = judgeAspects(POSTGRES_MATRIX, aspects, db.severity, () => okSummary(observed));
  return redactDeep<Finding>({ target, check: checkNameOf(db), kind: 'postgres', severity, summary, observed }, [password]);
}

/**
 * Connections against max_connections, and what the login can see of them. Without pg_monitor (or pg_read_all_stats,
 * or superuser), PostgreSQL shows other roles' sessions in pg_stat_activity with their role but without their type,
 * state or start: an application user would count only its own sessions and see none of the others' long queries.
 * Such a check counts the sessions it cannot classify as connections (an upper bound: background workers of another
 * role look alike), says what it cannot observe as a Low aspect with the grant that fixes it, and is never plain ok.
 */
async function connectionAspects(
  client: pg.Client,
  db: PostgresConfig,
  observed: Record<string, unknown>,
): Promise<Aspect<PostgresRule>[]> {
  // Client backends only: autovacuum, WAL writer and other background workers do not use max_connections slots.
  const { rows } = await client.query<ActivityRow>(
    `select current_setting('max_connections')::int as max_connections,
            (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as connections,
            (select count(*)::int from pg_stat_activity where backend_type is null and usesysid is not null) as hidden,
            (select rolsuper or pg_has_role(oid, 'pg_read_all_stats', 'USAGE') from pg_roles where rolname = current_user) as sees_all`,
  );
  const row = rows[0];
  if (!row) throw new Error('pg_stat_activity returned no row');
  const sessions = row.sees_all ? row.connections : row.connections + row.hidden;
  const percent = (sessions / row.max_connections) * 100;
  Object.assign(observed, {
    connections: sessions,
    maxConnections: row.max_connections,
    connectionsPercent: Math.round(percent * 10) / 10,
    seesAllSessions: row.sees_all,
  });
  const aspects: Aspect<PostgresRule>[] = [];
  if (!row.sees_all) {
    Object.assign(observed, { connectionsOwnRole: row.connections, connectionsUnclassified: row.hidden });
    aspects.push({
      rule: 'visibility',
      level: 'warning',
      message:
        `${db.user} cannot see other roles' sessions: ${row.hidden} counted as connections without their type, ` +
        `their long queries not observed (GRANT pg_monitor TO ${db.user})`,
    });
  }
  const limits = db.checks?.connections;
  if (!limits) return aspects;
  const level = percent > limits.critical ? 'critical' : percent > limits.warning ? 'warning' : undefined;
  if (!level) return aspects;
  const threshold = level === 'critical' ? limits.critical : limits.warning;
  const counted = row.sees_all ? '' : ` at most, ${row.hidden} of other roles unclassified`;
  return [
    ...aspects,
    {
      rule: 'connections',
      level,
      message: `connections ${sessions}/${row.max_connections}${counted} (${Math.round(percent)}%, ${level} ${threshold}%)`,
    },
  ];
}

async function longQueryAspects(client: pg.Client, threshold: string, observed: Record<string, unknown>): Promise<Aspect<PostgresRule>[]> {
  const thresholdMs = durationMs(threshold);
  // Query text stays out of the finding: it can hold secrets (ALTER ROLE ... PASSWORD, literals).
  const { rows } = await client.query<LongQueryRow>(
    `select pid, usename, datname, application_name,
            (extract(epoch from clock_timestamp() - query_start) * 1000)::float8 as running_ms,
            (count(*) over ())::int as total
       from pg_stat_activity
      where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'
        and query_start < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
      order by query_start
      limit ${LONG_QUERY_SAMPLE}`,
    [thresholdMs],
  );
  const total = rows[0]?.total ?? 0;
  observed.longRunningQueries = total;
  if (total === 0) return [];
  observed.longestQueries = rows.map((r) => ({
    pid: r.pid,
    user: r.usename,
    database: r.datname,
    application: r.application_name,
    runningMs: Math.round(r.running_ms),
  }));
  const longest = rows[0] as LongQueryRow;
  const what = total === 1 ? '1 query' : `${total} queries`;
  return [
    {
      rule: 'longRunningQuery',
      level: 'warning',
      message: `${what} running over ${formatDuration(thresholdMs)} (longest ${formatDuration(longest.running_ms)}, pid ${longest.pid})`,
    },
  ];
}

/** Closes the client, not waiting on a peer that no longer answers. */
async function endWithin(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function okSummary(observed: Record<string, unknown>): string {
  const connections = observed.connections === undefined ? '' : `; ${observed.connections}/${observed.maxConnections} connections`;
  return `connected in ${formatMs(Number(observed.connectMs))}${connections}`;
}

function describe(error: unknown, timeoutMs: number, host: string, tls: PostgresTls): { code: string; message: string } {
  const e = error as { code?: string; message?: string; name?: string };
  if (isCertificateError(error)) return { code: e.code!, message: describeCertificateError(error, host, tls) };
  const message = e?.message ?? String(error);
  if (/timeout expired|connection timeout|Query read timeout/i.test(message))
    return { code: 'ETIMEDOUT', message: `timeout after ${formatMs(timeoutMs)}` };
  if (e?.code === '57014') return { code: '57014', message: `statement timeout after ${formatMs(timeoutMs)}` };
  if (e?.code === 'ECONNREFUSED') return { code: 'ECONNREFUSED', message: 'connection refused' };
  return { code: e?.code ?? e?.name ?? 'Error', message };
}
