/**
 * Backup bench: in ONE run, on the same database and the same S3 server, at each size in BENCH_SIZES:
 *   plain     `pg_dump -Fc --compress=<the product's> > /dev/null`: the floor
 *   default   `pg_dump -Fc` (its default gzip level), bytes counted: the archive-size yardstick (once per size)
 *   product   the product's backup (bundled like the image, its own process): dump, upload, verify, manifest;
 *             its S3 client as on AWS (CRC32 checksums, which the S3 server checks as S3 does)
 *   peer      jameshy/pgdump-aws-lambda's operating point: `pg_dump -Fc -Z1` streamed through
 *             @aws-sdk/lib-storage `Upload` with 5 MiB parts (its default queue of 4), its own process
 *   @quota    product and peer again under a cgroup CPU quota equal to Lambda's share at a memory size
 *             (cpu.cfs_quota_us; 1769 MB = 1 vCPU, so 1024 MB = 0.58), process tree included (pg_dump runs
 *             in the function's sandbox too)
 *
 *   npm run bench:backup                  # 1 GiB and 3 GiB
 *   BENCH_SIZES=0.25,0.5 npm run bench:backup
 *   BENCH_ROUNDS=2 ...                    # timed rounds per size (default 1), order rotating
 *   BENCH_QUOTA_MB=1024,512,1769 ...      # Lambda memory sizes whose CPU share is modelled (the default; the peer
 *                                         # runs under the first only: the function's own 1024 MB)
 *   BENCH_CHECKSUMS=md5 ...               # the product as for an S3-compatible endpoint (per-part MD5s)
 *
 * pg_dump is PostgreSQL 17 (PG17_BIN_DIR or ../shared/tools/pg-trixie.sh's /opt/pg-trixie.bin), as in the image;
 * PG_BIN_DIR overrides. Peak RSS is the product's own process (VmHWM), without pg_dump and the S3 server.
 * "Own CPU" is the product process's user+system time: everything but pg_dump (and pg_restore --list).
 * The S3 server stands in for S3, which runs on other machines: its own process (BENCH_S3_NICE, default 0:
 * at nice 10 on a machine other jobs keep busy it is starved and every uploader waits on it), files in RAM
 * (/dev/shm), S3-like multipart completion (tests/support/s3-server.ts). Before every timed run the
 * machine is settled (CHECKPOINT, sync, dirty pages written back).
 * Goals: product wall <= 0.4x the peer; archive <= `pg_dump -Fc` at its default level; own CPU <= 4 s per GiB
 * dumped; peak RSS <= 150 MB and within 10% between sizes. Figures also go to $TMPDIR/autopilot-backup-bench.json.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
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

const GiB = 1024 ** 3;
const MB = 1024 ** 2;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const sizes = (process.env.BENCH_SIZES ?? '1,3')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const S3_NICE = Number(process.env.BENCH_S3_NICE ?? 0);
/** `pg_dump -Fc` at its default level is slow (gzip 6): measured at the first size only unless BENCH_DEFAULT_LEVEL=all. */
const defaultLevelEverySize = process.env.BENCH_DEFAULT_LEVEL === 'all';
const quotaMbs = (process.env.BENCH_QUOTA_MB ?? '1024,512,1769')
  .split(',')
  .map(Number)
  .filter((n) => n >= 128);
/** Lambda gives a function 1 vCPU at 1,769 MB, in proportion below. */
const LAMBDA_MB_PER_VCPU = 1769;
/** arm64 Lambda, us-east-1, per GB-second (requests are noise next to it). */
const LAMBDA_ARM_USD_PER_GB_S = 0.0000133334;
/**
 * How the product's uploader proves the stored bytes: `crc32` as on AWS (the default; the S3
 * server checks CRC32s as S3 does), `md5` as for an S3-compatible endpoint (S3_ENDPOINT).
 */
const PRODUCT_CHECKSUMS = process.env.BENCH_CHECKSUMS === 'md5' ? 'md5' : 'crc32';
/** The Node options the backup image sets (its Dockerfile's ENV NODE_OPTIONS): the product process runs with them here too. */
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
import { createS3Client } from './functions/core/adapters/s3/s3-client.ts';
const input = JSON.parse(process.env.BENCH_INPUT);
// As on AWS (checksums where supported: CRC32 parts, FULL_OBJECT completion, which the bench's
// S3-like server checks), or as for an S3-compatible endpoint (S3_ENDPOINT: per-part MD5s).
const client = input.checksums === 'md5'
  ? createS3Client(input.endpoint)
  : new S3Client({ endpoint: input.endpoint, region: 'us-east-1', forcePathStyle: true });
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

/**
 * A cgroup v1 CPU quota (the machine has v1 controllers at /sys/fs/cgroup/cpu; on a v2-only host
 * cpu.max in a child of /sys/fs/cgroup): a command started through it runs, with all its children,
 * at `vcpu` CPUs.
 */
class CpuQuota {
  private constructor(
    readonly dir: string,
    readonly vcpu: number,
    private readonly v2: boolean,
  ) {}

  static create(name: string, vcpu: number): CpuQuota {
    const v1 = '/sys/fs/cgroup/cpu';
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const dir = v2 ? join('/sys/fs/cgroup', name) : join(v1, name);
    if (!v2 && !existsSync(join(v1, 'cpu.cfs_quota_us')))
      throw new Error('no cgroup cpu controller at /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2)');
    mkdirSync(dir, { recursive: true });
    const period = 100_000;
    if (v2) writeFileSync(join(dir, 'cpu.max'), `${Math.round(vcpu * period)} ${period}`);
    else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.round(vcpu * period)));
    }
    return new CpuQuota(dir, vcpu, v2);
  }

  /** argv that joins the cgroup first and then execs the command, so every child is inside from its start. */
  wrap(command: string, args: string[]): [string, string[]] {
    return ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, command, ...args]];
  }

  describe(): string {
    return `${this.v2 ? 'cgroup v2 cpu.max' : 'cgroup v1 cpu.cfs_quota_us'} ${Math.round(this.vcpu * 100_000)}/100000`;
  }

  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // still busy: the kernel frees it with its last process
    }
  }
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
  renice(child.pid!, S3_NICE);
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
  while ((await size()) < bytes) {
    const starts = [next, next + batch];
    next += 2 * batch;
    await Promise.all(
      starts.map((from) =>
        cluster.query(
          `INSERT INTO blobs SELECT g, gen_random_bytes(1000), md5(g::text) || md5((g::bigint * 7919)::text), timestamptz '2026-01-01' ` +
            `+ g * interval '1 second'
           FROM generate_series(${from}::bigint, ${from + batch - 1}::bigint) g`,
          'bench',
        ),
      ),
    );
  }
  await cluster.query('VACUUM (ANALYZE) blobs', 'bench');
  return size();
}

interface Sample {
  ms: number;
  archiveBytes: number;
  ownCpuS: number;
  peakRssMb: number;
  detail?: string;
}

type Subject = 'plain' | 'product' | 'peer' | `product@${number}` | `peer@${number}`;

interface SizeFigures {
  sizeGiB: number;
  dbBytes: number;
  defaultArchiveBytes: number;
  defaultMs: number;
  samples: Partial<Record<Subject, Sample[]>>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
  const needed = (sizes.at(-1)! * 1.2 + 1) * GiB;
  const free = freeBytes(tmpdir());
  console.log(`free space in ${tmpdir()}: ${(free / GiB).toFixed(1)} GiB; the database needs about ${(needed / GiB).toFixed(1)} GiB`);
  if (free < needed) throw new Error('not enough disk space for the bench (BENCH_SIZES)');
  const shmNeeded = (sizes.at(-1)! * 1.5 + 0.5) * GiB;
  const s3Root = process.env.BENCH_S3_DIR ?? (existsSync('/dev/shm') && freeBytes('/dev/shm') > shmNeeded ? '/dev/shm' : tmpdir());
  if (s3Root !== '/dev/shm')
    console.log(`note: the S3 server keeps its files in ${s3Root}, on disk: its writeback weighs on every uploader alike`);
  if (s3Root === '/dev/shm') prefault(s3Root, shmNeeded);

  const pgBinDir = process.env.PG_BIN_DIR ?? pg17BinDir();
  if (!pgBinDir) throw new Error('no PostgreSQL 17 client: run ../shared/tools/pg-trixie.sh (or set PG17_BIN_DIR / PG_BIN_DIR)');
  const toolEnv = { ...process.env, PG_BIN_DIR: pgBinDir };
  const pgDump = await pgToolInfo('pg_dump', toolEnv);
  const compression = resolveCompression(undefined, pgDump.version.major);
  const compressArg = pgDumpCompressArg(compression, pgDump.version.major);

  const productChild = bundle(work, 'product', CHILD_SOURCE);
  const peerChild = bundle(work, 'peer', PEER_SOURCE);
  const quotas = new Map(quotaMbs.map((mb) => [mb, CpuQuota.create(`autopilot-bench-${process.pid}-${mb}`, mb / LAMBDA_MB_PER_VCPU)]));
  const [cluster, s3] = await Promise.all([PostgresCluster.start(), startS3Server(s3Root)]);
  console.log(`S3 server (s3rver, S3-like multipart completion) on ${s3.endpoint}, pid ${s3.pid} at nice ${S3_NICE}, files in ${s3Root}`);
  console.log(
    `pg_dump: ${pgDump.path} (${pgDump.versionLine}); the product's default compression: ${compressionLabel(compression)}; node ` +
      `${process.version}, the product's node options (as in the image): ${PRODUCT_NODE_OPTIONS.join(' ') || 'none'}`,
  );
  for (const [mb, q] of quotas) console.log(`Lambda at ${mb} MB: ${q.vcpu.toFixed(2)} vCPU, modelled with ${q.describe()}`);
  console.log(`server: PostgreSQL ${cluster.bin}; rounds per size: ${rounds}; ${loadAverage()}`);
  const results: SizeFigures[] = [];
  try {
    await cluster.createDatabase('bench');
    const config = validateConfig({
      targets: {
        bench: {
          postgres: [{ host: '127.0.0.1', port: cluster.port, database: 'bench', user: cluster.superuser, ssl: false, backup: {} }],
        },
      },
    });
    const db = config.targets.bench!.postgres![0]!;
    const pgEnv = { ...process.env, PGPASSWORD: cluster.password };
    const store = new S3ObjectStore(s3.bucket, s3TestClient(s3.endpoint));
    const conn = ['--no-password', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', 'bench'];
    const childEnv = (input: Record<string, unknown>) => ({
      ...toolEnv,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BENCH_INPUT: JSON.stringify({
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        db,
        password: cluster.password,
        pgDump: pgDump.path,
        ...input,
      }),
    });

    const timePlain = async (): Promise<Sample> => {
      const devNull = openSync('/dev/null', 'w');
      const plain = await run(pgDump.path, ['-Fc', compressArg, ...conn], { env: pgEnv, stdoutTo: devNull });
      closeSync(devNull);
      if (plain.code !== 0) throw new Error(`plain pg_dump exited ${plain.code}`);
      return { ms: plain.ms, archiveBytes: 0, ownCpuS: 0, peakRssMb: 0 };
    };
    const timeProduct = async (quota?: CpuQuota): Promise<Sample> => {
      const argv = [...PRODUCT_NODE_OPTIONS, productChild];
      const [command, args] = quota ? quota.wrap(process.execPath, argv) : [process.execPath, argv];
      const product = await run(command, args, { env: childEnv({ checksums: PRODUCT_CHECKSUMS }) });
      const result = JSON.parse(product.stdout) as {
        outcome: {
          ok: boolean;
          reason?: string;
          manifest?: { size: number; key: string; verifyMs?: number; dumpMs?: number; verifiedBy?: string };
        };
        elapsedMs: number;
        vmHwmKb: number;
        cpu: { user: number; system: number };
      };
      if (!result.outcome.ok) throw new Error(`product backup failed: ${result.outcome.reason}`);
      const m = result.outcome.manifest!;
      await store.delete(m.key);
      await store.delete(m.key.replace(/\.dump$/, '.json'));
      return {
        ms: result.elapsedMs,
        archiveBytes: m.size,
        ownCpuS: (result.cpu.user + result.cpu.system) / 1e6,
        peakRssMb: result.vmHwmKb / 1024,
        detail: `pg_dump ${seconds(m.dumpMs ?? 0)}, verification ${seconds(m.verifyMs ?? 0)} (${m.verifiedBy ?? 'n/a'})`,
      };
    };
    const timePeer = async (quota?: CpuQuota): Promise<Sample> => {
      const key = `peer/${Date.now()}.dump`;
      const [command, args] = quota ? quota.wrap(process.execPath, [peerChild]) : [process.execPath, [peerChild]];
      const peer = await run(command, args, { env: childEnv({ key }) });
      const result = JSON.parse(peer.stdout) as {
        code: number;
        bytes: number;
        elapsedMs: number;
        vmHwmKb: number;
        cpu: { user: number; system: number };
      };
      if (result.code !== 0) throw new Error(`peer pg_dump exited ${result.code}`);
      await store.delete(key);
      return {
        ms: result.elapsedMs,
        archiveBytes: result.bytes,
        ownCpuS: (result.cpu.user + result.cpu.system) / 1e6,
        peakRssMb: result.vmHwmKb / 1024,
      };
    };

    const subjects: Array<[Subject, () => Promise<Sample>]> = [
      ['plain', () => timePlain()],
      ['product', () => timeProduct()],
      ['peer', () => timePeer()],
      ...[...quotas].flatMap(
        ([mb, q]): Array<[Subject, () => Promise<Sample>]> => [
          [`product@${mb}`, () => timeProduct(q)],
          ...(mb === quotaMbs[0] ? ([[`peer@${mb}`, () => timePeer(q)]] as Array<[Subject, () => Promise<Sample>]>) : []),
        ],
      ),
    ];

    for (const sizeGiB of sizes) {
      const genStart = performance.now();
      const dbBytes = await growTo(cluster, sizeGiB * GiB);
      console.log(
        `\n== ${sizeGiB} GiB: database is ${(dbBytes / GiB).toFixed(2)} GiB (generated in ` +
          `${((performance.now() - genStart) / 1000).toFixed(0)} s); ${loadAverage()}`,
      );
      let byDefault = { bytes: Number.NaN, ms: Number.NaN };
      if (defaultLevelEverySize || sizeGiB === sizes[0]) {
        await settle(cluster);
        byDefault = await countBytes(pgDump.path, ['-Fc', ...conn], pgEnv);
        console.log(`  pg_dump -Fc (its default level, gzip 6): ${(byDefault.bytes / GiB).toFixed(3)} GiB in ${seconds(byDefault.ms)}`);
      }
      const figures: SizeFigures = { sizeGiB, dbBytes, defaultArchiveBytes: byDefault.bytes, defaultMs: byDefault.ms, samples: {} };
      for (let round = 0; round < rounds; round++) {
        // Rotate the order, so no subject always runs first after the database grew.
        const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]!);
        for (const [name, time] of order) {
          await settle(cluster);
          const busy = machineBusySeconds();
          const serverCpu = processCpuSeconds(s3.pid);
          const sample = await time();
          figures.samples[name] = [...(figures.samples[name] ?? []), sample];
          console.log(
            `  ${name.padEnd(13)} ${seconds(sample.ms).padStart(8)}` +
              (sample.archiveBytes ? `, archive ${(sample.archiveBytes / GiB).toFixed(3)} GiB` : '') +
              (sample.peakRssMb ? `, own CPU ${sample.ownCpuS.toFixed(1)} s, peak RSS ${sample.peakRssMb.toFixed(0)} MB` : '') +
              (sample.detail ? `; ${sample.detail}` : '') +
              `; S3 server CPU ${(processCpuSeconds(s3.pid) - serverCpu).toFixed(1)} s, machine busy ` +
              `${(machineBusySeconds() - busy).toFixed(1)} s`,
          );
        }
      }
      results.push(figures);
    }
  } finally {
    await Promise.all([cluster.stop(), s3.stop()]);
    for (const q of quotas.values()) q.remove();
    rmSync(work, { recursive: true, force: true });
  }
  report(results);
  writeFileSync(join(tmpdir(), 'autopilot-backup-bench.json'), JSON.stringify(results, null, 2));
}

/** The machine's load average, which every wall time here depends on (2 cores shared). */
function loadAverage(): string {
  return `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} at ${new Date().toISOString().slice(11, 19)} UTC`;
}

function report(results: SizeFigures[]): void {
  console.log(`\n${loadAverage()}`);
  const m = (f: SizeFigures, s: Subject, pick: (x: Sample) => number) => mean((f.samples[s] ?? []).map(pick));
  const ok = (good: boolean) => (good ? 'ok' : 'MISSED');
  console.log(
    '\nsize      database  plain    product  peer     product/peer  archive(product)  pg_dump -Fc default  own CPU/GiB      peak RSS',
  );
  for (const f of results) {
    const dbGiB = f.dbBytes / GiB;
    const ratio = m(f, 'product', (x) => x.ms) / m(f, 'peer', (x) => x.ms);
    const archive = m(f, 'product', (x) => x.archiveBytes);
    // Measured at the first size only: the same data, so the same ratio of default archive to database.
    const first = results[0]!;
    const defaultBytes = Number.isNaN(f.defaultArchiveBytes)
      ? (first.defaultArchiveBytes / first.dbBytes) * f.dbBytes
      : f.defaultArchiveBytes;
    const defaultLabel = `${(defaultBytes / GiB).toFixed(3)} GiB${Number.isNaN(f.defaultArchiveBytes) ? ' (scaled)' : ''}`;
    const cpuPerGiB = m(f, 'product', (x) => x.ownCpuS) / dbGiB;
    const rss = productPeak(f);
    console.log(
      `${`${f.sizeGiB} GiB`.padEnd(10)}${`${dbGiB.toFixed(2)} GiB`.padEnd(10)}${seconds(m(f, 'plain', (x) => x.ms)).padEnd(9)}` +
        `${seconds(m(f, 'product', (x) => x.ms)).padEnd(9)}${seconds(m(f, 'peer', (x) => x.ms)).padEnd(9)}` +
        `${`${ratio.toFixed(2)} (${ok(ratio <= 0.4)})`.padEnd(14)}` +
        `${`${(archive / GiB).toFixed(3)} GiB (${ok(archive <= defaultBytes)})`.padEnd(18)}` +
        `${defaultLabel.padEnd(21)}${`${cpuPerGiB.toFixed(2)} s (${ok(cpuPerGiB <= 4)})`.padEnd(17)}` +
        `${rss.toFixed(0)} MB (${ok(rss <= 150)})`,
    );
    for (const mb of [...quotaMbs].sort((a, b) => a - b)) {
      const product = m(f, `product@${mb}`, (x) => x.ms);
      const peer = f.samples[`peer@${mb}`] ? m(f, `peer@${mb}`, (x) => x.ms) : undefined;
      const perGiBs = product / 1000 / dbGiB;
      const usdPerGiB = (mb / 1024) * perGiBs * LAMBDA_ARM_USD_PER_GB_S;
      const limit = (f.dbBytes / product) * (LAMBDA_MAX_TIMEOUT_MS - SAFETY_MARGIN_MS);
      console.log(
        `  at ${mb} MB (${(mb / LAMBDA_MB_PER_VCPU).toFixed(2)} vCPU): product ${seconds(product)}` +
          (peer !== undefined
            ? `, peer ${seconds(peer)}, product/peer ${(product / peer).toFixed(2)} (${ok(product / peer <= 0.4)})`
            : '') +
          `; ${perGiBs.toFixed(1)} s per GiB of database, $${(usdPerGiB * 1024).toFixed(4)} per TiB backed up; ` +
          `Lambda (15 min) finishes databases up to ${(limit / GiB).toFixed(1)} GiB at this rate`,
      );
    }
  }
  const peaks = results.map(productPeak);
  const spread = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
  console.log(
    `peak RSS: at most ${Math.max(...peaks).toFixed(0)} MB (goal 150 MB: ${ok(Math.max(...peaks) <= 150)}); ` +
      `spread between sizes ${(spread * 100).toFixed(1)}% (goal within 10%: ${results.length > 1 ? ok(spread <= 0.1) : 'one size only'})`,
  );
  const last = results.at(-1)!;
  const costs = [...quotaMbs]
    .sort((a, b) => a - b)
    .map((mb) => ({
      mb,
      usd: (mb / 1024) * (m(last, `product@${mb}`, (x) => x.ms) / 1000 / (last.dbBytes / GiB)) * LAMBDA_ARM_USD_PER_GB_S,
    }));
  const cheapest = costs.reduce((a, b) => (b.usd < a.usd ? b : a));
  console.log(
    `memory: ${costs.map((c) => `${c.mb} MB $${(c.usd * 1024).toFixed(4)}/TiB`).join(', ')}; ` +
      `cheapest per GB backed up (at ${last.sizeGiB} GiB): ${cheapest.mb} MB, $${cheapest.usd.toFixed(6)} per GiB of database`,
  );
}

/** The product process's highest peak RSS at a size, with and without a CPU quota. */
function productPeak(f: SizeFigures): number {
  return Math.max(
    ...Object.entries(f.samples)
      .filter(([name]) => name.startsWith('product'))
      .flatMap(([, samples]) => (samples ?? []).map((x) => x.peakRssMb)),
  );
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
