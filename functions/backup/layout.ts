import { BACKUPS_PREFIX, MANIFEST_EXTENSION } from '../core/layout.js';

/**
 * Where backups live in the store:
 * `backups/<target>/<database>/<YYYY>/<MM>/<DD>/<target>-<database>-<UTC timestamp>.<ext>`
 * with the manifest beside the archive (`...<timestamp>.json`). `<database>` is the entry's
 * check name (its `name`, or its `database` when none is given), unique within a target, which
 * is also the prefix the bucket's per-database lifecycle rules match (lib/s3/backup-retention.ts).
 */
export const BACKUPS_ROOT = BACKUPS_PREFIX;

export type ArchiveFormat = 'pg_dump-custom' | 'sqlite-gzip';

const EXTENSIONS: Record<ArchiveFormat, string> = { 'pg_dump-custom': '.dump', 'sqlite-gzip': '.sqlite.gz' };

export interface BackupKeys {
  readonly archiveKey: string;
  readonly manifestKey: string;
}

/** `20261123T020000.123Z`: sortable as text, and milliseconds keep two runs in one second apart. */
export function keyTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

export function parseKeyTimestamp(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function databasePrefix(target: string, database?: string): string {
  return database === undefined ? `${BACKUPS_ROOT}${target}/` : `${BACKUPS_ROOT}${target}/${database}/`;
}

export function backupKeys(target: string, database: string, startedAt: Date, format: ArchiveFormat = 'pg_dump-custom'): BackupKeys {
  const iso = startedAt.toISOString();
  const day = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
  const base = `${databasePrefix(target, database)}${day}/${target}-${database}-${keyTimestamp(startedAt)}`;
  return { archiveKey: `${base}${EXTENSIONS[format]}`, manifestKey: `${base}${MANIFEST_EXTENSION}` };
}

export interface ParsedBackupKey {
  readonly target: string;
  readonly database: string;
  readonly startedAt: Date;
  readonly role: 'archive' | 'manifest';
  readonly format?: ArchiveFormat;
  /** The key without its extension: an archive and its manifest share it. */
  readonly base: string;
}

const KEY_PATTERN =
  /^backups\/([a-z0-9][a-z0-9-]*)\/([^/]+)\/\d{4}\/\d{2}\/\d{2}\/[^/]+-(\d{8}T\d{6}\.\d{3}Z)(\.dump|\.sqlite\.gz|\.json)$/;

/** Reads a key written by backupKeys(); anything else under `backups/` gives undefined. */
export function parseBackupKey(key: string): ParsedBackupKey | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m) return undefined;
  const [, target, database, stamp, ext] = m;
  const startedAt = parseKeyTimestamp(stamp!);
  if (!startedAt || !key.endsWith(`/${target}-${database}-${stamp}${ext}`)) return undefined;
  const base = key.slice(0, key.length - ext!.length);
  if (ext === '.json') return { target: target!, database: database!, startedAt, role: 'manifest', base };
  const format = ext === '.dump' ? 'pg_dump-custom' : 'sqlite-gzip';
  return { target: target!, database: database!, startedAt, role: 'archive', format, base };
}
