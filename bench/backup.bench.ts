/**
 * Backup bench: the product's streamed backup against plain `pg_dump -Fc > /dev/null`, on a
 * database of poorly compressible data (random bytea plus hex text), at each size in BENCH_SIZES.
 *
 *   npm run bench:backup                  # 1 GB and 3 GB
 *   BENCH_SIZES=1 npm run bench:backup    # sizes in GB (binary), ascending
 *   BENCH_ROUNDS=2 ...                    # alternate plain/product runs per size (default 1)
 *
 * The product runs in its own Node process (bundled by esbuild like the Lambda image), streaming
 * into an S3 protocol server (s3rver) on loopback that lives in this process; its peak RSS is
 * the child's own high-water mark (VmHWM), which excludes pg_dump, pg_restore and the S3 server.
 * The product's time includes everything a run does: catalog snapshot, dump, upload, read-back
 * verification (SHA-256, byte count, pg_restore --list) and the manifest.
 * Goals: ratio <= 1.10; peak RSS <= 200 MB and within 10% between sizes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { S3ObjectStore } from '../functions/core/adapters/s3-object-store.js';
import { validateConfig } from '../functions/core/config/validate.js';
import { pgToolInfo } from '../functions/backup/pg-tools.js';
import { PostgresCluster } from '../tests/support/postgres-cluster.js';
import { S3TestServer } from '../tests/support/s3-server.js';

const GiB = 1024 ** 3;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const sizes = (process.env.BENCH_SIZES ?? '1,3').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));

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
const started = performance.now();
const outcome = await backupPostgres({ target: 'bench', db: input.db, store, secrets: { postgresPassword: async () => input.password } });
const elapsedMs = performance.now() - started;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ outcome, elapsedMs, completeMs, vmHwmKb: hwm ? Number(hwm[1]) : null, maxRssKb: process.resourceUsage().maxRSS }));
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

function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

async function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdoutTo?: number } = {}): Promise<{ ms: number; stdout: string; code: number | null }> {
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
  peakRssMb: number[];
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
  const needed = (sizes.at(-1)! * 2.6 + 1) * GiB;
  const free = freeBytes(tmpdir());
  console.log(`free space in ${tmpdir()}: ${(free / GiB).toFixed(1)} GiB; this run needs about ${(needed / GiB).toFixed(1)} GiB`);
  if (free < needed) throw new Error('not enough disk space for the bench (BENCH_SIZES)');

  const child = bundleChild(work);
  const [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start('bench')]);
  const pgDump = await pgToolInfo('pg_dump');
  console.log(`pg_dump: ${pgDump.path} (${pgDump.version.text}); node ${process.version}; rounds per size: ${rounds}`);
  const results: Figures[] = [];
  try {
    await cluster.createDatabase('bench');
    const config = validateConfig({ targets: { bench: { postgres: [{ host: '127.0.0.1', port: cluster.port, database: 'bench', user: cluster.superuser, backup: {} }] } } });
    const db = config.targets.bench!.postgres![0]!;
    const pgEnv = { ...process.env, PGPASSWORD: cluster.password };
    const store = new S3ObjectStore(s3.bucket, s3.client());
    for (const sizeGiB of sizes) {
      const genStart = performance.now();
      const dbBytes = await growTo(cluster, sizeGiB * GiB);
      console.log(`\n== ${sizeGiB} GiB: database is ${(dbBytes / GiB).toFixed(2)} GiB (generated in ${((performance.now() - genStart) / 1000).toFixed(0)} s)`);
      const figures: Figures = { sizeGiB, dbBytes, archiveBytes: 0, plainMs: [], productMs: [], completeMs: [], verifyMs: [], peakRssMb: [] };
      for (let round = 0; round < rounds; round++) {
        const devNull = openSync('/dev/null', 'w');
        const plain = await run(pgDump.path, ['-Fc', '--no-password', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', 'bench'], { env: pgEnv, stdoutTo: devNull });
        closeSync(devNull);
        if (plain.code !== 0) throw new Error(`plain pg_dump exited ${plain.code}`);
        figures.plainMs.push(plain.ms);
        console.log(`plain pg_dump -Fc > /dev/null: ${(plain.ms / 1000).toFixed(1)} s`);

        const product = await run(process.execPath, [child], {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
            AWS_REGION: 'us-east-1',
            BENCH_INPUT: JSON.stringify({ bucket: s3.bucket, endpoint: s3.endpoint, db, password: cluster.password }),
          },
        });
        const result = JSON.parse(product.stdout) as {
          outcome: { ok: boolean; reason?: string; manifest?: { size: number; key: string; verifyMs?: number } };
          elapsedMs: number;
          completeMs: number;
          vmHwmKb: number;
          maxRssKb: number;
        };
        if (!result.outcome.ok) throw new Error(`product backup failed: ${result.outcome.reason}`);
        figures.productMs.push(result.elapsedMs);
        figures.completeMs.push(result.completeMs);
        figures.verifyMs.push(result.outcome.manifest!.verifyMs ?? 0);
        figures.peakRssMb.push(result.vmHwmKb / 1024);
        figures.archiveBytes = result.outcome.manifest!.size;
        console.log(
          `product backup (dump, upload, read-back verification, manifest): ${(result.elapsedMs / 1000).toFixed(1)} s ` +
            `(process ${(product.ms / 1000).toFixed(1)} s); archive ${(figures.archiveBytes / GiB).toFixed(2)} GiB; ` +
            `peak RSS ${(result.vmHwmKb / 1024).toFixed(0)} MB (maxRSS ${(result.maxRssKb / 1024).toFixed(0)} MB); ` +
            `of which read-back verification ${((result.outcome.manifest!.verifyMs ?? 0) / 1000).toFixed(1)} s, s3rver's CompleteMultipartUpload copy ${(result.completeMs / 1000).toFixed(1)} s`,
        );
        // Keep the disk for the next run: the S3 server's copy is no longer needed.
        const key = result.outcome.manifest!.key;
        await store.delete(key);
        await store.delete(key.replace(/\.dump$/, '.json'));
      }
      results.push(figures);
    }
  } finally {
    await Promise.all([cluster.stop(), s3.destroy()]);
    rmSync(work, { recursive: true, force: true });
  }

  console.log('\nsize   database  archive   plain pg_dump  product   ratio  ratio w/o s3rver copy  verify share  peak RSS');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const f of results) {
    const ratio = mean(f.productMs) / mean(f.plainMs);
    const net = (mean(f.productMs) - mean(f.completeMs)) / mean(f.plainMs);
    console.log(
      `${`${f.sizeGiB} GiB`.padEnd(7)}${`${(f.dbBytes / GiB).toFixed(2)} GiB`.padEnd(10)}${`${(f.archiveBytes / GiB).toFixed(2)} GiB`.padEnd(10)}` +
        `${`${(mean(f.plainMs) / 1000).toFixed(1)} s`.padEnd(15)}${`${(mean(f.productMs) / 1000).toFixed(1)} s`.padEnd(10)}${ratio.toFixed(3).padEnd(7)}` +
        `${net.toFixed(3).padEnd(22)}${`${((100 * mean(f.verifyMs)) / mean(f.productMs)).toFixed(1)}%`.padEnd(14)}` +
        `${Math.max(...f.peakRssMb).toFixed(0)} MB   ${ratio <= 1.1 ? 'ratio ok' : 'RATIO OVER 1.10'}`,
    );
  }
  if (results.length > 1) {
    const peaks = results.map((f) => Math.max(...f.peakRssMb));
    const spread = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
    console.log(`peak RSS spread between sizes: ${(spread * 100).toFixed(1)}% (goal: within 10%, at most 200 MB: ${Math.max(...peaks) <= 200 ? 'ok' : 'OVER'})`);
  }
  writeFileSync(join(tmpdir(), 'autopilot-backup-bench.json'), JSON.stringify(results, null, 2));
}

await main();
