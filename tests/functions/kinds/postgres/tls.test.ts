import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local/local-object-store.js';
import { fixedPassword } from '../../../../functions/core/adapters/local/local-secrets.js';
import {
  CA_BUNDLE_ENV,
  caFileForDeployment,
  libpqTlsEnv,
  pgSslOptions,
  postgresTls,
  RUNTIME_CA_BUNDLE,
} from '../../../../functions/kinds/postgres/tls.js';
import { backupPostgres } from '../../../../functions/backup/backup-postgres.js';
import { pgToolTlsEnv } from '../../../../functions/backup/pg-dump.js';
import { restoreBackup } from '../../../../functions/restore/restore-backup.js';
import { probePostgres } from '../../../../functions/kinds/postgres/probe.js';
import { PostgresCluster } from '../../../support/postgres-cluster.js';
import { createTestCa, enableClusterTls, type TestCa } from '../../../support/test-ca.js';
import type { PostgresConfig } from '../../../../functions/kinds/config.js';
import { postgresSchema } from '../../../../functions/kinds/postgres/schema.js';

/** No bundle at all: the path the tests give when "the runtime has no CA bundle". */
const NO_BUNDLE = '/nonexistent/autopilot-ca-bundle.pem';

describe('PostgreSQL TLS against a real cluster whose certificate a test CA signed', () => {
  let cluster: PostgresCluster;
  let ca: TestCa;
  let wrongCa: TestCa;
  let storeDir: string;

  const db = (extra: Record<string, unknown> = {}): PostgresConfig =>
    postgresSchema.parse({
      name: 'main',
      host: '127.0.0.1',
      port: cluster.port,
      database: 'postgres',
      user: cluster.superuser,
      timeout: '5s',
      ...extra,
    });

  beforeAll(async () => {
    ca = createTestCa('autopilot test CA');
    wrongCa = createTestCa('some other CA');
    cluster = await PostgresCluster.start();
    // The certificate names the address only: "localhost" is a host name mismatch.
    await enableClusterTls(cluster, ca.issue('db', 'IP:127.0.0.1'));
    storeDir = mkdtempSync(join(tmpdir(), 'autopilot-tls-store-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    ca?.remove();
    wrongCa?.remove();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('verify-full with ssl.ca (a PEM file) passes', async () => {
    const finding = await probePostgres('shop', db({ ssl: { mode: 'verify-full', ca: ca.certFile } }), cluster.password);
    expect(finding).toMatchObject({ severity: 'ok', kind: 'postgres' });
  });

  it('verify-full with ssl.ca as PEM text (what the stack embeds in the deployed config) passes', async () => {
    const finding = await probePostgres('shop', db({ ssl: { mode: 'verify-full', ca: ca.cert } }), cluster.password);
    expect(finding.severity).toBe('ok');
  });

  it('the wrong CA is a High finding naming the host and the certificate problem', async () => {
    const finding = await probePostgres('shop', db({ ssl: { mode: 'verify-full', ca: wrongCa.certFile } }), cluster.password);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^cannot connect: TLS certificate of 127\.0\.0\.1 not trusted: .*(certificate|issuer)/);
    expect(finding.summary).toContain(wrongCa.certFile);
    expect(finding.summary).not.toContain('--use-system-ca');
    expect(finding.observed).toMatchObject({ error: expect.stringMatching(/CERT|SIGNATURE|ISSUER|SELF_SIGNED/) });
  });

  it('a host name the certificate does not name is a High finding', async () => {
    const finding = await probePostgres('shop', db({ host: 'localhost', ssl: { mode: 'verify-full', ca: ca.certFile } }), cluster.password);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^cannot connect: TLS certificate of localhost not trusted: .*localhost/);
    expect(finding.observed).toMatchObject({ error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('the default (no ssl key) is verify-full: it passes with the CA in the runtime bundle', async () => {
    vi.stubEnv(CA_BUNDLE_ENV, ca.certFile);
    const config = db();
    expect(config.ssl).toBe('verify-full');
    const finding = await probePostgres('shop', config, cluster.password);
    expect(finding.severity).toBe('ok');
  });

  it('the default fails closed without the CA (no bundle: Node store, which does not hold the test CA)', async () => {
    vi.stubEnv(CA_BUNDLE_ENV, NO_BUNDLE);
    const finding = await probePostgres('shop', db(), cluster.password);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toMatch(/^cannot connect: TLS certificate of 127\.0\.0\.1 not trusted: .*; CAs from the default store\)$/);
  });

  it('the default fails closed with a bundle that lacks the CA', async () => {
    vi.stubEnv(CA_BUNDLE_ENV, wrongCa.certFile);
    const finding = await probePostgres('shop', db(), cluster.password);
    expect(finding.severity).toBe('high');
    expect(finding.summary).toContain(`CAs from ${wrongCa.certFile}`);
  });

  it('a backup with the default setting trusts the same bundle on both paths: the pg session and pg_dump (PGSSLROOTCERT)', async () => {
    vi.stubEnv(CA_BUNDLE_ENV, ca.certFile);
    const store = new LocalObjectStore(join(storeDir, 'ok'));
    const outcome = await backupPostgres({ target: 'shop', db: db({ backup: {} }), store, secrets: fixedPassword(cluster.password) });
    expect(outcome).toMatchObject({ ok: true, manifest: { verification: 'passed' } });
  });

  it('a backup with the wrong CA fails at connect, naming the certificate problem', async () => {
    const store = new LocalObjectStore(join(storeDir, 'wrong'));
    const outcome = await backupPostgres({
      target: 'shop',
      db: db({ ssl: { mode: 'verify-full', ca: wrongCa.certFile }, backup: {} }),
      store,
      secrets: fixedPassword(cluster.password),
    });
    expect(outcome.ok).toBe(false);
    expect(outcome).toMatchObject({ stage: 'connect', reason: expect.stringMatching(/TLS certificate of 127\.0\.0\.1 not trusted/) });
  });

  it('restore --to verifies the target the same way on both paths (the pg session and pg_restore): sslrootcert in the URL', async () => {
    const store = new LocalObjectStore(join(storeDir, 'restore'));
    const outcome = await backupPostgres({
      target: 'shop',
      db: db({ ssl: { mode: 'verify-full', ca: ca.certFile }, backup: {} }),
      store,
      secrets: fixedPassword(cluster.password),
    });
    expect(outcome.ok).toBe(true);
    await cluster.query('CREATE DATABASE restored_tls');
    const url = (caFile: string, database = 'restored_tls') =>
      `postgres://${cluster.superuser}:${encodeURIComponent(cluster.password)}@127.0.0.1:${cluster.port}/${database}` +
      `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
    const restored = await restoreBackup({ store, target: 'shop', to: url(ca.certFile) });
    expect(restored.database).toBe('main');
    // The wrong CA: refused at the first connection, one line naming the certificate problem, nothing restored.
    await cluster.query('CREATE DATABASE restored_tls_wrong');
    const refused = restoreBackup({ store, target: 'shop', to: url(wrongCa.certFile, 'restored_tls_wrong') });
    await expect(refused).rejects.toThrow(/certificate/i);
    await expect(refused).rejects.not.toThrow(cluster.password);
    const tables = await cluster.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
      'restored_tls_wrong',
    );
    expect(tables[0]!.n).toBe(0);
  });

  it('libpq (pg_dump, pg_restore, psql) gets the same CAs: a file path as is, PEM text written to a file', () => {
    const tls = postgresTls({ mode: 'verify-full', ca: ca.certFile });
    expect(libpqTlsEnv(tls)).toEqual({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.certFile });
    const env = pgToolTlsEnv({ mode: 'verify-full', ca: wrongCa.cert }, 15);
    expect(env.PGSSLMODE).toBe('verify-full');
    expect(readFileSync(env.PGSSLROOTCERT!, 'utf8')).toBe(wrongCa.cert);
  });
});

describe('postgresTls', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads the runtime bundle at /var/runtime/ca-cert.pem unless overridden', () => {
    expect(RUNTIME_CA_BUNDLE).toBe('/var/runtime/ca-cert.pem');
    vi.stubEnv(CA_BUNDLE_ENV, NO_BUNDLE);
    expect(postgresTls(undefined)).toEqual({ mode: 'verify-full', caSource: 'the default store' });
    expect(libpqTlsEnv(postgresTls(undefined), 15)).toEqual({ PGSSLMODE: 'verify-full' });
    expect(libpqTlsEnv(postgresTls(undefined), 17)).toEqual({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'system' });
  });

  it('maps false, true and "require" without CAs', () => {
    expect(pgSslOptions(postgresTls(false))).toBe(false);
    expect(libpqTlsEnv(postgresTls(false))).toEqual({ PGSSLMODE: 'disable' });
    expect(pgSslOptions(postgresTls(true))).toEqual({ rejectUnauthorized: false });
    expect(libpqTlsEnv(postgresTls('require'))).toEqual({ PGSSLMODE: 'require' });
  });

  it('says which file it could not read', () => {
    expect(() => postgresTls({ mode: 'verify-full', ca: '/nonexistent/ca.pem' })).toThrow(/^ssl\.ca: cannot read \/nonexistent\/ca\.pem/);
  });

  it('takes certificates only for deployment: a private key in the CA file is refused', () => {
    const ca = createTestCa();
    try {
      expect(caFileForDeployment(ca.certFile)).toContain('-----BEGIN CERTIFICATE-----');
      const server = ca.issue('leaky', 'DNS:db.example');
      const mixed = join(ca.dir, 'mixed.pem');
      writeFileSync(mixed, readFileSync(ca.certFile, 'utf8') + readFileSync(server.keyFile, 'utf8'));
      expect(() => caFileForDeployment(mixed)).toThrow(/holds a private key/);
    } finally {
      ca.remove();
    }
  });
});
