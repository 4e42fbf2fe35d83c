import { performance } from 'node:perf_hooks';
import { checkNameOf } from '../core/config/schema.js';
import type { StreamedObject } from '../core/ports/object-store.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { resolvePostgresLogin } from '../kinds/postgres/login.js';
import { redact } from '../core/text/redact.js';
import { type StoreFaultError, storeFaultOf } from '../core/errors.js';
import { describeExit, succeeded, type ExitStatus } from './child-process.js';
import { parseArchiveHeader, type ArchiveHeader } from './archive-header.js';
import { chooseCompression, type CompressionChoice, compressionLabel, pgDumpCompressArg, probeCompression } from './compression.js';
import { DumpOutput } from './dump-output.js';
import { LAMBDA_MAX_TIMEOUT_MS, lambdaLimitBytes } from './lambda-budget.js';
import { backupKeys } from '../core/layout.js';
import { MANIFEST_VERSION, type BackupManifest } from './manifest.js';
import type { BackupOutcome, BackupRunOptions, BackupStage } from './outcome.js';
import { spawnPgDump } from './pg-dump.js';
import { openSourceSession, tableName, type SourceSession } from './pg-source.js';
import { pgToolInfo, versionMismatch } from './pg-tools.js';
import { verifyStoredArchive, type VerifiedBy } from './verify.js';
import { deleteQuietly, messageOf, writeManifest } from './write-manifest.js';
import type { PostgresConfig } from '../kinds/config.js';

export interface PostgresBackupRequest extends BackupRunOptions {
  /** The Lambda function's timeout, when running in one: the size limit is measured against it (default 15 minutes). */
  readonly lambdaTimeoutMs?: number;
  readonly target: string;
  readonly db: PostgresConfig;
  readonly secrets: SecretResolver;
}

class StageError extends Error {
  constructor(
    readonly stage: BackupStage,
    message: string,
    /** The store refused (full, read-only): the run ends with exit 4 once its findings are reported. */
    readonly storeFault?: StoreFaultError,
  ) {
    super(message);
  }
}

/**
 * One PostgreSQL backup, the Lambda way: pg_dump -Fc's stdout is hashed and counted on its way
 * into a multipart upload under the final key, with no temporary file and memory bounded by the
 * upload's part buffers. The upload completes only when pg_dump exited 0 (the stream's end waits
 * for it), so a failed dump leaves nothing under the key; a failed verification deletes the
 * object; the manifest is written last, so its presence means "verified backup".
 */
export async function backupPostgres(request: PostgresBackupRequest): Promise<BackupOutcome> {
  const { target, store, signal } = request;
  // Where and as whom to connect: the config, with what its credential source adds (a secret's host, an IAM token).
  let db: PostgresConfig = request.db;
  const now = request.now ?? (() => new Date());
  const env = request.env ?? process.env;
  const database = checkNameOf(db);
  const verify = db.backup?.verify ?? true;
  const startedAt = now();
  const keys = backupKeys(target, database, startedAt, 'pg_dump-custom');
  let password: string | undefined;
  const clean = (text: string) => redact(text, password ? [password, encodeURIComponent(password)] : []);
  const fail = (
    stage: BackupStage,
    reason: string,
    extra: { archiveKey?: string; leftover?: string; storeFault?: StoreFaultError } = {},
  ): BackupOutcome => ({
    ok: false,
    target,
    database,
    stage,
    reason: clean(reason),
    durationMs: now().getTime() - startedAt.getTime(),
    ...extra,
  });

  try {
    const login = await resolvePostgresLogin(db, request.secrets);
    password = login.password;
    db = { ...db, name: database, host: login.host, port: login.port, database: login.database, user: login.user };
  } catch (error) {
    return fail('secret', `cannot read the password: ${messageOf(error)}`);
  }

  let session: SourceSession | undefined;
  try {
    const [pgDump, pgRestore] = await Promise.all([
      pgToolInfo('pg_dump', env).catch((e: Error) => Promise.reject(new StageError('tool', e.message))),
      verify ? pgToolInfo('pg_restore', env).catch((e: Error) => Promise.reject(new StageError('tool', e.message))) : undefined,
    ]);
    try {
      session = await openSourceSession(db, password);
    } catch (error) {
      throw new StageError('connect', `cannot connect to ${db.host}:${db.port}/${db.database} as ${db.user}: ${messageOf(error)}`);
    }
    const mismatch = versionMismatch(session.serverVersion, pgDump);
    if (mismatch) throw new StageError('version', mismatch);
    // What this pg_dump can actually write decides, not its version (a build without zstd exists).
    let choice: CompressionChoice;
    try {
      choice = chooseCompression(db.backup?.compression, pgDump, await probeCompression(pgDump, env));
    } catch (error) {
      throw new StageError('config', `targets.${target}.postgres "${database}": ${messageOf(error)}`);
    }
    const compression = choice.spec;
    signal?.throwIfAborted();

    // Measured on the monotonic clock: how long pg_dump itself ran, whatever `now` says.
    const dumpStarted = performance.now();
    // pg_dump writes into a socket read straight into the upload's part buffers (DumpOutput); the
    // output ends only once pg_dump exited 0.
    let exited: Promise<ExitStatus> | undefined;
    const { output, childEnd } = await DumpOutput.open(async () => {
      const status = await exited!;
      if (!succeeded(status)) throw new Error(describeExit('pg_dump', status, dump.stderr.toString()));
    });
    const dump = spawnPgDump(pgDump, db, password, {
      snapshot: session.snapshot,
      env,
      compress: pgDumpCompressArg(compression, pgDump.version.major),
      stdout: childEnd,
    });
    exited = dump.exited;
    let dumpMs = 0;
    void dump.exited.then(() => (dumpMs = Math.round(performance.now() - dumpStarted)));
    let stoppedByUs = false;
    const stop = () => {
      if (dump.child.exitCode === null && dump.child.signalCode === null) stoppedByUs = true;
      dump.terminate();
    };
    signal?.addEventListener('abort', stop, { once: true });
    let uploaded: StreamedObject;
    try {
      uploaded = await store.putStream(keys.archiveKey, output, { contentType: 'application/vnd.postgresql.custom-dump', signal });
    } catch (error) {
      stop();
      // Nobody reads the socket any more: close it, so pg_dump's next write fails instead of blocking.
      output.destroy();
      const status = await dump.exited;
      if (signal?.aborted) {
        throw new StageError(
          'dump',
          `stopped: the run ran out of time after ${now().getTime() - startedAt.getTime()} ms (${output.size} bytes dumped)`,
        );
      }
      const uploadFailed = `upload to ${store.location} failed after ${output.size} bytes: ${messageOf(error)}`;
      // A store that refused (full, read-only) is the cause whatever pg_dump died of: with nobody reading its output
      // it gets SIGPIPE or our SIGTERM, and "pg_dump was killed by SIGPIPE" would hide the full disk.
      const fault = storeFaultOf(error);
      if (fault) throw new StageError('upload', uploadFailed, fault);
      // pg_dump's own failure is the cause, unless it died of the SIGTERM sent above (it says
      // "terminated by user" and exits 1): then the upload failed and pg_dump was stopped for it.
      const stderr = dump.stderr.toString();
      const ourDoing = stoppedByUs && (status.signal !== null || /terminated by user/.test(stderr));
      if (status.spawnError || (!succeeded(status) && !ourDoing)) {
        throw new StageError('dump', describeExit('pg_dump', status, stderr));
      }
      throw new StageError('upload', uploadFailed);
    } finally {
      signal?.removeEventListener('abort', stop);
      await session.close();
    }
    if (uploaded.size !== output.size) {
      await store.delete(keys.archiveKey).catch(() => undefined);
      throw new StageError('upload', `the store took ${uploaded.size} bytes of the ${output.size} pg_dump wrote`);
    }

    const verifyStarted = now();
    let verifiedBy: VerifiedBy | undefined;
    if (verify) {
      try {
        const expected = { size: output.size, sha256: output.sha256, tables: session.tables, storeChecked: uploaded.storeChecked };
        ({ verifiedBy } = await verifyStoredArchive(store, keys.archiveKey, 'pg_dump-custom', expected, pgRestore, {
          signal,
          readBack: verify === 'read-back',
        }));
      } catch (error) {
        const leftover = await deleteQuietly(store, keys.archiveKey);
        return fail('verify', `verification of ${keys.archiveKey} failed, object deleted: ${messageOf(error)}`, {
          archiveKey: keys.archiveKey,
          leftover,
        });
      }
    }

    let header: ArchiveHeader | undefined;
    try {
      header = parseArchiveHeader(output.head);
    } catch {
      // Verification (pg_restore --list) judges the archive; the header only adds facts.
    }
    const finishedAt = now();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    const limit = lambdaLimitBytes(session.databaseBytes, durationMs, request.lambdaTimeoutMs ?? LAMBDA_MAX_TIMEOUT_MS);
    const manifest: BackupManifest = {
      version: MANIFEST_VERSION,
      target,
      database,
      source: db.database,
      kind: 'postgres',
      via: 'lambda',
      format: 'pg_dump-custom',
      key: keys.archiveKey,
      size: output.size,
      sha256: output.sha256,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs,
      ...(verify ? { verifyMs: finishedAt.getTime() - verifyStarted.getTime() } : {}),
      dumpMs,
      toolVersion: pgDump.versionLine,
      pgDumpVersion: pgDump.version.text,
      compression: compressionLabel(compression),
      ...(header ? { archiveVersion: header.archiveVersion } : {}),
      databaseBytes: session.databaseBytes,
      ...(limit !== undefined ? { lambdaLimitBytes: limit } : {}),
      serverVersion: session.serverVersion.text,
      tables: session.tables.length,
      tableList: session.tables.map(tableName),
      retentionDays: db.backup?.retentionDays ?? 30,
      verification: verify ? 'passed' : 'skipped',
      ...(verifiedBy ? { verifiedBy } : {}),
    };
    const unwritten = await writeManifest(store, keys, manifest);
    if (unwritten) return fail('manifest', unwritten.reason, { archiveKey: keys.archiveKey, leftover: unwritten.leftover });
    return {
      ok: true,
      target,
      database,
      manifest,
      manifestKey: keys.manifestKey,
      ...(choice.fallback ? { compressionFallback: choice.fallback } : {}),
    };
  } catch (error) {
    await session?.close();
    if (error instanceof StageError)
      return fail(error.stage, error.message, { archiveKey: keys.archiveKey, ...(error.storeFault && { storeFault: error.storeFault }) });
    return fail('dump', messageOf(error), { archiveKey: keys.archiveKey });
  }
}
