import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { parseManifest } from '../../../functions/backup/manifest.js';
import { parseTaskInput, runBackupTask, TASK_EXIT } from '../../../functions/backup/task-entry.js';
import { stageBackupImage } from '../../../lib/backup/backup-image.js';
import { PostgresCluster, freePort } from '../../support/postgres-cluster.js';
import { pg17BinDir } from '../../support/pg-versions.js';
import { S3TestServer } from '../../support/s3-server.js';
import { seedLargeTable, seedRealisticDatabase } from './support/fixtures.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const HARNESS = fileURLToPath(new URL('./support/task-harness.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TOPICS = Object.fromEntries(
  ['critical', 'high', 'medium', 'low', 'digest'].map((t) => [t, `arn:aws:sns:us-east-1:123456789012:autopilot-${t}`]),
);

/** Forwards to s3rver; holds the first UploadPart forever and says so, so a test can kill the task mid-upload. */
async function stallingProxy(upstream: string): Promise<{ endpoint: string; firstPart: Promise<void>; close(): Promise<void> }> {
  const target = new URL(upstream);
  let sawPart!: () => void;
  const firstPart = new Promise<void>((resolve) => (sawPart = resolve));
  const server: Server = createServer((req, res) => {
    if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
      sawPart();
      req.resume();
      return; // never answered
    }
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    firstPart,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('backup as an ECS task: the entry point run as a process', () => {
  let cluster: PostgresCluster;
  let s3: S3TestServer;
  let store: S3ObjectStore;
  let rawConfig: Record<string, unknown>;
  const pg17 = pg17BinDir();

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start()]);
    store = new S3ObjectStore(s3.bucket, s3.client());
    await seedRealisticDatabase(cluster, 'shop');
    await cluster.createDatabase('big');
    await seedLargeTable(cluster, 'big', 24);
    const db = (database: string, name?: string) => ({
      ...(name ? { name } : {}),
      host: '127.0.0.1',
      port: cluster.port,
      database,
      user: cluster.superuser,
      passwordParameter: '/autopilot/shop/db',
      // A loopback cluster without TLS (the default is verify-full).
      ssl: false,
      backup: { runOn: 'fargate' },
    });
    // Fargate tasks run in the VPC: runOn "fargate" needs the top-level network.
    const network = { vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60718'] };
    rawConfig = { network, targets: { shop: { postgres: [db('shop'), db('big'), db('no_such_db', 'gone')] } } };
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), s3?.destroy()]);
  });

  function startTask(args: string[], env: Record<string, string>, endpoint = s3.endpoint) {
    const log = join(mkdtempSync(join(tmpdir(), 'autopilot-task-')), 'sns.json');
    const child = spawn(process.execPath, ['--import', 'tsx', HARNESS, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(pg17 ? { PG_BIN_DIR: pg17 } : {}),
        AUTOPILOT_BUCKET: s3.bucket,
        AUTOPILOT_CHANNELS: 'sns',
        AUTOPILOT_TOPIC_ARNS: JSON.stringify(TOPICS),
        S3_ENDPOINT: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        POWERTOOLS_METRICS_DISABLED: 'true',
        HARNESS_CONFIG: JSON.stringify(rawConfig),
        HARNESS_DB_PASSWORD: cluster.password,
        HARNESS_SNS_LOG: log,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    return {
      child,
      exited,
      output: () => ({ stdout, stderr }),
      sns: () => JSON.parse(readFileSync(log, 'utf8')) as { publish: Array<Record<string, unknown>>; getParameter: unknown[] },
    };
  }

  /** The report is the last line of stdout that parses as one (the logger writes JSON lines too). */
  function reportOf(stdout: string) {
    const lines = stdout.trim().split('\n').reverse();
    for (const line of lines) {
      const parsed = JSON.parse(line) as { job?: string; findings?: Array<Record<string, unknown>> };
      if (parsed.job === 'backup') return parsed;
    }
    throw new Error(`no report in: ${stdout}`);
  }

  it('lands a verified backup in the S3 server from env input, and publishes a failed one through the alert engine', async () => {
    const good = startTask([], { AUTOPILOT_TARGET: 'shop', AUTOPILOT_DATABASE: 'shop' });
    const done = await good.exited;
    expect(done, good.output().stderr).toEqual({ code: 0, signal: null });
    const report = reportOf(good.output().stdout);
    expect(report.findings).toEqual([
      expect.objectContaining({
        target: 'shop',
        check: 'shop',
        kind: 'backup',
        severity: 'ok',
        summary: expect.stringMatching(/verified/),
      }),
    ]);
    expect(good.sns()).toEqual({ publish: [], getParameter: [{ Name: '/autopilot/shop/db', WithDecryption: true }] });
    const keys = (await store.list('backups/shop/shop/')).map((o) => o.key).sort();
    expect(keys).toHaveLength(2);
    const manifest = parseManifest((await store.get(keys.find((k) => k.endsWith('.json'))!))!.body, 'manifest');
    expect(manifest).toMatchObject({ verification: 'passed', target: 'shop', database: 'shop', compression: pg17 ? 'zstd:1' : 'gzip:1' });
    expect((await store.head(manifest.key))!.size).toBe(manifest.size);

    // The same entry with argv input, for a database that does not exist: a High finding, published, exit 0.
    const bad = startTask(['--target', 'shop', '--database', 'gone'], {});
    expect(await bad.exited, bad.output().stderr).toEqual({ code: 0, signal: null });
    const failed = reportOf(bad.output().stdout);
    expect(failed.findings).toEqual([
      expect.objectContaining({ check: 'gone', severity: 'high', summary: expect.stringMatching(/^backup failed \(connect\)/) }),
    ]);
    const published = bad.sns().publish;
    expect(published).toEqual([expect.objectContaining({ TopicArn: TOPICS.high, Subject: expect.stringMatching(/gone/) })]);
    expect(await store.list('backups/shop/gone/')).toEqual([]);
  });

  it('leaves no object under the final key when the task is killed (SIGKILL) midway through the upload', async () => {
    const proxy = await stallingProxy(s3.endpoint);
    try {
      const task = startTask([], { AUTOPILOT_TARGET: 'shop', AUTOPILOT_DATABASE: 'big' }, proxy.endpoint);
      await Promise.race([
        proxy.firstPart,
        task.exited.then(() => Promise.reject(new Error(`task exited early: ${task.output().stderr}`))),
      ]);
      task.child.kill('SIGKILL');
      expect(await task.exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await proxy.close();
    }
    expect(await store.list('backups/shop/big/')).toEqual([]);
  });

  it('refuses bad task input with exit 2 naming the variable or flag', async () => {
    const run = (argv: string[], env: NodeJS.ProcessEnv) => runBackupTask(rawConfig, argv, env, () => ({}) as never);
    expect(await run([], {})).toEqual({
      exitCode: TASK_EXIT.input,
      error: expect.stringMatching(/^AUTOPILOT_TARGET: the task input names no target/),
    });
    expect(await run([], { AUTOPILOT_TARGET: 'shop' })).toEqual({ exitCode: 2, error: expect.stringMatching(/^AUTOPILOT_DATABASE: /) });
    expect(await run(['--target', 'shop', '--database', 'nope'], {})).toEqual({
      exitCode: 2,
      error: expect.stringMatching(/^AUTOPILOT_DATABASE: target shop backs up no database "nope" \(known: shop, big, gone\)/),
    });
    expect(await run(['--target', 'elsewhere', '--database', 'shop'], {})).toEqual({
      exitCode: 2,
      error: expect.stringMatching(/unknown target "elsewhere"/),
    });
    expect(await run(['--verbose'], {})).toEqual({
      exitCode: 2,
      error: 'argv[0]: unknown argument "--verbose" (use --target <name> --database <name>)',
    });
    expect(await run([], { AUTOPILOT_TARGET: 'shop', AUTOPILOT_DATABASE: 'shop', AUTOPILOT_TASK_TIMEOUT: 'soon' })).toEqual({
      exitCode: 2,
      error: 'AUTOPILOT_TASK_TIMEOUT: invalid duration "soon" (use e.g. "6h")',
    });
    expect(parseTaskInput(['--target=shop', '--database=big'], { AUTOPILOT_TARGET: 'x', AUTOPILOT_DATABASE: 'y' })).toEqual({
      target: 'shop',
      database: 'big',
    });
  });

  it('is bundled into the image as task.mjs, which runs under node and exits 2 without task input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-image-'));
    const staged = stageBackupImage({ config: validateConfig(rawConfig), directory: dir, entriesDir: join(dir, 'entries') });
    expect(readFileSync(join(staged, 'Dockerfile'), 'utf8')).toMatch(/COPY index\.mjs task\.mjs config\.json /);
    const result = spawnSync(process.execPath, [join(staged, 'task.mjs')], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/AUTOPILOT_TARGET: the task input names no target/);
  });
});
