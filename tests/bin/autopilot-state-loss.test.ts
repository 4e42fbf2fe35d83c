import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot, type CliResult } from '../support/cli.js';
import { ConditionalS3Proxy } from '../support/conditional-s3-proxy.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';
import { s3TestClient, S3TestServer } from '../support/s3-server.js';

/**
 * Issue 19 items 2 and 3 through the CLI, as a user meets them: a deleted state file, a store whose alert state is gone,
 * a store full on the run that opens an alert, a truncated state. Each run is a real `autopilot run health --local`.
 */
const isRoot = process.getuid?.() === 0;
let http: TestHttpServer;
let dir: string;
let status = 503;
const mounts: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-state-loss-'));
  http = await startHttpServer({
    '/health': (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'OK' : 'down');
    },
  });
});

afterAll(async () => {
  for (const mount of mounts.reverse()) spawnSync('umount', ['-l', mount]);
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, alerting: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.config.json`);
  writeFileSync(path, JSON.stringify({ alerting, targets: { web: { health: [{ name: 'api', url: http.url('/health') }] } } }));
  return path;
}

async function run(config: string, store: string, env: Record<string, string> = {}): Promise<CliResult & { report: Report }> {
  const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', store], env);
  return { ...result, report: JSON.parse(result.stdout) as Report };
}

const subjects = (result: { report: Report }) => result.report.notifications.map((n) => n.subject);
const OPENED = '[CRITICAL] 1 alert: web/api - 503 (expected 200-299)';
const RESOLVED = /^\[CRITICAL\] 1 resolved: web\/api - 200 in \d+ ms$/;

async function openAlert(config: string, store: string, env: Record<string, string> = {}): Promise<void> {
  status = 503;
  expect(subjects(await run(config, store, env))).toEqual([]);
  expect(subjects(await run(config, store, env))).toEqual([OPENED]);
}

describe('a directory store', () => {
  it('the state file deleted while an alert is open (its .prev kept), the check passing: a RESOLVED, with a warning', async () => {
    const config = configFile('deleted');
    const store = join(dir, 'deleted');
    await openAlert(config, store);
    rmSync(join(store, 'state', 'alerts', 'health.json'));
    status = 200;
    const passing = await run(config, store);
    expect(passing.code, passing.stderr).toBe(0);
    expect(subjects(passing)).toEqual([expect.stringMatching(RESOLVED)]);
    expect(passing.report.warnings?.[0]).toMatch(/health\.json: missing; recovered from the earlier copy of /);
  });

  it('all the alert state of a used store deleted: one "state lost" notice, then the checks alert as new', async () => {
    const config = configFile('wiped');
    const store = join(dir, 'wiped');
    await openAlert(config, store);
    rmSync(join(store, 'state', 'alerts'), { recursive: true });
    const lost = await run(config, store);
    expect(lost.code, lost.stderr).toBe(0);
    expect(subjects(lost)).toEqual(['[CRITICAL] alert state lost: health job']);
    expect(lost.report.warnings).toEqual([expect.stringMatching(/missing although the store has kept the health job's alert state since/)]);
    expect(subjects(await run(config, store))).toEqual([OPENED]);
    expect(subjects(await run(config, store))).toEqual([]);
  });

  it('a truncated state recovered from .prev: no notice is sent twice', async () => {
    const config = configFile('truncated');
    const store = join(dir, 'truncated');
    await openAlert(config, store);
    truncateSync(join(store, 'state', 'alerts', 'health.json'), 40);
    const after = await run(config, store);
    expect(after.code, after.stderr).toBe(0);
    // Before: the recovered copy held the opening notice's outbox entry, published again once its lease ran out.
    expect(subjects(after)).toEqual([]);
    expect(after.report.warnings).toEqual([
      expect.stringMatching(/health\.json: alert state is not JSON.*; recovered from the earlier copy of /),
      expect.stringMatching(/1 notice\(s\) an earlier run delivered but did not settle were settled from their delivery records/),
    ]);
    status = 200;
    expect(subjects(await run(config, store))).toEqual([expect.stringMatching(RESOLVED)]);
  });
});

describe.skipIf(!isRoot)('a full store (a 1 MiB tmpfs, filled)', () => {
  function tmpfs(name: string): string {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path]);
    mounts.push(path);
    return path;
  }
  const fill = (store: string) => spawnSync('dd', ['if=/dev/zero', `of=${join(store, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });

  it('full on the run that opens the alert: published, exit 4; after space is freed, no second "opened"', async () => {
    const config = configFile('full');
    const store = tmpfs('full');
    status = 503;
    expect(subjects(await run(config, store))).toEqual([]);
    fill(store);
    const opening = await run(config, store);
    expect(opening.code).toBe(4);
    expect(subjects(opening)).toEqual([OPENED]);
    expect(opening.stderr.trim().split('\n').at(-1)).toMatch(/^autopilot: store .*full: no space left on device \(ENOSPC\)/);
    rmSync(join(store, 'filler'));
    // Before: "opened" again, with a new id and time.
    const next = await run(config, store);
    expect(next.code, next.stderr).toBe(0);
    expect(subjects(next)).toEqual([]);
    expect(next.report.warnings).toEqual([
      expect.stringMatching(/1 delivered notice item\(s\) the saved state did not know of were applied/),
    ]);
    status = 200;
    expect(subjects(await run(config, store))).toEqual([expect.stringMatching(RESOLVED)]);
  });

  it('full before the very first run, which opens the alert at once: freed, the next run sends nothing', async () => {
    const config = configFile('full-first', { consecutiveFailures: 1 });
    const store = tmpfs('full-first');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    fill(store);
    status = 503;
    const opening = await run(config, store);
    expect(opening.code).toBe(4);
    expect(subjects(opening)).toEqual([OPENED]);
    // What the full disk still took: empty files whose names record the delivery.
    expect(readdirSync(join(store, 'state', 'alerts'))).toEqual([
      expect.stringMatching(/^health\.delivery\..*-console\.c0\.[0-9a-f]{12}occ$/),
    ]);
    rmSync(join(store, 'filler'));
    const next = await run(config, store);
    expect(next.code, next.stderr).toBe(0);
    expect(subjects(next)).toEqual([]);
  });
});

describe('an S3 store (s3rver behind the conditional, versioned proxy)', () => {
  let s3: S3TestServer;
  let proxy: ConditionalS3Proxy;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await S3TestServer.start('autopilot-state-loss');
    proxy = await ConditionalS3Proxy.start(s3.port, { versioned: true });
    env = {
      S3_ENDPOINT: proxy.endpoint,
      AUTOPILOT_BUCKET: s3.bucket,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.destroy();
  });

  it('the state object deleted while an alert is open: read from its earlier version, and the RESOLVED goes out', async () => {
    const config = configFile('s3');
    const store = join(dir, 'unused');
    await openAlert(config, store, env);
    // Through the proxy, which keeps the bucket's versions: the delete leaves a delete marker, as on S3.
    await s3TestClient(proxy.endpoint).send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'state/alerts/health.json' }));
    status = 200;
    const passing = await run(config, store, env);
    expect(passing.code, passing.stderr).toBe(0);
    expect(subjects(passing)).toEqual([expect.stringMatching(RESOLVED)]);
    expect(passing.report.warnings?.[0]).toMatch(
      /^s3:\/\/autopilot-state-loss state\/alerts\/health\.json: missing; recovered from the earlier copy/,
    );
  });
});
