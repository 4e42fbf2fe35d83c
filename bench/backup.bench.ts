/**
 * Backup bench: in ONE run, on two databases (random: `bytea` of random bytes and hex text, the
 * compressor's worst case; shop: a realistic shop database of names, e-mails, countries, statuses,
 * timestamps, numerics, base64 text and 1 KB blobs, about a third of its bytes compressible; both
 * generated inside the server, the shop from a fixed seed), at each size, in interleaved rounds:
 *   plain         `pg_dump -Fc --compress=<the product's> > /dev/null`: the floor
 *   bundled       the product's backup as the function runs it (bundled like the image, its own process, the
 *                 image's NODE_OPTIONS), its S3 client as on AWS, against the S3-like server
 *   cli           the product as users run it: `node bin/autopilot.mjs run backup --local --json` with
 *                 S3_ENDPOINT at the S3-like server (CRC32 checksums checked and answered as S3 does: the AWS path)
 *   cli-compat    the same against stock s3rver (S3_ENDPOINT at an S3-compatible server that knows no CRC32
 *                 and answers a multipart object's ETag as its whole body's MD5)
 *   peer          jameshy/pgdump-aws-lambda's operating point: `pg_dump -Fc -Z1` streamed through
 *                 @aws-sdk/lib-storage `Upload` with 5 MiB parts (its default queue of 4), its own process,
 *                 to the S3-like server
 *   peer-compat   the same to stock s3rver
 *   @<MB>         bundled (and peer at the first) again under a cgroup CPU quota equal to Lambda's share at
 *                 a memory size (1769 MB = 1 vCPU, so 1024 MB = 0.58), process tree included
 * Each product run says how its bytes were verified (store checksums or a read-back) and how long
 * pg_dump ran inside it; the counts the backup records in the dump's snapshot, when it records them,
 * are timed apart (their share of the run is printed beside the wall time).
 *
 *   npm run bench:backup                        # random 1 GiB, shop 1 GiB, 3 rounds (about 40 minutes on 2 idle cores)
 *   npm run bench:backup -- --quick             # both at 0.25 GiB, 2 rounds (a few minutes; BENCH_QUICK=1 too)
 *   BENCH_SIZES=0.5 ...                         # sizes in GiB may be fractions
 *   BENCH_SIZES=1,3 BENCH_SHOP_SIZES=1 ...      # sizes of each database (GiB; 0 or empty: none)
 *   BENCH_ROUNDS=5 ...                          # interleaved rounds (order rotating); medians and spread
 *   BENCH_QUOTA_MB=1024,512,1769 ...            # Lambda memory sizes modelled (default 1024; the peer runs at the first)
 *   BENCH_ONLY=plain,cli,peer ...               # only these subjects (development)
 *
 * pg_dump is PostgreSQL 17 (PG17_BIN_DIR or ../shared/tools/pg-trixie.sh's /opt/pg-trixie.bin), as in the image;
 * PG_BIN_DIR overrides. Peak RSS is the product's own process (VmHWM), without pg_dump and the S3 server. "Own CPU"
 * is the product process's user+system time: everything but pg_dump (and pg_restore --list).
 * The S3 servers stand in for S3, which runs on other machines: each its own process (BENCH_S3_NICE, default 0),
 * files in RAM (/dev/shm). Before every timed run the machine is settled (CHECKPOINT, sync, dirty pages written).
 * Goals (each printed ok / MISSED): product wall <= 0.4x the peer on both databases on the AWS path (cli and
 * bundled), <= 0.5x on the S3-compatible path (cli-compat against peer-compat); peak RSS <= 150 MB, the CLI's
 * too; pg_dump inside the product within 1.3x of plain; archive <= `pg_dump -Fc` at its default level; own CPU
 * <= 4 s per GiB dumped (bundled). Figures also go to $TMPDIR/autopilot-backup-bench.json.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { S3ObjectStore } from '../functions/core/adapters/s3/s3-object-store.js';
import { pgToolInfo } from '../functions/backup/pg-tools.js';
import { compressionLabel, pgDumpCompressArg, resolveCompression } from '../functions/backup/compression.js';
import { LAMBDA_MAX_TIMEOUT_MS, SAFETY_MARGIN_MS } from '../functions/backup/lambda-budget.js';
import { PostgresCluster } from '../tests/support/postgres-cluster.js';
import { pg17BinDir } from '../tests/support/pg-versions.js';
import { s3TestClient } from '../tests/support/s3-server.js';
import { validateConfig } from '../functions/kinds/config.js';
import { CpuQuota } from './support/cpu-quota.js';
import { ProcessWatch, type ProcessFigures } from './support/process-watch.js';
import { growShop } from './support/shop-data.js';

const GiB = 1024 ** 3;
const MB = 1024 ** 2;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'autopilot.mjs');
const sizesOf = (value: string) =>
  value
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
/** --quick (or BENCH_QUICK=1): both databases at 0.25 GiB, 2 rounds: the whole bench in a few minutes, noisier figures. */
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const randomSizes = sizesOf(process.env.BENCH_SIZES ?? (quick ? '0.25' : '1'));
const shopSizes = sizesOf(process.env.BENCH_SHOP_SIZES ?? (quick ? '0.25' : '1'));
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3)));
const S3_NICE = Number(process.env.BENCH_S3_NICE ?? 0);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const quotaMbs = (process.env.BENCH_QUOTA_MB ?? '1024')
  .split(',')
  .map(Number)
  .filter((n) => n >= 128);
/** Lambda gives a function 1 vCPU at 1,769 MB, in proportion below. */
const LAMBDA_MB_PER_VCPU = 1769;
/** arm64 Lambda, us-east-1, per GB-second (requests are noise next to it). */
const LAMBDA_ARM_USD_PER_GB_S = 0.0000133334;
/** The Node options the backup image sets (its Dockerfile's ENV NODE_OPTIONS): the bundled process runs with them too. */
const PRODUCT_NODE_OPTIONS = (/^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync(join(ROOT, 'lib/backup/docker/Dockerfile'), 'utf8'))?.[1] ?? '')
  .split(' ')
  .filter(Boolean);
/** pgdump-aws-lambda's Upload: lib-storage's minimum and default part size, default queue. */
const PEER_PART_SIZE = 5 * MB;

const CHILD_SOURCE = `
import { readFileSync } from 'node:fs';
import { backupPostgres } from './functions/backup/backup-postgres.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from './functions/core/adapters/s3/s3-object-store.ts';
const input = JSON.parse(process.env.BENCH_INPUT);
// As on AWS: the SDK's defaults (checksums where supported: CRC32 parts, FULL_OBJECT completion).
const client = new S3Client({ endpoint: input.endpoint, region: 'us-east-1', forcePathStyle: true });
const store = new S3ObjectStore(input.bucket, client);
const started = performance.now();
const outcome = await backupPostgres({
  target: 'bench',
  db: input.db,
  store,
  secrets: { read: async () => { throw new Error('no references in the bench'); }, localPassword: () => input.password },
});
const elapsedMs = performance.now() - started;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ outcome, elapsedMs, cpu: process.cpuUsage(), vmHwmKb: hwm ? Number(hwm[1]) : null }));
`;

/** jameshy/pgdump-aws-lambda's upload path: pg_dump -Fc -Z1's stdout as the Body of a lib-storage Upload. */
const PEER_SOURCE = `
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
const input = JSON.parse(process.env.BENCH_INPUT);
const client = new S3Client({
  endpoint: input.endpoint, region: 'us-east-1', forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});
const started = performance.now();
const dump = spawn(input.pgDump, ['-Fc', '-Z1', '-h', input.db.host, '-p', String(input.db.port), '-U', input.db.user, input.db.database],
  { env: { ...process.env, PGPASSWORD: input.password }, stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => dump.once('close', resolve));
let bytes = 0;
dump.stdout.on('data', (c) => (bytes += c.length));
const upload = new Upload({ client, params: { Bucket: input.bucket, Key: input.key, Body: dump.stdout }, partSize: ${PEER_PART_SIZE} });
await upload.done();
const code = await exited;
const elapsedMs = performance.now() - started;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ code, bytes, elapsedMs, cpu: process.cpuUsage(), vmHwmKb: hwm ? Number(hwm[1]) : null }));
`;

function bundle(dir: string, name: string, contents: string): string {
  const outfile = join(dir, `${name}.mjs`);
  buildSync({
    stdin: { contents, resolveDir: ROOT, sourcefile: `${name}.ts`, loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
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
async function settle(cluster: PostgresCluster, database: string): Promise<void> {
  await cluster.query('CHECKPOINT', database);
  await run('sync', []);
  for (let i = 0; i < 120 && dirtyKb() > 32 * 1024; i++) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 2_000));
}

/**
 * Writes and deletes a file as large as the S3 servers' share of RAM. In a VM, memory the guest
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

type ServerKind = 's3' | 'stock';

interface S3ServerProcess {
  readonly kind: ServerKind;
  readonly endpoint: string;
  readonly bucket: string;
  readonly pid: number;
  readonly store: S3ObjectStore;
  stop(): Promise<void>;
}

async function startS3Server(root: string, kind: ServerKind): Promise<S3ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/support/s3-server-process.ts')], {
    env: { ...process.env, BENCH_S3_ROOT: root, BENCH_S3_KIND: kind },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    child.once('exit', (code) => reject(new Error(`the S3 server exited ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolveLine);
  });
  const info = JSON.parse(line) as { endpoint: string; bucket: string };
  renice(child.pid!, S3_NICE);
  return {
    ...info,
    kind,
    pid: child.pid!,
    store: new S3ObjectStore(info.bucket, s3TestClient(info.endpoint)),
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
): Promise<{ ms: number; stdout: string; stderr: string; code: number | null; figures: ProcessFigures }> {
  const started = performance.now();
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', options.stdoutTo ?? 'pipe', 'pipe'] });
  const watch = new ProcessWatch(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
  const ms = performance.now() - started;
  return { ms, stdout, stderr, code, figures: watch.stop() };
}

/** The random database: `bytea` of random bytes and hex text (poorly compressible). */
async function growRandom(cluster: PostgresCluster, database: string, bytes: number): Promise<number> {
  await cluster.query(
    `CREATE EXTENSION IF NOT EXISTS pgcrypto;
     CREATE TABLE IF NOT EXISTS blobs (id bigint PRIMARY KEY, payload bytea NOT NULL, note text NOT NULL, at timestamptz NOT NULL)`,
    database,
  );
  const size = async () => Number((await cluster.query<{ s: string }>(`SELECT pg_database_size(current_database()) AS s`, database))[0]!.s);
  let next = Number((await cluster.query<{ m: string }>('SELECT coalesce(max(id), 0) AS m FROM blobs', database))[0]!.m) + 1;
  const batch = 50_000;
  while ((await size()) < bytes) {
    const starts = [next, next + batch];
    next += 2 * batch;
    await Promise.all(
      starts.map((from) =>
        cluster.query(
          `INSERT INTO blobs SELECT g, gen_random_bytes(1000), md5(g::text) || md5((g::bigint * 7919)::text), timestamptz '2026-01-01' ` +
            `+ g * interval '1 second'
           FROM generate_series(${from}::bigint, ${from + batch - 1}::bigint) g`,
          database,
        ),
      ),
    );
  }
  await cluster.query('VACUUM (ANALYZE) blobs', database);
  return size();
}

type Data = 'random' | 'shop';

interface Sample {
  ms: number;
  archiveBytes: number;
  ownCpuS: number;
  peakRssMb: number;
  /** The CLI's first process's peak, MB, when it started the backup in a child with the image's V8 flags. */
  launcherRssMb?: number;
  /** pg_dump's own CPU (from /proc), seconds. */
  pgDumpCpuS: number;
  /** From the manifest: pg_dump's run, the verification and how it was done, the counts' time. */
  dumpMs?: number;
  verifyMs?: number;
  verifiedBy?: string;
  countMs?: number;
  s3CpuS: number;
  busyS: number;
}

interface Subject {
  readonly name: string;
  readonly server?: S3ServerProcess;
  readonly quota?: CpuQuota;
  time(): Promise<Omit<Sample, 's3CpuS' | 'busyS'>>;
}

interface CaseFigures {
  data: Data;
  sizeGiB: number;
  dbBytes: number;
  defaultArchiveBytes: number;
  defaultMs: number;
  samples: Record<string, Sample[]>;
  load: { start: number[]; end: number[] };
}

interface ManifestFacts {
  size: number;
  key: string;
  dumpMs?: number;
  verifyMs?: number;
  verifiedBy?: string;
  counts?: { countMs?: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
  const largest = Math.max(...randomSizes, ...shopSizes);
  const needed = (randomSizes.reduce((a, b) => Math.max(a, b), 0) * 1.2 + (shopSizes.at(-1) ?? 0) * 1.2 + 1) * GiB;
  const free = freeBytes(tmpdir());
  console.log(`free space in ${tmpdir()}: ${(free / GiB).toFixed(1)} GiB; the databases need about ${(needed / GiB).toFixed(1)} GiB`);
  if (free < needed) throw new Error('not enough disk space for the bench (BENCH_SIZES, BENCH_SHOP_SIZES)');
  // Stock s3rver completes a multipart upload by copying the parts into one file: twice the archive for a moment.
  const shmNeeded = (largest * 2.2 + 0.5) * GiB;
  const s3Root = process.env.BENCH_S3_DIR ?? (existsSync('/dev/shm') && freeBytes('/dev/shm') > shmNeeded ? '/dev/shm' : tmpdir());
  if (s3Root !== '/dev/shm')
    console.log(`note: the S3 servers keep their files in ${s3Root}, on disk: its writeback weighs on every uploader alike`);
  if (s3Root === '/dev/shm') prefault(s3Root, shmNeeded);

  const pgBinDir = process.env.PG_BIN_DIR ?? pg17BinDir();
  if (!pgBinDir) throw new Error('no PostgreSQL 17 client: run ../shared/tools/pg-trixie.sh (or set PG17_BIN_DIR / PG_BIN_DIR)');
  const toolEnv: NodeJS.ProcessEnv = { ...process.env, PG_BIN_DIR: pgBinDir };
  // The CLI and the peer run as users run them: without the bench's own Node options.
  delete toolEnv.NODE_OPTIONS;
  const pgDump = await pgToolInfo('pg_dump', toolEnv);
  const compression = resolveCompression(undefined, pgDump.version.major);
  const compressArg = pgDumpCompressArg(compression, pgDump.version.major);

  const productChild = bundle(work, 'product', CHILD_SOURCE);
  const peerChild = bundle(work, 'peer', PEER_SOURCE);
  // The CLI compiles itself on its first run after a source changed: not a cost users pay on every run.
  const warm = await run(process.execPath, [CLI, '--help'], { env: toolEnv });
  if (warm.code !== 0) throw new Error(`autopilot --help exited ${warm.code}: ${warm.stderr}`);
  const quotas = new Map(quotaMbs.map((mb) => [mb, CpuQuota.create(`autopilot-bench-${process.pid}-${mb}`, mb / LAMBDA_MB_PER_VCPU)]));
  const [cluster, s3, stock] = await Promise.all([PostgresCluster.start(), startS3Server(s3Root, 's3'), startS3Server(s3Root, 'stock')]);
  console.log(`S3-like server (s3rver with S3's multipart completion and CRC32 checksums) on ${s3.endpoint}, pid ${s3.pid}`);
  console.log(`S3-compatible server (stock s3rver) on ${stock.endpoint}, pid ${stock.pid}; both at nice ${S3_NICE}, files in ${s3Root}`);
  console.log(
    `pg_dump: ${pgDump.path} (${pgDump.versionLine}); the product's default compression: ${compressionLabel(compression)}; node ` +
      `${process.version}; the bundled process's node options (as in the image): ${PRODUCT_NODE_OPTIONS.join(' ') || 'none'}; ` +
      `the CLI: ${CLI}, node options none`,
  );
  for (const [mb, q] of quotas) console.log(`Lambda at ${mb} MB: ${q.vcpu.toFixed(2)} vCPU, modelled with ${q.describe()}`);
  console.log(`server: PostgreSQL ${cluster.bin}; rounds: ${rounds}; ${loadAverage()}`);
  const results: CaseFigures[] = [];
  try {
    const cases: Array<{ data: Data; sizeGiB: number }> = [
      ...shopSizes.map((sizeGiB) => ({ data: 'shop' as const, sizeGiB })),
      ...randomSizes.map((sizeGiB) => ({ data: 'random' as const, sizeGiB })),
    ];
    for (const data of new Set(cases.map((c) => c.data))) await cluster.createDatabase(data);
    for (const { data, sizeGiB } of cases) {
      const database = data;
      const db = validateConfig({
        targets: {
          bench: {
            postgres: [{ host: '127.0.0.1', port: cluster.port, database, user: cluster.superuser, ssl: false, backup: {} }],
          },
        },
      }).targets.bench!.postgres![0]!;
      const cliConfig = join(work, `${database}.config.json`);
      writeFileSync(
        cliConfig,
        JSON.stringify({
          targets: {
            bench: {
              postgres: [
                {
                  host: '127.0.0.1',
                  port: cluster.port,
                  database,
                  user: cluster.superuser,
                  password: cluster.password,
                  ssl: false,
                  backup: {},
                },
              ],
            },
          },
        }),
      );
      const pgEnv = { ...toolEnv, PGPASSWORD: cluster.password };
      const conn = ['--no-password', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', database];
      const awsEnv = {
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const childEnv = (server: S3ServerProcess, input: Record<string, unknown>) => ({
        ...toolEnv,
        ...awsEnv,
        BENCH_INPUT: JSON.stringify({
          bucket: server.bucket,
          endpoint: server.endpoint,
          db,
          password: cluster.password,
          pgDump: pgDump.path,
          ...input,
        }),
      });
      const readManifest = async (server: S3ServerProcess, manifestKey: string): Promise<ManifestFacts> => {
        const stored = await server.store.get(manifestKey);
        if (!stored) throw new Error(`no manifest at ${manifestKey}`);
        return JSON.parse(stored.body.toString('utf8')) as ManifestFacts;
      };
      const fromManifest = (m: ManifestFacts) => ({
        archiveBytes: m.size,
        dumpMs: m.dumpMs,
        verifyMs: m.verifyMs,
        verifiedBy: m.verifiedBy,
        countMs: m.counts?.countMs,
      });
      const pgDumpCpu = (f: ProcessFigures) => f.childCpuS.pg_dump ?? 0;

      const timePlain = async (): Promise<Omit<Sample, 's3CpuS' | 'busyS'>> => {
        const devNull = openSync('/dev/null', 'w');
        const plain = await run(pgDump.path, ['-Fc', compressArg, ...conn], { env: pgEnv, stdoutTo: devNull });
        closeSync(devNull);
        if (plain.code !== 0) throw new Error(`plain pg_dump exited ${plain.code}: ${plain.stderr}`);
        return { ms: plain.ms, archiveBytes: 0, ownCpuS: 0, peakRssMb: 0, pgDumpCpuS: plain.figures.cpuS, dumpMs: plain.ms };
      };
      const timeBundled = async (server: S3ServerProcess, quota?: CpuQuota): Promise<Omit<Sample, 's3CpuS' | 'busyS'>> => {
        const argv = [...PRODUCT_NODE_OPTIONS, productChild];
        const [command, args] = quota ? quota.wrap(process.execPath, argv) : [process.execPath, argv];
        const product = await run(command, args, { env: childEnv(server, {}) });
        if (product.code !== 0) throw new Error(`the bundled backup exited ${product.code}: ${product.stderr}`);
        const result = JSON.parse(product.stdout) as {
          outcome: { ok: boolean; reason?: string; manifestKey?: string; manifest?: ManifestFacts };
          elapsedMs: number;
          vmHwmKb: number;
          cpu: { user: number; system: number };
        };
        if (!result.outcome.ok) throw new Error(`product backup failed: ${result.outcome.reason}`);
        const m = result.outcome.manifest!;
        await server.store.delete(m.key);
        await server.store.delete(result.outcome.manifestKey!);
        return {
          ms: result.elapsedMs,
          ownCpuS: (result.cpu.user + result.cpu.system) / 1e6,
          peakRssMb: result.vmHwmKb / 1024,
          pgDumpCpuS: pgDumpCpu(product.figures),
          ...fromManifest(m),
        };
      };
      const timeCli = async (server: S3ServerProcess): Promise<Omit<Sample, 's3CpuS' | 'busyS'>> => {
        const env = { ...toolEnv, ...awsEnv, S3_ENDPOINT: server.endpoint, AUTOPILOT_BUCKET: server.bucket };
        const cli = await run(process.execPath, [CLI, 'run', 'backup', '--local', '--json', '--config', cliConfig], { env });
        if (cli.code !== 0) throw new Error(`autopilot run backup exited ${cli.code}: ${cli.stderr}`);
        const finding = (
          JSON.parse(cli.stdout) as {
            findings: Array<{ severity: string; summary: string; observed?: { key: string; manifestKey: string } }>;
          }
        ).findings[0]!;
        if (finding.severity !== 'ok' || !finding.observed)
          throw new Error(`autopilot run backup: ${finding.severity}: ${finding.summary}`);
        const m = await readManifest(server, finding.observed.manifestKey);
        await server.store.delete(finding.observed.key);
        await server.store.delete(finding.observed.manifestKey);
        // A CLI that starts itself again for the backup (its V8 flags) runs it in a node child: that child is the
        // backup's process, and the first one only waits (its own peak is printed apart, as the launcher's).
        // Node names its main thread, and so its /proc comm, MainThread.
        const nodeComm = (byComm: Readonly<Record<string, number>>) => byComm.MainThread ?? byComm.node;
        const backupNode = nodeComm(cli.figures.childPeakRssMb);
        return {
          ms: cli.ms,
          ownCpuS: cli.figures.cpuS + (nodeComm(cli.figures.childCpuS) ?? 0),
          peakRssMb: Math.max(cli.figures.peakRssMb, backupNode ?? 0),
          ...(backupNode === undefined ? {} : { launcherRssMb: cli.figures.peakRssMb }),
          pgDumpCpuS: pgDumpCpu(cli.figures),
          ...fromManifest(m),
        };
      };
      const timePeer = async (server: S3ServerProcess, quota?: CpuQuota): Promise<Omit<Sample, 's3CpuS' | 'busyS'>> => {
        const key = `peer/${Date.now()}.dump`;
        const [command, args] = quota ? quota.wrap(process.execPath, [peerChild]) : [process.execPath, [peerChild]];
        const peer = await run(command, args, { env: childEnv(server, { key }) });
        const result = JSON.parse(peer.stdout) as {
          code: number;
          bytes: number;
          elapsedMs: number;
          vmHwmKb: number;
          cpu: { user: number; system: number };
        };
        if (result.code !== 0) throw new Error(`peer pg_dump exited ${result.code}`);
        await server.store.delete(key);
        return {
          ms: result.elapsedMs,
          archiveBytes: result.bytes,
          ownCpuS: (result.cpu.user + result.cpu.system) / 1e6,
          peakRssMb: result.vmHwmKb / 1024,
          pgDumpCpuS: pgDumpCpu(peer.figures),
        };
      };

      const subjects: Subject[] = [
        { name: 'plain', time: timePlain },
        { name: 'bundled', server: s3, time: () => timeBundled(s3) },
        { name: 'cli', server: s3, time: () => timeCli(s3) },
        { name: 'cli-compat', server: stock, time: () => timeCli(stock) },
        { name: 'peer', server: s3, time: () => timePeer(s3) },
        { name: 'peer-compat', server: stock, time: () => timePeer(stock) },
        ...[...quotas].flatMap(([mb, q]): Subject[] => [
          { name: `bundled@${mb}`, server: s3, quota: q, time: () => timeBundled(s3, q) },
          ...(mb === quotaMbs[0] ? [{ name: `peer@${mb}`, server: s3, quota: q, time: () => timePeer(s3, q) }] : []),
        ]),
      ].filter((s) => !only || only.has(s.name));

      const genStart = performance.now();
      const dbBytes =
        data === 'shop'
          ? await growShop((sql) => cluster.query(sql, database), sizeGiB * GiB)
          : await growRandom(cluster, database, sizeGiB * GiB);
      console.log(
        `\n== ${data} ${sizeGiB} GiB: database is ${(dbBytes / GiB).toFixed(2)} GiB (generated in ` +
          `${((performance.now() - genStart) / 1000).toFixed(0)} s); ${loadAverage()}`,
      );
      let byDefault = { bytes: Number.NaN, ms: Number.NaN };
      const firstOfItsData = cases.find((c) => c.data === data)!.sizeGiB === sizeGiB;
      if (firstOfItsData && (!only || only.has('default'))) {
        await settle(cluster, database);
        byDefault = await countBytes(pgDump.path, ['-Fc', ...conn], pgEnv);
        console.log(`  pg_dump -Fc (its default level, gzip 6): ${(byDefault.bytes / GiB).toFixed(3)} GiB in ${seconds(byDefault.ms)}`);
      }
      const figures: CaseFigures = {
        data,
        sizeGiB,
        dbBytes,
        defaultArchiveBytes: byDefault.bytes,
        defaultMs: byDefault.ms,
        samples: {},
        load: { start: loadavg(), end: [] },
      };
      for (let round = 0; round < rounds; round++) {
        // Rotate the order, so no subject always runs first or right after another.
        const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]!);
        for (const subject of order) {
          await settle(cluster, database);
          const busy = machineBusySeconds();
          const servers = [s3, stock];
          const serverCpu = servers.map((s) => processCpuSeconds(s.pid));
          const measured = await subject.time();
          const s3CpuS = servers.reduce((sum, s, i) => sum + processCpuSeconds(s.pid) - serverCpu[i]!, 0);
          const sample: Sample = { ...measured, s3CpuS, busyS: machineBusySeconds() - busy };
          figures.samples[subject.name] = [...(figures.samples[subject.name] ?? []), sample];
          console.log(`  ${subject.name.padEnd(12)} ${describeSample(sample)}`);
        }
      }
      figures.load.end = loadavg();
      results.push(figures);
    }
  } finally {
    await Promise.all([cluster.stop(), s3.stop(), stock.stop()]);
    for (const q of quotas.values()) q.remove();
    rmSync(work, { recursive: true, force: true });
  }
  report(results);
  writeFileSync(join(tmpdir(), 'autopilot-backup-bench.json'), JSON.stringify(results, null, 2));
}

function describeSample(s: Sample): string {
  const parts = [seconds(s.ms).padStart(8)];
  if (s.archiveBytes) parts.push(`archive ${(s.archiveBytes / GiB).toFixed(3)} GiB`);
  if (s.peakRssMb) parts.push(`own CPU ${s.ownCpuS.toFixed(1)} s, peak RSS ${s.peakRssMb.toFixed(0)} MB`);
  if (s.launcherRssMb !== undefined) parts.push(`launcher ${s.launcherRssMb.toFixed(0)} MB`);
  if (s.dumpMs !== undefined) parts.push(`pg_dump ${seconds(s.dumpMs)} (CPU ${s.pgDumpCpuS.toFixed(1)} s)`);
  if (s.verifiedBy) parts.push(`verification ${seconds(s.verifyMs ?? 0)} (${s.verifiedBy})`);
  if (s.countMs !== undefined) parts.push(`counts ${seconds(s.countMs)}`);
  parts.push(`S3 server CPU ${s.s3CpuS.toFixed(1)} s, machine busy ${s.busyS.toFixed(1)} s`);
  return parts.join('; ');
}

/** The machine's load average, which every wall time here depends on (2 cores shared). */
function loadAverage(): string {
  return `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} at ${new Date().toISOString().slice(11, 19)} UTC`;
}

function report(results: CaseFigures[]): void {
  console.log(`\n${loadAverage()}`);
  const ok = (good: boolean) => (good ? 'ok' : 'MISSED');
  const goals: string[] = [];
  const goal = (label: string, value: string, met: boolean) => goals.push(`  ${ok(met).padEnd(7)}${label}: ${value}`);
  const pick = (f: CaseFigures, subject: string, of: (s: Sample) => number | undefined) =>
    (f.samples[subject] ?? []).map(of).filter((x): x is number => x !== undefined && !Number.isNaN(x));
  const med = (f: CaseFigures, subject: string, of: (s: Sample) => number | undefined) => {
    const xs = pick(f, subject, of);
    return xs.length ? median(xs) : Number.NaN;
  };
  const spread = (f: CaseFigures, subject: string) => {
    const xs = pick(f, subject, (s) => s.ms);
    return xs.length > 1 ? ` (${seconds(Math.min(...xs))}-${seconds(Math.max(...xs))})` : '';
  };

  for (const f of results) {
    const dbGiB = f.dbBytes / GiB;
    const label = `${f.data} ${dbGiB.toFixed(2)} GiB`;
    console.log(
      `\n${label}: load average ${f.load.start.map((x) => x.toFixed(1)).join(', ')} at its start, ` +
        `${f.load.end.map((x) => x.toFixed(1)).join(', ')} at its end; medians of ${rounds} round(s), (min-max)`,
    );
    console.log(
      '  subject       wall                     archive     own CPU  peak RSS  pg_dump inside (CPU)  verification            counts',
    );
    for (const name of Object.keys(f.samples)) {
      const archive = med(f, name, (s) => s.archiveBytes || undefined);
      const dump = med(f, name, (s) => s.dumpMs);
      const verify = med(f, name, (s) => s.verifyMs);
      const by = [...new Set((f.samples[name] ?? []).map((s) => s.verifiedBy).filter(Boolean))];
      const count = med(f, name, (s) => s.countMs);
      console.log(
        `  ${name.padEnd(14)}${`${seconds(med(f, name, (s) => s.ms))}${spread(f, name)}`.padEnd(25)}` +
          `${(Number.isNaN(archive) ? '' : `${(archive / GiB).toFixed(3)} GiB`).padEnd(12)}` +
          `${(name === 'plain' ? '' : `${med(f, name, (s) => s.ownCpuS).toFixed(1)} s`).padEnd(9)}` +
          `${(name === 'plain' ? '' : `${med(f, name, (s) => s.peakRssMb).toFixed(0)} MB`).padEnd(10)}` +
          `${(Number.isNaN(dump) ? '' : `${seconds(dump)} (${med(f, name, (s) => s.pgDumpCpuS).toFixed(1)} s)`).padEnd(22)}` +
          `${(Number.isNaN(verify) ? '' : `${seconds(verify)} ${by.join('/')}`).padEnd(24)}` +
          `${Number.isNaN(count) ? '' : seconds(count)}`,
      );
    }
    const ratio = (a: string, b: string) => med(f, a, (s) => s.ms) / med(f, b, (s) => s.ms);
    const pairs: Array<[string, string, number, string]> = [
      ['cli', 'peer', 0.4, 'AWS path, CLI'],
      ['bundled', 'peer', 0.4, 'AWS path, bundled function'],
      ['cli-compat', 'peer-compat', 0.5, 'S3-compatible path, CLI'],
      ...quotaMbs
        .slice(0, 1)
        .map((mb): [string, string, number, string] => [`bundled@${mb}`, `peer@${mb}`, 0.4, `AWS path, bundled at ${mb} MB`]),
    ];
    for (const [product, peer, limit, path] of pairs) {
      if (!f.samples[product] || !f.samples[peer]) continue;
      const r = ratio(product, peer);
      goal(
        `${label}, ${path}: product/peer <= ${limit}`,
        `${r.toFixed(2)} (${product} ${seconds(med(f, product, (s) => s.ms))}, ${peer} ${seconds(med(f, peer, (s) => s.ms))})`,
        r <= limit,
      );
    }
    const plain = med(f, 'plain', (s) => s.ms);
    for (const name of ['bundled', 'cli', 'cli-compat']) {
      const dump = med(f, name, (s) => s.dumpMs);
      if (Number.isNaN(dump) || Number.isNaN(plain)) continue;
      goal(
        `${label}, ${name}: pg_dump inside <= 1.3x pg_dump alone`,
        `${(dump / plain).toFixed(2)}x (${seconds(dump)} against ${seconds(plain)})`,
        dump <= 1.3 * plain,
      );
    }
    for (const name of Object.keys(f.samples).filter((n) => n.startsWith('bundled') || n.startsWith('cli'))) {
      const peak = Math.max(...pick(f, name, (s) => s.peakRssMb));
      goal(
        `${label}, ${name}: peak RSS <= 150 MB`,
        `${peak.toFixed(0)} MB (highest of ${pick(f, name, (s) => s.peakRssMb).length})`,
        peak <= 150,
      );
    }
    const archive = med(f, 'bundled', (s) => s.archiveBytes || undefined);
    const first = results.find((r) => r.data === f.data)!;
    const defaultBytes = Number.isNaN(f.defaultArchiveBytes)
      ? (first.defaultArchiveBytes / first.dbBytes) * f.dbBytes
      : f.defaultArchiveBytes;
    if (!Number.isNaN(archive) && !Number.isNaN(defaultBytes)) {
      goal(
        `${label}: archive <= pg_dump -Fc at its default level`,
        `${(archive / GiB).toFixed(3)} GiB against ${(defaultBytes / GiB).toFixed(3)} GiB` +
          (Number.isNaN(f.defaultArchiveBytes) ? ' (scaled)' : ''),
        archive <= defaultBytes,
      );
    }
    const cpu = med(f, 'bundled', (s) => s.ownCpuS);
    if (!Number.isNaN(cpu)) goal(`${label}, bundled: own CPU <= 4 s per GiB`, `${(cpu / dbGiB).toFixed(2)} s per GiB`, cpu / dbGiB <= 4);
    for (const mb of [...quotaMbs].sort((a, b) => a - b)) {
      const product = med(f, `bundled@${mb}`, (s) => s.ms);
      if (Number.isNaN(product)) continue;
      const perGiBs = product / 1000 / dbGiB;
      const usdPerGiB = (mb / 1024) * perGiBs * LAMBDA_ARM_USD_PER_GB_S;
      const limit = (f.dbBytes / product) * (LAMBDA_MAX_TIMEOUT_MS - SAFETY_MARGIN_MS);
      console.log(
        `  at ${mb} MB (${(mb / LAMBDA_MB_PER_VCPU).toFixed(2)} vCPU): bundled ${seconds(product)}; ${perGiBs.toFixed(1)} s per GiB of ` +
          `database, $${(usdPerGiB * 1024).toFixed(4)} per TiB backed up; Lambda (15 min) finishes databases up to ` +
          `${(limit / GiB).toFixed(1)} GiB at this rate`,
      );
    }
  }
  const randoms = results.filter((r) => r.data === 'random' && r.samples.bundled);
  if (randoms.length > 1) {
    const peaks = randoms.map((f) => Math.max(...(f.samples.bundled ?? []).map((s) => s.peakRssMb)));
    const spread = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
    goal('random, bundled: peak RSS within 10% between sizes', `${(spread * 100).toFixed(1)}%`, spread <= 0.1);
  }
  console.log(`\ngoals:\n${goals.join('\n')}`);
}

/** Runs pg_dump with its stdout counted here (no file): the archive's size and the time. */
async function countBytes(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
  if (code !== 0) throw new Error(`${command} exited ${code}`);
  return { bytes, ms: performance.now() - started };
}

await main();
