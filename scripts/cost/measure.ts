import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkNameOf } from '../../functions/core/config/schema.js';
import { PostgresCluster } from '../../tests/support/postgres-cluster.js';
import { S3TestServer } from '../../tests/support/s3-server.js';
import {
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
  type RouteSpec,
  type TestHttpServer,
} from '../../tests/support/http-servers.js';
import { HANDLER_BUNDLE_OPTIONS } from '../../lib/lambda/bundle-options.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import type { WorkerInput, WorkerResult } from './measure-worker.js';
import type { Config, HealthCheckConfig } from '../../functions/kinds/config.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const WORKER_ENTRY = join(ROOT, 'scripts/cost/measure-worker.ts');

export interface MeasureOptions {
  /** Each loopback server answers after this long. */
  readonly serverLatencyMs: number;
  /** Network round-trip time added to every connection by a delaying proxy. */
  readonly roundTripMs: number;
  /** Measured runs per interval, after `warmup` runs that are not counted. */
  readonly runs: number;
  readonly warmup: number;
  readonly log?: (line: string) => void;
}

export interface HealthMeasurement {
  readonly options: MeasureOptions;
  readonly worker: WorkerResult;
  /** Whether the PostgreSQL checks that ask for TLS got it (the throwaway cluster serves a self-signed certificate). */
  readonly postgresTls: boolean;
  /** The CPU architecture it ran on (`process.arch`); recorded figures keep the one they were measured on. */
  readonly arch?: string;
}

/** The body a check expects: its `json` fields (dotted paths expanded), else its `bodyContains`, else "OK". */
export function bodyFor(check: HealthCheckConfig): string {
  const json = check.expect?.json;
  if (json) {
    const root: Record<string, unknown> = {};
    for (const [path, value] of Object.entries(json)) {
      const parts = path.split('.');
      let node = root;
      for (const part of parts.slice(0, -1)) {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
      node[parts[parts.length - 1]!] = value;
    }
    return JSON.stringify(root);
  }
  return check.expect?.bodyContains ?? 'OK';
}

function statusFor(check: HealthCheckConfig): number {
  const status = check.expect?.status;
  return Array.isArray(status) ? status[0]! : (status ?? 200);
}

interface Loopback {
  readonly httpOrigin: string;
  readonly httpsOrigin: string;
  readonly postgresPort: number;
  readonly password: string;
}

/**
 * The config with every endpoint moved to loopback: same targets, checks, intervals, expectations
 * and thresholds; URLs point at the local HTTP(S) servers (through the latency proxy), databases
 * at the throwaway cluster with a local password instead of an SSM parameter.
 */
export function loopbackConfig(config: Config, loopback: Loopback, postgresTls: boolean): Config {
  const targets: Config['targets'] = {};
  for (const [name, target] of Object.entries(config.targets)) {
    targets[name] = {
      ...target,
      health: target.health?.map((check) => {
        const origin = new URL(check.url).protocol === 'https:' ? loopback.httpsOrigin : loopback.httpOrigin;
        return { ...check, url: `${origin}/${name}/${checkNameOf(check)}` };
      }),
      postgres: target.postgres?.map(({ passwordParameter: _ignored, ...db }) => ({
        ...db,
        name: checkNameOf(db),
        host: '127.0.0.1',
        port: loopback.postgresPort,
        user: 'autopilot',
        password: loopback.password,
        // The loopback cluster's certificate is self-signed: encrypted like production, verified there only.
        ssl: postgresTls && db.ssl !== false ? 'require' : false,
      })),
    };
  }
  return { ...config, targets };
}

function routesFor(config: Config, latencyMs: number, scheme: 'http:' | 'https:'): Record<string, RouteSpec> {
  const routes: Record<string, RouteSpec> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    for (const check of target.health ?? []) {
      if (new URL(check.url).protocol !== scheme) continue;
      routes[`/${name}/${checkNameOf(check)}`] = {
        delayMs: latencyMs,
        status: statusFor(check),
        headers: { 'content-type': check.expect?.json ? 'application/json' : 'text/plain' },
        body: bodyFor(check),
      };
    }
  }
  return routes;
}

/** Turns on TLS in the throwaway cluster with a self-signed certificate; false when that fails. */
async function enablePostgresTls(cluster: PostgresCluster): Promise<boolean> {
  try {
    const tls = selfSignedCertificate(30);
    const data = join(cluster.dir, 'data');
    writeFileSync(join(data, 'server.crt'), tls.cert);
    writeFileSync(join(data, 'server.key'), tls.key, { mode: 0o600 });
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(join(data, 'server.crt'), uid, gid);
      chownSync(join(data, 'server.key'), uid, gid);
    }
    await cluster.query('ALTER SYSTEM SET ssl = on');
    await cluster.query('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 500));
    const [row] = await cluster.query<{ ssl: string }>('SHOW ssl');
    return row?.ssl === 'on';
  } catch {
    return false;
  }
}

async function bundleWorker(dir: string): Promise<string> {
  const outfile = join(dir, 'worker.mjs');
  await build({
    entryPoints: [WORKER_ENTRY],
    outfile,
    ...HANDLER_BUNDLE_OPTIONS,
    // Runs on this machine's Node, not Lambda's.
    target: 'node20',
  });
  return outfile;
}

function runWorker(file: string, inputFile: string, env: NodeJS.ProcessEnv): Promise<WorkerResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file, inputFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`measurement worker exited ${code}: ${err.trim()}`));
      try {
        resolvePromise(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
      } catch (error) {
        reject(new Error(`measurement worker printed no result: ${(error as Error).message}\n${err}`));
      }
    });
  });
}

/**
 * Measures the real health job on this machine: loopback HTTP and HTTPS servers answering every
 * check of the config after `serverLatencyMs`, a throwaway PostgreSQL cluster for its database
 * checks, an S3 protocol server for the alert state, all behind a proxy adding `roundTripMs`; the
 * job itself runs in a child process from an esbuild bundle, as in Lambda.
 */
export async function measureHealthJob(config: Config, intervals: readonly string[], options: MeasureOptions): Promise<HealthMeasurement> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-cost-'));
  const stops: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    log('starting loopback HTTP(S) servers, PostgreSQL and S3');
    const tls = selfSignedCertificate(90);
    const servers: TestHttpServer[] = [
      await startHttpServer(routesFor(config, options.serverLatencyMs, 'http:')),
      await startHttpsServer(routesFor(config, options.serverLatencyMs, 'https:'), tls),
    ];
    for (const s of servers) stops.unshift(() => s.close());
    const cluster = await PostgresCluster.start();
    stops.unshift(() => cluster.stop());
    const postgresTls = await enablePostgresTls(cluster);
    const databases = new Set(Object.values(config.targets).flatMap((t) => (t.postgres ?? []).map((p) => p.database)));
    for (const database of databases) await cluster.createDatabase(database);
    const s3 = await S3TestServer.start();
    stops.unshift(() => s3.destroy());

    const proxies: LatencyProxy[] = [];
    for (const port of [servers[0]!.port, servers[1]!.port, cluster.port]) proxies.push(await startLatencyProxy(port, options.roundTripMs));
    for (const p of proxies) stops.unshift(() => p.close());

    const measured = loopbackConfig(
      config,
      {
        httpOrigin: `http://127.0.0.1:${proxies[0]!.port}`,
        httpsOrigin: `https://127.0.0.1:${proxies[1]!.port}`,
        postgresPort: proxies[2]!.port,
        password: cluster.password,
      },
      postgresTls,
    );
    const input: WorkerInput = { config: measured, ca: tls.cert, bucket: s3.bucket, intervals, runs: options.runs, warmup: options.warmup };
    const inputFile = join(dir, 'input.json');
    writeFileSync(inputFile, JSON.stringify(input));

    log('bundling the health job with esbuild');
    const worker = await bundleWorker(dir);
    log(`running the health job ${options.warmup} + ${options.runs} times per interval (${intervals.join(', ')})`);
    const result = await runWorker(worker, inputFile, {
      PATH: process.env.PATH,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    return { options, worker: result, postgresTls, arch: process.arch };
  } finally {
    for (const stop of stops) await stop();
  }
}
