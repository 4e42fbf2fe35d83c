import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where PostgreSQL's server binaries live; PG_BIN overrides (for a newer server major). */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface PostgresUser {
  uid: number;
  gid: number;
}

function postgresUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * A throwaway PostgreSQL cluster on loopback with password (scram) authentication.
 * initdb refuses to run as root, so as root the binaries run as the `postgres` user.
 */
export class PostgresCluster {
  readonly superuser = 'autopilot';
  readonly password = 'test-secret-pw';
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly bin: string,
    private readonly user: PostgresUser | undefined,
  ) {}

  /** `wrapped`: the binaries are pg-trixie.sh's chroot wrappers, called as root (they switch user themselves). */
  static async start(options: { bin?: string; wrapped?: boolean } = {}): Promise<PostgresCluster> {
    const bin = options.bin ?? PG_BIN;
    const user = postgresUser();
    const runAs = options.wrapped ? undefined : user;
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-pg-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const cluster = new PostgresCluster(dir, port, bin, runAs);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, cluster.password);
    if (user) {
      chownSync(dir, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    cluster.run('initdb', [
      '-D',
      join(dir, 'data'),
      '-U',
      cluster.superuser,
      '--pwfile',
      pwfile,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
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
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`,
    ]);
    return cluster;
  }

  run(tool: string, args: string[]): string {
    const command = join(this.bin, tool);
    const result = this.user
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
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
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  async stop(): Promise<void> {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
