import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type PgTool = 'pg_dump' | 'pg_restore';

/**
 * Where pg_dump and pg_restore come from, first match wins:
 * PG_DUMP / PG_RESTORE (a binary; the other tool is taken from the same directory),
 * PG_BIN_DIR (a directory), the tool on PATH, then the newest /usr/lib/postgresql/<major>/bin.
 * The backup image sets PG_BIN_DIR to its bundled client; restore uses the same place.
 */
export function locatePgTool(tool: PgTool, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = tool === 'pg_dump' ? env.PG_DUMP : env.PG_RESTORE;
  if (explicit) return explicit;
  const sibling = tool === 'pg_dump' ? env.PG_RESTORE : env.PG_DUMP;
  if (sibling) return join(dirname(sibling), tool);
  if (env.PG_BIN_DIR) return join(env.PG_BIN_DIR, tool);
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  const newest = newestDebianBin();
  if (newest) return join(newest, tool);
  return tool;
}

/** The file exists and this process may run it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function newestDebianBin(): string | undefined {
  try {
    const majors = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => b - a);
    return majors.map((m) => `/usr/lib/postgresql/${m}/bin`).find((dir) => isExecutable(join(dir, 'pg_dump')));
  } catch {
    return undefined;
  }
}

export interface PgVersion {
  readonly major: number;
  readonly minor: number;
  /** "15.18" */
  readonly text: string;
}

/** "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" or "17devel" -> {15, 18}. */
export function parseToolVersion(output: string): PgVersion | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  return { major, minor, text: m[2] === undefined ? `${major}` : `${major}.${minor}` };
}

/** server_version_num (150018, 90624) -> its version. */
export function serverVersionOf(versionNum: number): PgVersion {
  if (versionNum >= 100000) {
    const major = Math.floor(versionNum / 10000);
    const minor = versionNum % 10000;
    return { major, minor, text: `${major}.${minor}` };
  }
  const major = Math.floor(versionNum / 10000) + (Math.floor(versionNum / 100) % 100) / 10;
  const minor = versionNum % 100;
  return { major, minor, text: `${major}.${minor}` };
}

export interface ToolInfo {
  readonly path: string;
  readonly version: PgVersion;
  /** The tool's own `--version` line. */
  readonly versionLine: string;
}

const cache = new Map<string, Promise<ToolInfo>>();

/** Runs `<tool> --version` once per path; a missing binary is a clear error, not ENOENT. */
export function pgToolInfo(tool: PgTool, env: NodeJS.ProcessEnv = process.env): Promise<ToolInfo> {
  const path = locatePgTool(tool, env);
  let info = cache.get(path);
  if (!info) {
    info = run(path, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => {
        const version = parseToolVersion(stdout);
        if (!version) throw new Error(`${path} --version printed no PostgreSQL version: ${stdout.trim()}`);
        return { path, version, versionLine: stdout.trim() };
      },
      (error: NodeJS.ErrnoException) => {
        throw new Error(
          error.code === 'ENOENT'
            ? `${tool} not found at ${path} (install the PostgreSQL client, or set PG_BIN_DIR or ` +
                `${tool === 'pg_dump' ? 'PG_DUMP' : 'PG_RESTORE'})`
            : `${path} --version failed: ${error.message}`,
        );
      },
    );
    info.catch(() => cache.delete(path));
    cache.set(path, info);
  }
  return info;
}

/**
 * pg_dump refuses a server of a newer major ("aborting because of server version mismatch");
 * say so before starting, in words an operator can act on. Undefined when compatible.
 */
export function versionMismatch(server: PgVersion, pgDump: ToolInfo): string | undefined {
  if (server.major > pgDump.version.major) {
    return (
      `server ${server.text} is newer than the bundled pg_dump ${pgDump.version.text}; pg_dump cannot dump a server of a newer major ` +
      `version. ` +
      `Bundle pg_dump ${server.major} or newer in the backup image (or point PG_BIN_DIR / PG_DUMP at it)`
    );
  }
  if (server.major < 9.2) return `server ${server.text} is older than 9.2, which pg_dump ${pgDump.version.text} no longer supports`;
  return undefined;
}
