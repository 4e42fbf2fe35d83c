/**
 * The status page at 500 checks (issue 23): page size and generation time, for what users get.
 *
 * Data: 500 HTTP checks on 100 targets, every minute, 90 days: per check a roll-up row a day (1,440 runs; one check
 * in ten with a few failed runs most days, one in seven with an outage day, one failing now) and two days of hourly
 * rows with response-time sketches of per-minute log-normal samples (medians 40-240 ms); in 8 schedule groups of 64
 * checks (as the stack splits 500 one-minute checks), written through the product's own document types.
 *
 * Measured in this run, median of REPEAT (spread min-max):
 *   - the generation as the health function runs it (bundled like the function, its own process): from a directory,
 *     from an S3 endpoint (s3rver on loopback), and on the S3 endpoint under a CPU quota of the health function's
 *     share (512 MB = 0.29 vCPU) when the machine lets a cgroup be written;
 *   - `autopilot status --local --out` as a user types it (process start included), from the directory and from S3;
 *   - the baseline: reading the same 90 days laid out without roll-ups (a document per day and group: 720 objects),
 *     reads alone, on the same S3 endpoint.
 * Goals printed with the figures: the page under 300 KB, its generation under 2 s.
 *
 *   npm run bench:status [-- REPEAT]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LocalObjectStore } from '../functions/core/adapters/local/local-object-store.js';
import { S3ObjectStore } from '../functions/core/adapters/s3/s3-object-store.js';
import { HANDLER_BUNDLE_OPTIONS } from '../lib/lambda/bundle-options.js';
import { s3TestClient } from '../tests/support/s3-server.js';
import { manyChecks, writeStatusFixture } from '../tests/support/status-fixture.js';
import { parseRollup } from '../functions/status-page/history/rollup.js';
import { CpuQuota } from './support/cpu-quota.js';
import type { StatusWorkerInput, StatusWorkerResult } from './support/status-worker.js';

const REPEAT = Number(process.argv[2] ?? 7);
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'autopilot.mjs');
const CHECKS = 500;
const HEALTH_MEMORY_MB = 512;
const NOW = new Date();
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-status-bench-'));
const log = (line: string) => process.stderr.write(`bench:status: ${line}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;

async function startS3(): Promise<{ endpoint: string; bucket: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/support/s3-server-process.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_S3_ROOT: scratch },
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`s3 server exited ${code}`)));
  });
  const { endpoint, bucket } = JSON.parse(line) as { endpoint: string; bucket: string };
  return { endpoint, bucket, stop: () => child.stdin!.end() };
}

async function bundleWorker(): Promise<string> {
  const outfile = join(scratch, 'status-worker.mjs');
  await build({ ...HANDLER_BUNDLE_OPTIONS, entryPoints: [join(ROOT, 'bench/support/status-worker.ts')], outfile, target: 'node24' });
  return outfile;
}

function runWorker(worker: string, input: StatusWorkerInput, quota?: CpuQuota): Promise<StatusWorkerResult> {
  const file = join(scratch, `input-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(input));
  const [command, args] = quota ? quota.wrap(process.execPath, [worker, file]) : [process.execPath, [worker, file]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as StatusWorkerResult) : reject(new Error(`worker exited ${code}`))));
  });
}

/** Wall and CPU (user + system, from /usr/bin/time) milliseconds of each run of the CLI. */
function timeCli(args: string[], env: Record<string, string> = {}): { timesMs: number[]; cpuMs: number[] } {
  const timesMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, CLI, ...args], { env: { ...process.env, ...env } });
    timesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (run.status !== 0) throw new Error(`autopilot ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    const [, user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr.toString()) ?? [];
    cpuMs.push((Number(user) + Number(system)) * 1000);
  }
  return { timesMs, cpuMs };
}

/** The machine's load: with other work on its cores, wall times grow and CPU times stay nearly put. */
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The same history as documents per day and group, no roll-ups: the layout the roll-up replaces. */
async function writeNaiveLayout(dir: string, s3: S3ObjectStore): Promise<number> {
  const local = new LocalObjectStore(dir);
  let objects = 0;
  for (const info of await local.list('history/rollup/')) {
    const rollup = parseRollup((await local.get(info.key))!.body.toString('utf8'));
    const byDay = new Map<string, Record<string, unknown>>();
    for (const [key, check] of Object.entries(rollup.checks)) {
      for (const [day, runs, failures, notOk, p50, p95, max] of check.days) {
        const doc = byDay.get(day) ?? {};
        doc[key] = { kind: check.kind, runs, failures, notOkSeconds: notOk, p50, p95, maxMs: max };
        byDay.set(day, doc);
      }
    }
    await Promise.all(
      [...byDay].map(([day, checks]) => s3.put(`naive/history/days/${day}/${rollup.group}.json`, JSON.stringify({ day, checks }))),
    );
    objects += byDay.size;
  }
  return objects;
}

let loadAtStart = '';

async function main(): Promise<void> {
  loadAtStart = load();
  const dir = join(scratch, 'store');
  mkdirSync(dir);
  log(`generating ${CHECKS} checks x 90 days of history into ${dir}`);
  const checks = manyChecks(CHECKS, 5);
  const config = await writeStatusFixture(new LocalObjectStore(dir), { now: NOW, checks, seed: 23 });
  const configFile = join(scratch, 'ops.config.json');
  writeFileSync(configFile, JSON.stringify({ timezone: config.timezone, language: config.language, targets: config.targets }));

  const s3 = await startS3();
  const bucketStore = new S3ObjectStore(s3.bucket, s3TestClient(s3.endpoint));
  try {
    log(`copying the store to ${s3.endpoint}/${s3.bucket}`);
    const local = new LocalObjectStore(dir);
    const keys = await local.list('');
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(keys.slice(i, i + 16).map(async (o) => bucketStore.put(o.key, (await local.get(o.key))!.body)));
    }
    const naiveObjects = await writeNaiveLayout(dir, bucketStore);
    const worker = await bundleWorker();
    const s3Input = { store: { endpoint: s3.endpoint, bucket: s3.bucket }, config, now: NOW.toISOString(), repeat: REPEAT };
    // AWS_* credentials for the SDK talking to s3rver, which takes any.
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    process.env.AWS_REGION ??= 'us-east-1';

    log('the bundled generation: directory, S3, S3 under the health function CPU share; the naive layout on S3');
    const fromDir = await runWorker(worker, { store: { dir }, config, now: NOW.toISOString(), repeat: REPEAT });
    const fromS3 = await runWorker(worker, s3Input);
    const quota = CpuQuota.tryCreate(`autopilot-status-bench-${process.pid}`, HEALTH_MEMORY_MB / 1769);
    const quotaRun = quota ? await runWorker(worker, s3Input, quota) : undefined;
    quota?.remove();
    const naive = await runWorker(worker, { ...s3Input, naivePrefix: 'naive/history/days/' });

    log('the CLI as users run it');
    const out = join(scratch, 'status.html');
    execFileSync(process.execPath, [CLI, 'help'], { stdio: 'ignore' }); // builds dist/ once, outside the measurement
    const cliDir = timeCli(['status', '--local', '--config', configFile, '--store', dir, '--out', out]);
    const size = readFileSync(out).length;
    const s3Env = { S3_ENDPOINT: s3.endpoint, AUTOPILOT_BUCKET: s3.bucket };
    const cliS3 = timeCli(['status', '--local', '--config', configFile, '--out', out], s3Env);

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const row = (name: string, run: { timesMs: number[]; cpuMs: number[] }, extra = '') =>
      console.log(
        `  ${name.padEnd(58)} ${median(run.timesMs).toFixed(0).padStart(6)} ms wall (${spread(run.timesMs)}), ` +
          `${median(run.cpuMs).toFixed(0).padStart(5)} ms CPU${extra}`,
      );
    console.log(`status page, ${CHECKS} checks on ${CHECKS / 5} targets, 90 days (data: see the top of bench/status.bench.ts)`);
    console.log(
      `  page: ${kb(size)} private (goal < 300 KB: ${size < 300 * 1024 ? 'met' : 'NOT MET'}), ` +
        `${(size / CHECKS).toFixed(0)} bytes a check; ` +
        `${fromDir.problems} problems named`,
    );
    console.log(`generation, median of ${REPEAT} (min-max):`);
    row('bundled, from a directory', fromDir, `, peak RSS ${fromDir.maxRssMb.toFixed(0)} MB`);
    row(
      'bundled, from S3 (s3rver on loopback)',
      fromS3,
      `, ${fromS3.gets} GET + ${fromS3.lists} LIST, peak RSS ${fromS3.maxRssMb.toFixed(0)} MB`,
    );
    if (quotaRun) row(`bundled, from S3, at ${(HEALTH_MEMORY_MB / 1769).toFixed(2)} vCPU (${quota!.describe()})`, quotaRun);
    else console.log('  bundled at the health function CPU share: skipped (no writable cgroup CPU controller here)');
    row('autopilot status --local --out, directory (process included)', cliDir);
    row('autopilot status --local --out, S3 endpoint (process included)', cliS3);
    row(`baseline: the naive layout's ${naiveObjects} day documents, reads alone, S3`, naive, `, ${naive.gets} GET`);
    const worst = Math.max(
      median(fromDir.timesMs),
      median(fromS3.timesMs),
      quotaRun ? median(quotaRun.timesMs) : 0,
      median(cliDir.timesMs),
      median(cliS3.timesMs),
    );
    const worstCpu = Math.max(median(fromDir.cpuMs), median(fromS3.cpuMs), median(cliDir.cpuMs), median(cliS3.cpuMs));
    console.log(
      `  product / baseline on S3: ${(median(fromS3.timesMs) / median(naive.timesMs)).toFixed(2)} of the time (page rendered too), ` +
        `${((fromS3.gets + fromS3.lists) / (naive.gets + naive.lists)).toFixed(3)} of the requests`,
    );
    console.log(
      `  slowest median above: ${worst.toFixed(0)} ms wall, ${worstCpu.toFixed(0)} ms CPU (goal < 2000 ms: ` +
        `${worst < 2000 ? 'met' : worstCpu < 2000 ? 'met in CPU time; the wall time is the machine load' : 'NOT MET'}); ` +
        `load average ${loadAtStart} at the start, ${load()} at the end`,
    );
  } finally {
    s3.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
