import { z } from 'zod';
import type { ServersConfig } from '../core/config/schema.js';
import { redact } from '../core/text/redact.js';
import type { BackedUpEntry } from './entries.js';
import { newestManifest } from './freshness.js';
import { backupKeys, type ArchiveFormat } from '../core/layout.js';
import { MANIFEST_VERSION, type BackupManifest } from './manifest.js';
import type { BackupOutcome, BackupRunOptions, BackupStage } from './outcome.js';
import { tableName, type TableRef } from './pg-source.js';
import { pgToolInfo } from './pg-tools.js';
import type { HostResult, RemoteExecution } from '../remote/port.js';
import { HOST_BACKUP_SCRIPT, RESULT_MARK } from './ssm/host-backup-script.js';
import type { PartUploads } from './ssm/part-uploads.js';
import { verifyStoredArchive, type VerifiedBy } from './verify.js';
import { deleteQuietly, writeManifest } from './write-manifest.js';

const MiB = 1024 * 1024;
/** Presigned URLs handed over per run; SSM keeps parameters small, so parts grow instead. */
export const PART_URLS = 32;
const FIRST_PART_SIZE = 128 * MiB;
const MIN_PART_SIZE = 16 * MiB;
const MAX_PART_SIZE = 5 * 1024 * MiB;

/** Parts big enough for twice the previous backup in PART_URLS parts (S3 wants >= 5 MiB but the last). */
export function partSizeFor(previousSize: number | undefined): number {
  if (previousSize === undefined) return FIRST_PART_SIZE;
  const needed = Math.ceil((previousSize * 2) / PART_URLS / MiB) * MiB;
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, needed));
}

const resultSchema = z.object({
  parts: z.array(z.object({ n: z.number().int().min(1), etag: z.string().regex(/^[A-Za-z0-9-]+$/), size: z.number().int().min(1) })).min(1),
  size: z.number().int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tables: z.array(z.string()).nullable(),
  toolVersion: z.string(),
  serverVersion: z.string(),
});

export type HostBackupResult = z.output<typeof resultSchema>;

/** The script's result line among whatever else the host printed. */
export function parseHostResult(stdout: string): HostBackupResult {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARK));
  if (!line) throw new Error('the script printed no result line');
  const parsed = resultSchema.safeParse(JSON.parse(line.slice(RESULT_MARK.length)));
  if (!parsed.success)
    throw new Error(`the script's result is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const numbered = parsed.data.parts.every((p, i) => p.n === i + 1);
  const total = parsed.data.parts.reduce((sum, p) => sum + p.size, 0);
  if (!numbered || total !== parsed.data.size) throw new Error('the script reported inconsistent parts');
  return parsed.data;
}

/** `exit 1` when the script ran and exited, else what kept it from finishing (undeliverable, timed out). */
function howItEnded(run: HostResult): string {
  return run.exitCode !== undefined ? `exit ${run.exitCode}` : (run.detail ?? run.status);
}

function tableRefs(list: readonly string[]): TableRef[] {
  return list.map((item) => {
    const colon = item.lastIndexOf(':');
    const qualified = item.slice(0, colon);
    const dot = qualified.indexOf('.');
    return { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1), kind: item.slice(colon + 1) === 'p' ? 'p' : 'r' };
  });
}

export interface SsmBackupRequest extends BackupRunOptions {
  readonly entry: BackedUpEntry;
  readonly servers: ServersConfig | undefined;
  readonly uploads: PartUploads;
  /** Runs the host script: SSM Run Command deployed, local bash in --local runs. */
  readonly remote: RemoteExecution;
  /** How long the host may take, in seconds (the Lambda's remaining time, less a margin). */
  readonly timeoutSeconds?: number;
  /** Bytes per part; by default sized from the previous backup (partSizeFor). */
  readonly partSize?: number;
}

/**
 * A backup taken on the server (backup.via "ssm"): the script dumps and uploads parts through
 * presigned URLs; this side completes the multipart upload only when the script succeeded and
 * reported consistent parts, then verifies the stored object the same way as a Lambda dump
 * (size, SHA-256, table of contents or gunzip) and writes the same manifest.
 */
export async function backupViaSsm(request: SsmBackupRequest): Promise<BackupOutcome> {
  const { entry, store, uploads, remote, signal } = request;
  const now = request.now ?? (() => new Date());
  const { target, database } = entry;
  const startedAt = now();
  const format: ArchiveFormat = entry.kind === 'postgres' ? 'pg_dump-custom' : 'sqlite-gzip';
  const keys = backupKeys(target, database, startedAt, format);
  const fail = (stage: BackupStage, reason: string, extra: { leftover?: string } = {}): BackupOutcome => ({
    ok: false,
    target,
    database,
    stage,
    reason: redact(reason),
    archiveKey: keys.archiveKey,
    durationMs: now().getTime() - startedAt.getTime(),
    ...extra,
  });
  if (!request.servers)
    return fail('config', `targets.${target}.servers: backup.via "ssm" needs the target's servers.tags to find the host`);

  const previous = await newestManifest(store, target, database).catch(() => undefined);
  const partSize = request.partSize ?? partSizeFor(previous?.manifest.size);
  let uploadId: string;
  let urls: string[];
  try {
    uploadId = await uploads.create(
      keys.archiveKey,
      format === 'pg_dump-custom' ? 'application/vnd.postgresql.custom-dump' : 'application/gzip',
    );
  } catch (error) {
    return fail('upload', `cannot start the upload to ${uploads.location}: ${(error as Error).message}`);
  }
  const abort = async () => uploads.abort(keys.archiveKey, uploadId).catch(() => undefined);
  const timeoutSeconds = request.timeoutSeconds ?? 780;
  try {
    urls = await uploads.presign(keys.archiveKey, uploadId, PART_URLS, timeoutSeconds + 300);
  } catch (error) {
    await abort();
    return fail('upload', `cannot presign the part URLs: ${(error as Error).message}`);
  }
  const parameters: Record<string, string> =
    entry.kind === 'postgres'
      ? {
          kind: 'postgres',
          dbHost: entry.postgres.host,
          dbPort: String(entry.postgres.port),
          dbUser: entry.postgres.user,
          dbName: entry.postgres.database,
          partSize: String(partSize),
          partUrls: urls.join(' '),
        }
      : { kind: 'sqlite', sqlitePath: entry.sqlite.path, partSize: String(partSize), partUrls: urls.join(' ') };

  let result: HostBackupResult;
  let host = '';
  try {
    const sent = await remote.send(
      HOST_BACKUP_SCRIPT,
      parameters,
      { target, tags: request.servers.tags },
      { exactlyOne: 'a backup via ssm' },
    );
    host = sent.awaited[0] ?? sent.early[0]?.host ?? '';
    const [run] = (await remote.collect(sent, { deadline: Date.now() + timeoutSeconds * 1000, signal })) ?? [];
    if (!run) {
      // Stop the script too: its parts would go to an upload that is about to be aborted.
      await remote.cancel(sent);
      await abort();
      return fail('dump', `the backup script on ${host} ended no result within ${timeoutSeconds} s`);
    }
    host = run.host;
    if (run.status !== 'success') {
      await abort();
      const why = run.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-4)
        .join(' | ');
      return fail('dump', `the backup script on ${run.host} ended ${howItEnded(run)}${why ? `: ${why}` : ''}`);
    }
    result = parseHostResult(run.stdout);
  } catch (error) {
    await abort();
    return fail('host', `backup via SSM on ${host || 'the server'} failed: ${(error as Error).message}`);
  }
  try {
    await uploads.complete(keys.archiveKey, uploadId, result.parts);
  } catch (error) {
    await abort();
    return fail('upload', `cannot complete the upload of ${keys.archiveKey}: ${(error as Error).message}`);
  }

  const tables = result.tables ? tableRefs(result.tables) : undefined;
  const verify = entry.backup.verify;
  let tableList = (tables ?? []).map(tableName);
  let verifiedBy: VerifiedBy | undefined;
  if (verify) {
    try {
      const pgRestore = format === 'pg_dump-custom' ? await pgToolInfo('pg_restore', request.env) : undefined;
      const verified = await verifyStoredArchive(
        store,
        keys.archiveKey,
        format,
        { size: result.size, sha256: result.sha256, tables: format === 'pg_dump-custom' ? tables : undefined },
        pgRestore,
        { signal },
      );
      // A host without psql could not list its tables: the archive's own contents say.
      if (!tables && verified.toc) tableList = [...verified.toc.tables];
      verifiedBy = verified.verifiedBy;
    } catch (error) {
      const leftover = await deleteQuietly(store, keys.archiveKey);
      return fail('verify', `verification of ${keys.archiveKey} failed, object deleted: ${(error as Error).message}`, { leftover });
    }
  }
  const finishedAt = now();
  const manifest: BackupManifest = {
    version: MANIFEST_VERSION,
    target,
    database,
    source: entry.kind === 'postgres' ? entry.postgres.database : entry.sqlite.path,
    kind: entry.kind,
    via: 'ssm',
    format,
    key: keys.archiveKey,
    size: result.size,
    sha256: result.sha256,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    toolVersion: result.toolVersion,
    ...(entry.kind === 'postgres' ? { pgDumpVersion: /(\d+(?:\.\d+)?)/.exec(result.toolVersion)?.[1] } : {}),
    ...(result.serverVersion ? { serverVersion: result.serverVersion } : {}),
    tables: tableList.length,
    tableList,
    retentionDays: entry.backup.retentionDays,
    verification: verify ? 'passed' : 'skipped',
    ...(verifiedBy ? { verifiedBy } : {}),
  };
  const unwritten = await writeManifest(store, keys, manifest);
  if (unwritten) return fail('manifest', unwritten.reason, { leftover: unwritten.leftover });
  return { ok: true, target, database, manifest, manifestKey: keys.manifestKey };
}
