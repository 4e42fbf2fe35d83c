import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cronProblem } from './cron.js';
import { durationProblem } from './duration.js';
import { compressionSchema } from './compression.js';

/**
 * Field rules shared by the config schema and the check kinds' schemas (functions/kinds/<kind>/schema.ts).
 * They live apart from schema.ts because schema.ts reads the kinds' schemas through the registry.
 */
export const severity = z.enum(['low', 'medium', 'high', 'critical']);
/** A number and a unit (`"500ms"`, `"26h"`), greater than 0 and at most MAX_DURATION (a year). */
export const duration = z
  .string()
  .superRefine((text, ctx) => {
    const problem = durationProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ docType: 'duration' });
/** Names end up in S3 keys, SNS attributes and SSM parameters, so keep them to a safe alphabet. */
export const checkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'invalid name (letters, digits, ".", "_", "-", at most 64)');
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const hhmm = z.string().regex(HHMM, 'invalid time (use "HH:MM", 24-hour)').meta({ docType: '"HH:MM"' });
/** `"HH:MM"` daily, or an EventBridge Scheduler `cron(...)` checked as the service would check it at deploy time. */
export const scheduleAt = z
  .string()
  .superRefine((at, ctx) => {
    if (HHMM.test(at)) return;
    const problem = at.startsWith('cron(') ? cronProblem(at) : 'invalid schedule (use "HH:MM", 24-hour, or cron(...))';
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ docType: '"HH:MM" or cron(...)' });
/** `warning (95) must not exceed critical (90)`: a warning level past the critical one would never be seen. */
export function levelOrderProblem(levels: { readonly warning?: number; readonly critical?: number } | undefined): string | undefined {
  if (levels?.warning === undefined || levels.critical === undefined || levels.warning <= levels.critical) return undefined;
  return `warning (${levels.warning}) must not exceed critical (${levels.critical})`;
}
export const percent = z.number().min(0).max(100);

const MEMORY_SIZE = /^([0-9]+(?:\.[0-9]+)?) ?(K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)$/i;
/**
 * `"512MB"`, `"1.5GB"`, `"800M"` in KiB. The units are binary, as `ps`, `top` and PM2's max_memory_restart count
 * (512MB = 524,288 KiB). Undefined when the text is not a size.
 */
export function memorySizeKb(text: string): number | undefined {
  const match = MEMORY_SIZE.exec(text.trim());
  if (!match) return undefined;
  const power = 'kmgt'.indexOf(match[2]![0]!.toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}
/** A memory size (`"512MB"`), at least 1 KiB and at most 64 TiB. */
export const memorySize = z.string().superRefine((text, ctx) => {
  const kb = memorySizeKb(text);
  if (kb === undefined) ctx.addIssue({ code: 'custom', message: 'invalid size (a number and KB, MB, GB or TB, such as "512MB")' });
  else if (kb < 1 || kb > 64 * 1024 ** 3) ctx.addIssue({ code: 'custom', message: 'invalid size (from 1KB to 64TB)' });
});
export const severityOverride = z
  .strictObject({
    warning: severity.optional().describe("what a warning-level breach becomes for this check (the matrix row's warning cell otherwise)"),
    critical: severity
      .optional()
      .describe("what a critical-level breach becomes for this check (the matrix row's critical cell otherwise)"),
  })
  .describe("this check's own cells of the severity matrix, for every rule of its kind");
export const port = z.number().int().min(1).max(65535);
/** A host name or an IP address (v4, or v6 without brackets): letters, digits, ".", ":", "_", "-". */
export const host = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'invalid host');

/**
 * A Secrets Manager secret name or ARN. RDS names its managed secrets rds!db-<id>, so "!" is allowed besides Secrets Manager's own
 * alphabet.
 */
export const secretId = z.string().regex(/^[A-Za-z0-9/_+=.@:!-]{1,2048}$/, 'invalid Secrets Manager secret (a name or an ARN)');
export const parameterName = z.string().regex(/^\/?[A-Za-z0-9_.\-/]{1,1011}$/, 'invalid SSM parameter name');

/** A secret read at run time: a Secrets Manager secret (one JSON field of it with `field`) or an SSM SecureString. */
export const secretRefSchema = z.union(
  [
    z.strictObject({
      secret: secretId.describe('a Secrets Manager secret (name or ARN) holding the value'),
      field: z.string().min(1).optional().describe('one JSON key of that secret, when the secret is a JSON object'),
    }),
    z.strictObject({ parameter: parameterName.describe('an SSM SecureString parameter holding the value') }),
  ],
  { error: 'invalid secret reference (use { secret: "<name or ARN>", field?: "<JSON key>" } or { parameter: "<SSM name>" })' },
);
export type SecretRefConfig = z.output<typeof secretRefSchema>;

export const backupSchema = z.strictObject({
  at: scheduleAt.default('02:00').describe('when the daily backup runs, in `timezone`: "HH:MM" or an EventBridge Scheduler cron(...)'),
  retentionDays: z.number().int().min(1).max(3650).default(30).describe("days the bucket's lifecycle rule keeps each backup"),
  maxAge: duration.default('26h').describe('the newest verified backup older than this is a High finding of the health job'),
  /**
   * true: check every backup after upload, from the store's own checksums where it has them and
   * by reading it back where not; "read-back": always read the whole archive back; false: skip.
   */
  verify: z
    .union([z.boolean(), z.literal('read-back')], { error: 'invalid verify (use true, false or "read-back")' })
    .default(true)
    .describe(
      "true: verify every backup after upload (the store's checksums where it has them, else reading it back); " +
        '"read-back": always read the whole archive back; false: skip the check',
    ),
  via: z
    .enum(['lambda', 'ssm'])
    .default('lambda')
    .describe('PostgreSQL: "lambda" dumps from the backup function; "ssm" runs pg_dump on the host through SSM Run Command'),
  /** Where a pg_dump backup runs: the Lambda function (up to 15 minutes) or an ECS Fargate task (no limit). */
  runOn: z
    .enum(['lambda', 'fargate'], { error: 'invalid runOn (use "lambda" or "fargate")' })
    .default('lambda')
    .describe('where a pg_dump backup runs: the Lambda function (up to 15 minutes) or an ECS Fargate task in `network`'),
  /** pg_dump's compression: "zstd" | "lz4" | "gzip" | "none", or { method, level }; default zstd where pg_dump >= 16, else gzip. */
  compression: compressionSchema
    .optional()
    .describe("pg_dump's compression, a method or { method, level }; default zstd level 1 where pg_dump is 16 or newer, else gzip level 1"),
});

/** The report's check name (docs/cli.md): `name`, or one derived from the URL's host and path, the database, or the host. */
export function checkNameOf(check: { name?: string; url?: string; database?: string; host?: string }): string {
  if (check.name) return check.name;
  if (check.url && URL.canParse(check.url)) {
    const url = new URL(check.url);
    const path = url.pathname.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '-');
    return boundedCheckName(path ? `${url.hostname}-${path}` : url.hostname, [hostLabel(url.hostname), path]);
  }
  // A database's name is also its backups' folder: kept as written (the schema bounds it to 63 characters).
  if (check.database) return check.database;
  return check.host ? boundedCheckName(check.host, [hostLabel(check.host)]) : 'check';
}

/** The longest derived check name: the names' own limit. */
export const MAX_CHECK_NAME = 64;
const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A derived name as it always was when that is a valid name (alert state is keyed by it, so it must not change on an
 * upgrade), else the parts made readable and bounded: an IPv6 host spelt out (`::1` is `ip6-localhost`), runs of other
 * characters as one "-", and a name past 64 characters cut with a hash of the whole, so two long URLs stay apart.
 */
export function boundedCheckName(plain: string, parts: readonly string[]): string {
  if (CHECK_NAME.test(plain)) return plain;
  const readable = parts
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (readable.length <= MAX_CHECK_NAME && CHECK_NAME.test(readable)) return readable;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const head = readable.slice(0, MAX_CHECK_NAME - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '');
  return `${head || 'check'}-${hash}`;
}

/** A host as a name part: an IPv6 address (with or without brackets) as `ip6-<groups>`, `::1` as `ip6-localhost`. */
export function hostLabel(host: string): string {
  const bare = host.replace(/^\[|\]$/g, '');
  if (!bare.includes(':')) return bare;
  if (/^(0{0,4}:){2,7}0{0,3}1$/.test(bare) || bare === '::1') return 'ip6-localhost';
  return `ip6-${bare.replace(/:+/g, '-')}`;
}
