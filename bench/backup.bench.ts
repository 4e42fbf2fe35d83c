/**
 * Backup bench: the product's streamed backup against plain `pg_dump -Fc > /dev/null`, on a
 * database of poorly compressible data (random bytea plus hex text), at each size in BENCH_SIZES.
 *
 *   npm run bench:backup                  # 1 GB and 3 GB
 *   BENCH_SIZES=1 npm run bench:backup    # sizes in GB (binary), ascending
 *   BENCH_ROUNDS=3 ...                    # timed pairs per size (default 2), order alternating
 *   BENCH_CHILD_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" ...   # node options for the product's process
 *
 * The product runs in its own Node process (bundled by esbuild like the Lambda image), streaming
 * into an S3 protocol server (s3rver) on loopback; its peak RSS is the child's own high-water
 * mark (VmHWM), which excludes pg_dump, pg_restore and the S3 server. The product's time
 * includes everything a run does: catalog snapshot, dump, upload, verification (the server's
 * MD5s against the uploader's, the stored size, pg_restore --list on the stored archive's head;
 * or a whole read-back where the server's ETags say nothing) and the manifest.
 *
 * The S3 server stands in for S3, which runs on other machines, so: it runs in its own process
 * at low CPU priority (nice 10), keeps its files in RAM (/dev/shm) rather than on the disk the
 * database is read from, and completes multipart uploads the way S3 does, without s3rver's
 * whole-object copy (tests/support/s3-server.ts). Its CPU time is printed all the same.
 * Before every timed run the machine is settled: CHECKPOINT, sync, dirty pages written back.
 * Goals: ratio <= 1.10; peak RSS <= 200 MB and within 10% between sizes.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { S3ObjectStore } from '../functions/core/adapters/s3-object-store.js';
import { validateConfig } from '../functions/core/config/validate.js';
import { pgToolInfo } from '../functions/backup/pg-tools.js';
import { PostgresCluster } from '../tests/support/postgres-cluster.js';
import { s3TestClient } from '../tests/support/s3-server.js';

const GiB = 1024 ** 3;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const sizes = (process.env.BENCH_SIZES ?? '1,3')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

const CHILD_SOURCE = `
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { backupPostgres } from './functions/backup/backup-postgres.ts';
import { S3ObjectStore } from './functions/core/adapters/s3-object-store.ts';
import { createS3Client } from './functions/core/adapters/s3-client.ts';
const input = JSON.parse(process.env.BENCH_INPUT);
const client = createS3Client(input.endpoint);
// s3rver completes a multipart upload by copying every part into one file (real S3 does not):
// time that call, so the report can show the product's figure without the loopback server's copy.
let completeMs = 0;
client.middlewareStack.add((next, context) => async (args) => {
  const t = performance.now();
  try {
    return await next(args);
  } finally {
    if (context.commandName === 'CompleteMultipartUploadCommand') completeMs += performance.now() - t;
  }
}, { step: 'initialize', name: 'benchTiming' });
const store = new S3ObjectStore(input.bucket, client);
const startRssKb = Number(/VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const started = performance.now();
const outcome = await backupPostgres({ target: 'bench', db: input.db, store, secrets: { postgresPassword: async () => input.password } });
const elapsedMs = performance.now() - started;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ outcome, elapsedMs, completeMs, startRssKb, cpu: process.cpuUsage(), vmHwmKb: hwm ? Number(hwm[1]) : null }));
`;

function bundleChild(dir: string): string {
  const outfile = join(dir, 'backup-child.mjs');
  buildSync({
    stdin: { contents: CHILD_SOURCE, resolveDir: ROOT, sourcefile: 'backup-child.ts', loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    external: ['pg-native'],
    logLevel: 'error',
  });
  return outfile;
}

/** CPU seconds the whole machine spent busy (all cores, /proc/stat), to show contention. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}

/** CPU seconds (user + system) a process has used so far, all its threads. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Lowers every thread of a process to `nice` (Linux priorities are per thread). */
function renice(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), nice);
}

function dirtyKb(): number {
  return Number(/Dirty:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
}

/** Waits for the database's and the kernel's pending writes, so no run pays for the last one's. */
async function settle(cluster: PostgresCluster): Promise<void> {
  await cluster.query('CHECKPOINT', 'bench');
  await run('sync', []);
  for (let i = 0; i < 120 && dirtyKb() > 32 * 1024; i++) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 2_000));
}

/**
 * Writes and deletes a file as large as the S3 server's share of RAM. In a VM, memory the guest
 * has never touched costs a fault to the hypervisor on first use (about 3 s per GB here); without
 * this, the first product run would pay that inside the S3 server and the later runs would not.
 */
function prefault(dir: string, bytes: number): void {
  const path = join(dir, `autopilot-bench-prefault-${process.pid}`);
  const block = Buffer.alloc(64 * 1024 * 1024, 0x5a);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) writeSync(fd, block);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

interface S3ServerProcess {
  readonly endpoint: string;
  readonly bucket: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startS3Server(root: string): Promise<S3ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/support/s3-server-process.ts')], {
    env: { ...process.env, BENCH_S3_ROOT: root },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    child.once('exit', (code) => reject(new Error(`the S3 server exited ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolveLine);
  });
  const info = JSON.parse(line) as { endpoint: string; bucket: string };
  renice(child.pid!, 10);
  return {
    ...info,
    pid: child.pid!,
    stop: async () => {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

async function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdoutTo?: number } = {},
): Promise<{ ms: number; stdout: string; code: number | null }> {
  const started = performance.now();
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', options.stdoutTo ?? 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
  return { ms: performance.now() - started, stdout, code };
}

async function growTo(cluster: PostgresCluster, bytes: number): Promise<number> {
  await cluster.query(
    `CREATE EXTENSION IF NOT EXISTS pgcrypto;
     CREATE TABLE IF NOT EXISTS blobs (id bigint PRIMARY KEY, payload bytea NOT NULL, note text NOT NULL, at timestamptz NOT NULL)`,
    'bench',
  );
  const size = async () => Number((await cluster.query<{ s: string }>(`SELECT pg_database_size('bench') AS s`, 'bench'))[0]!.s);
  let next = Number((await cluster.query<{ m: string }>('SELECT coalesce(max(id), 0) AS m FROM blobs', 'bench'))[0]!.m) + 1;
  const batch = 50_000;
  // Two writers at once: the machine has two cores.
  while ((await size()) < bytes) {
    const starts = [next, next + batch];
    next += 2 * batch;
    await Promise.all(
      starts.map((from) =>
        cluster.query(
          `INSERT INTO blobs SELECT g, gen_random_bytes(1000), md5(g::text) || md5((g::bigint * 7919)::text), timestamptz '2026-01-01' + g * interval '1 second'
           FROM generate_series(${from}::bigint, ${from + batch - 1}::bigint) g`,
          'bench',
        ),
      ),
    );
  }
  await cluster.query('VACUUM (ANALYZE) blobs', 'bench');
  return size();
}

interface Figures {
  sizeGiB: number;
  dbBytes: number;
  archiveBytes: number;
  plainMs: number[];
  productMs: number[];
  completeMs: number[];
  verifyMs: number[];
  dumpMs: number[];
  peakRssMb: number[];
  productCpuS: number[];
  serverCpuS: number[];
}

interface ChildResult {
  outcome: {
    ok: boolean;
    reason?: string;
    manifest?: { size: number; key: string; verifyMs?: number; dumpMs?: number; verifiedBy?: string };
  };
  elapsedMs: number;
  completeMs: number;
  vmHwmKb: number;
  startRssKb: number;
  cpu: { user: number; system: number };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
  const needed = (sizes.at(-1)! * 1.2 + 1) * GiB;
  const free = freeBytes(tmpdir());
  console.log(`free space in ${tmpdir()}: ${(free / GiB).toFixed(1)} GiB; the database needs about ${(needed / GiB).toFixed(1)} GiB`);
  if (free < needed) throw new Error('not enough disk space for the bench (BENCH_SIZES)');
  const shmNeeded = (sizes.at(-1)! * 1.1 + 0.5) * GiB;
  const s3Root = process.env.BENCH_S3_DIR ?? (existsSync('/dev/shm') && freeBytes('/dev/shm') > shmNeeded ? '/dev/shm' : tmpdir());
  if (s3Root !== '/dev/shm')
    console.log(`note: the S3 server keeps its files in ${s3Root}, on disk: its writeback will weigh on the product's figures`);
  if (!process.env.BENCH_S3_DIR && freeBytes(s3Root) < shmNeeded)
    throw new Error(`not enough space in ${s3Root} for the S3 server's copy of the archive`);

  if (s3Root === '/dev/shm') prefault(s3Root, shmNeeded);
  const child = bundleChild(work);
  const [cluster, s3] = await Promise.all([PostgresCluster.start(), startS3Server(s3Root)]);
  const pgDump = await pgToolInfo('pg_dump');
  console.log(`S3 server (s3rver, S3-like multipart completion) on ${s3.endpoint}, pid ${s3.pid} at nice 10, files in ${s3Root}`);
  console.log(`pg_dump: ${pgDump.path} (${pgDump.version.text}); node ${process.version}; timed pairs per size: ${rounds}`);
  const results: Figures[] = [];
  try {
    await cluster.createDatabase('bench');
    const config = validateConfig({
      targets: { bench: { postgres: [{ host: '127.0.0.1', port: cluster.port, database: 'bench', user: cluster.superuser, backup: {} }] } },
    });
    const db = config.targets.bench!.postgres![0]!;
    const pgEnv = { ...process.env, PGPASSWORD: cluster.password };
    const store = new S3ObjectStore(s3.bucket, s3TestClient(s3.endpoint));

    const timePlain = async (figures: Figures) => {
      await settle(cluster);
      const devNull = openSync('/dev/null', 'w');
      const busy = machineBusySeconds();
      const plain = await run(
        pgDump.path,
        ['-Fc', '--no-password', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', 'bench'],
        { env: pgEnv, stdoutTo: devNull },
      );
      closeSync(devNull);
      if (plain.code !== 0) throw new Error(`plain pg_dump exited ${plain.code}`);
      figures.plainMs.push(plain.ms);
      console.log(`  plain pg_dump -Fc > /dev/null: ${seconds(plain.ms)} (machine CPU busy ${(machineBusySeconds() - busy).toFixed(1)} s)`);
    };
    const timeProduct = async (figures: Figures) => {
      await settle(cluster);
      const busy = machineBusySeconds();
      const serverCpu = processCpuSeconds(s3.pid);
      const product = await run(process.execPath, [...(process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? []), child], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_REGION: 'us-east-1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          BENCH_INPUT: JSON.stringify({ bucket: s3.bucket, endpoint: s3.endpoint, db, password: cluster.password }),
        },
      });
      const result = JSON.parse(product.stdout) as ChildResult;
      if (!result.outcome.ok) throw new Error(`product backup failed: ${result.outcome.reason}`);
      const manifest = result.outcome.manifest!;
      const productCpuS = (result.cpu.user + result.cpu.system) / 1e6;
      const serverCpuS = processCpuSeconds(s3.pid) - serverCpu;
      figures.productMs.push(result.elapsedMs);
      figures.completeMs.push(result.completeMs);
      figures.verifyMs.push(manifest.verifyMs ?? 0);
      figures.dumpMs.push(manifest.dumpMs ?? 0);
      figures.peakRssMb.push(result.vmHwmKb / 1024);
      figures.productCpuS.push(productCpuS);
      figures.serverCpuS.push(serverCpuS);
      figures.archiveBytes = manifest.size;
      console.log(
        `  product backup: ${seconds(result.elapsedMs)}, archive ${(manifest.size / GiB).toFixed(2)} GiB, ` +
          `of which pg_dump ${seconds(manifest.dumpMs ?? 0)}, verification ${seconds(manifest.verifyMs ?? 0)} (${manifest.verifiedBy ?? 'n/a'}), CompleteMultipartUpload ${seconds(result.completeMs)}; ` +
          `peak RSS ${(result.vmHwmKb / 1024).toFixed(0)} MB (${(result.startRssKb / 1024).toFixed(0)} MB before the backup); ` +
          `CPU: product ${productCpuS.toFixed(1)} s (user ${(result.cpu.user / 1e6).toFixed(1)}), S3 server ${serverCpuS.toFixed(1)} s, machine ${(machineBusySeconds() - busy).toFixed(1)} s`,
      );
      // Keep RAM for the next run: the S3 server's copy is no longer needed.
      await store.delete(manifest.key);
      await store.delete(manifest.key.replace(/\.dump$/, '.json'));
    };

    for (const sizeGiB of sizes) {
      const genStart = performance.now();
      const dbBytes = await growTo(cluster, sizeGiB * GiB);
      console.log(
        `\n== ${sizeGiB} GiB: database is ${(dbBytes / GiB).toFixed(2)} GiB (generated in ${((performance.now() - genStart) / 1000).toFixed(0)} s)`,
      );
      const figures: Figures = {
        sizeGiB,
        dbBytes,
        archiveBytes: 0,
        plainMs: [],
        productMs: [],
        completeMs: [],
        verifyMs: [],
        dumpMs: [],
        peakRssMb: [],
        productCpuS: [],
        serverCpuS: [],
      };
      for (let round = 0; round < rounds; round++) {
        // Alternate the order, so neither side always runs first after the database grew.
        if (round % 2 === 0) {
          await timePlain(figures);
          await timeProduct(figures);
        } else {
          await timeProduct(figures);
          await timePlain(figures);
        }
      }
      results.push(figures);
    }
  } finally {
    await Promise.all([cluster.stop(), s3.stop()]);
    rmSync(work, { recursive: true, force: true });
  }

  console.log(
    '\nsize     database  archive   plain pg_dump  product   ratio  its pg_dump  verify  complete  product CPU  S3 server CPU  peak RSS',
  );
  for (const f of results) {
    const ratio = mean(f.productMs) / mean(f.plainMs);
    console.log(
      `${`${f.sizeGiB} GiB`.padEnd(9)}${`${(f.dbBytes / GiB).toFixed(2)} GiB`.padEnd(10)}${`${(f.archiveBytes / GiB).toFixed(2)} GiB`.padEnd(10)}` +
        `${seconds(mean(f.plainMs)).padEnd(15)}${seconds(mean(f.productMs)).padEnd(10)}${ratio.toFixed(3).padEnd(7)}` +
        `${seconds(mean(f.dumpMs)).padEnd(13)}${seconds(mean(f.verifyMs)).padEnd(8)}${seconds(mean(f.completeMs)).padEnd(10)}${`${mean(f.productCpuS).toFixed(1)} s`.padEnd(13)}` +
        `${`${mean(f.serverCpuS).toFixed(1)} s`.padEnd(15)}${`${Math.max(...f.peakRssMb).toFixed(0)} MB`.padEnd(10)}${ratio <= 1.1 ? 'ratio ok' : 'RATIO OVER 1.10'}`,
    );
  }
  const peaks = results.map((f) => Math.max(...f.peakRssMb));
  const spread = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
  console.log(
    `peak RSS: at most ${Math.max(...peaks).toFixed(0)} MB (goal 200 MB: ${Math.max(...peaks) <= 200 ? 'ok' : 'OVER'}); ` +
      `spread between sizes ${(spread * 100).toFixed(1)}% of the smaller (goal within 10%: ${spread <= 0.1 ? 'ok' : 'OVER'})`,
  );
  writeFileSync(join(tmpdir(), 'autopilot-backup-bench.json'), JSON.stringify(results, null, 2));
}

await main();
