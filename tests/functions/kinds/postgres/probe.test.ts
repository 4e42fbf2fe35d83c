import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, sslOptionsOf } from '../../../../functions/kinds/postgres/probe.js';
import { freePort, PostgresCluster } from '../../../support/postgres-cluster.js';
import type { PostgresConfig } from '../../../../functions/kinds/config.js';
import { postgresSchema } from '../../../../functions/kinds/postgres/schema.js';

describe('probePostgres against a real PostgreSQL cluster', () => {
  let cluster: PostgresCluster;
  const db = (extra: Record<string, unknown> = {}): PostgresConfig =>
    postgresSchema.parse({
      name: 'main',
      host: '127.0.0.1',
      port: cluster.port,
      ssl: false,
      database: 'postgres',
      user: cluster.superuser,
      timeout: '5s',
      ...extra,
    });

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
  });
  afterAll(() => cluster?.stop());

  it('is ok when it connects and answers, with connection figures', async () => {
    const finding = await probePostgres(
      'shop',
      db({ checks: { connections: { warning: 80, critical: 95 }, longRunningQuery: '1m' } }),
      cluster.password,
    );
    expect(finding).toMatchObject({ target: 'shop', check: 'main', kind: 'postgres', severity: 'ok' });
    expect(finding.summary).toMatch(/^connected in \d+ ms; \d+\/40 connections$/);
    expect(finding.observed).toMatchObject({ maxConnections: 40, longRunningQueries: 0 });
    expect(finding.observed?.connections).toBeGreaterThanOrEqual(1);
  });

  it('names the check after the database when it has no name', async () => {
    const finding = await probePostgres('shop', db({ name: undefined }), cluster.password);
    expect(finding.check).toBe('postgres');
  });

  it('is high when the port is closed', async () => {
    const port = await freePort();
    const finding = await probePostgres('shop', db({ port }), cluster.password);
    expect(finding).toMatchObject({ severity: 'high', summary: 'cannot connect: connection refused', observed: { error: 'ECONNREFUSED' } });
  });

  it('is high on a wrong password, and the password appears nowhere in the finding', async () => {
    const wrong = 'wrong-Pa55word-xyz';
    const finding = await probePostgres('shop', db(), wrong);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toBe(`cannot connect: password authentication failed for user "${cluster.superuser}"`);
    expect(finding.observed).toMatchObject({ error: '28P01' });
    expect(JSON.stringify(finding)).not.toContain(wrong);
  });

  it('redacts a password that the server error echoes (here it equals the user name)', async () => {
    const finding = await probePostgres('shop', db(), cluster.superuser);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toBe('cannot connect: password authentication failed for user "***"');
    expect(JSON.stringify(finding)).not.toContain(cluster.superuser);
  });

  it('is high when the database does not exist', async () => {
    const finding = await probePostgres('shop', db({ database: 'nosuchdb' }), cluster.password);
    expect(finding).toMatchObject({ severity: 'high', observed: { error: '3D000' } });
    expect(finding.summary).toBe('cannot connect: database "nosuchdb" does not exist');
  });

  it('is high when ssl is required but the server does not offer it', async () => {
    const finding = await probePostgres('shop', db({ ssl: 'require' }), cluster.password);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^cannot connect: .*SSL/);
  });

  it('rates connections over the warning % medium and over the critical % high', async () => {
    const held: pg.Client[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const client = new pg.Client({ connectionString: cluster.url() });
        await client.connect();
        held.push(client);
      }
      // At least 7 client backends of 40 (the 6 held plus the probe itself): 17.5% or more.
      const medium = await probePostgres('shop', db({ checks: { connections: { warning: 10, critical: 90 } } }), cluster.password);
      expect(medium.severity).toBe('medium');
      expect(medium.summary).toMatch(/^connections \d+\/40 \(\d+%, warning 10%\)$/);
      expect(medium.observed?.connections).toBeGreaterThanOrEqual(7);
      const high = await probePostgres('shop', db({ checks: { connections: { warning: 5, critical: 10 } } }), cluster.password);
      expect(high.severity).toBe('high');
      expect(high.summary).toMatch(/^connections \d+\/40 \(\d+%, critical 10%\)$/);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('rates a query running longer than longRunningQuery medium, ignoring idle sessions', async () => {
    const idle = new pg.Client({ connectionString: cluster.url() });
    const busy = new pg.Client({ connectionString: cluster.url() });
    await idle.connect();
    await busy.connect();
    try {
      await idle.query('select 1');
      const { rows } = await busy.query<{ pid: number }>('select pg_backend_pid() as pid');
      const sleeping = busy.query('select pg_sleep(30)').catch(() => undefined);
      await waitFor(
        async () =>
          (await cluster.query(`select 1 from pg_stat_activity where query like 'select pg_sleep%' and state = 'active'`)).length > 0,
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      const finding = await probePostgres('shop', db({ checks: { longRunningQuery: '200ms' } }), cluster.password);
      expect(finding.severity).toBe('medium');
      expect(finding.summary).toMatch(new RegExp(`^1 query running over 200 ms \\(longest (\\d+ ms|[\\d.]+s), pid ${rows[0]?.pid}\\)$`));
      expect(finding.observed).toMatchObject({ longRunningQueries: 1, longestQueries: [{ pid: rows[0]?.pid, user: cluster.superuser }] });
      expect(JSON.stringify(finding)).not.toContain('pg_sleep');
      await cluster.query(`select pg_cancel_backend(${Number(rows[0]?.pid)})`);
      await sleeping;
    } finally {
      await Promise.all([idle.end(), busy.end()]);
    }
  });

  it("says what a login without pg_monitor cannot see, counts the other roles' sessions, and reads all once granted", async () => {
    await cluster.query(`create role app_user login password 'app-pw'; create role batch login password 'batch-pw'`);
    const held: pg.Client[] = [];
    try {
      for (let i = 0; i < 15; i++) {
        const client = new pg.Client({
          connectionString: cluster.url().replace(`${cluster.superuser}:${encodeURIComponent(cluster.password)}`, 'batch:batch-pw'),
        });
        await client.connect();
        held.push(client);
      }
      const app = (extra: Record<string, unknown> = {}) => db({ user: 'app_user', ...extra });
      // No thresholds: not ok, but Low, saying what is not observed and how to grant it.
      const blind = await probePostgres('shop', app(), 'app-pw');
      expect(blind.severity).toBe('low');
      expect(blind.summary).toMatch(/^app_user cannot see other roles' sessions: (1[5-9]|2\d) counted as connections without their type, /);
      expect(blind.summary).toMatch(/, their long queries not observed \(GRANT pg_monitor TO app_user\)$/);
      expect(blind.observed).toMatchObject({ seesAllSessions: false, connectionsOwnRole: 1 });
      expect(blind.observed?.connections).toBeGreaterThanOrEqual(16);
      // 16 or more of 40 is over a 30% warning: counted, and said to be an upper bound.
      const busy = await probePostgres('shop', app({ checks: { connections: { warning: 30, critical: 90 } } }), 'app-pw');
      expect(busy.severity).toBe('medium');
      expect(busy.summary).toMatch(
        /^connections \d+\/40 at most, \d+ of other roles unclassified \(\d+%, warning 30%\); app_user cannot see/,
      );
      await cluster.query('grant pg_monitor to app_user');
      const seeing = await probePostgres('shop', app({ checks: { connections: { warning: 80, critical: 90 } } }), 'app-pw');
      expect(seeing.severity).toBe('ok');
      expect(seeing.observed).toMatchObject({ seesAllSessions: true });
      expect(seeing.observed?.connections).toBeGreaterThanOrEqual(16);
      expect(seeing.summary).toMatch(/^connected in \d+ ms; (1[6-9]|2\d)\/40 connections$/);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('applies the severity override to a connect failure', async () => {
    const port = await freePort();
    const finding = await probePostgres('shop', db({ port, severity: { critical: 'critical' } }), cluster.password);
    expect(finding.severity).toBe('critical');
  });
});

describe('probePostgres against a server that accepts and never speaks', () => {
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('is high with a timeout after db.timeout', async () => {
    const port = (silent.address() as { port: number }).port;
    const db = postgresSchema.parse({ host: '127.0.0.1', port, database: 'app', user: 'app', timeout: '300ms', ssl: false });
    const finding = await probePostgres('shop', db, 'pw');
    expect(finding).toMatchObject({ severity: 'high', summary: 'cannot connect: timeout after 300 ms', observed: { error: 'ETIMEDOUT' } });
  });
});

describe('sslOptionsOf', () => {
  it('maps the config to pg ssl options', () => {
    expect(sslOptionsOf(false)).toBe(false);
    expect(sslOptionsOf(true)).toEqual({ rejectUnauthorized: false });
    expect(sslOptionsOf('require')).toEqual({ rejectUnauthorized: false });
    expect(sslOptionsOf('verify-full')).toEqual({ rejectUnauthorized: true });
  });
});

async function waitFor(condition: () => Promise<boolean>, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met');
}
