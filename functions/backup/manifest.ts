import { z } from 'zod';

export const MANIFEST_VERSION = 1;

/**
 * What is known about one stored archive, written beside it only once the upload completed and
 * (unless the config turned it off) verification passed: its presence is what "a backup exists" means.
 */
export const manifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  target: z.string(),
  /** The entry's check name: the `<database>` segment of the key. */
  database: z.string(),
  /** The PostgreSQL database name, or the SQLite file path. */
  source: z.string(),
  kind: z.enum(['postgres', 'sqlite']),
  via: z.enum(['lambda', 'ssm']),
  format: z.enum(['pg_dump-custom', 'sqlite-gzip']),
  key: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().min(0),
  /** Of durationMs, the time spent verifying the stored archive. */
  verifyMs: z.number().min(0).optional(),
  /** Of durationMs, from starting pg_dump to its exit (the rest is connecting, the upload's tail and verification). */
  dumpMs: z.number().min(0).optional(),
  /** `pg_dump (PostgreSQL) 17.2` or `sqlite3 3.40.1`. */
  toolVersion: z.string(),
  pgDumpVersion: z.string().optional(),
  /** pg_dump's compression: `zstd:1`, `gzip:1`, `none` (older manifests: pg_dump's default gzip). */
  compression: z.string().optional(),
  /** The custom format's version from the archive header (`1.16`): which pg_restore reads it. */
  archiveVersion: z.string().optional(),
  /** pg_database_size() of the source when the dump began. */
  databaseBytes: z.number().min(0).optional(),
  /** The database size above which a Lambda run (its timeout, less the safety margin) would not finish, at this run's rate. */
  lambdaLimitBytes: z.number().min(0).optional(),
  serverVersion: z.string().optional(),
  tables: z.number().int().min(0),
  tableList: z.array(z.string()),
  retentionDays: z.number().int().min(1),
  verification: z.enum(['passed', 'skipped']),
  /**
   * How the stored bytes were shown equal to the streamed ones: the store's own checksums
   * (S3: the object's CRC32, or every part's MD5 and the multipart ETag) or reading the whole archive back.
   */
  verifiedBy: z.enum(['store-checksums', 'read-back']).optional(),
});

export type BackupManifest = z.output<typeof manifestSchema>;

export function parseManifest(body: Buffer | string, key: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch (error) {
    throw new Error(`${key}: manifest is not JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${key}: invalid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
