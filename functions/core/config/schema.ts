import { z } from 'zod';
import { chatSubscribersSchema } from './chat.js';
import { DURATION_PATTERN } from './duration.js';
import { compressionSchema } from '../../backup/compression.js';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const duration = z.string().regex(DURATION_PATTERN, 'invalid duration (use a number and ms, s, m, h, d or w, e.g. "10s")');
const targetName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'invalid target name (lowercase letters, digits and "-", at most 40)');
/** Names end up in S3 keys, SNS attributes and SSM parameters, so keep them to a safe alphabet. */
const checkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'invalid name (letters, digits, ".", "_", "-", at most 64)');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'invalid time (use "HH:MM", 24-hour)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const percent = z.number().min(0).max(100);
const severityOverride = z.strictObject({ warning: severity.optional(), critical: severity.optional() });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'invalid URL (must be http:// or https://)');

const warnCrit = <T extends z.ZodTypeAny>(value: T) => z.strictObject({ warning: value, critical: value.optional() });

export const healthCheckSchema = z.strictObject({
  name: checkName.optional(),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Follow up to 5 redirects (same scheme or up to https) and expect 200-299 at the end; false: judge the first answer. */
  followRedirects: z.boolean().default(true),
  every: duration.default('5m'),
  timeout: duration.default('10s'),
  expect: z
    .strictObject({
      status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
      bodyContains: z.string().min(1).optional(),
      json: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
    })
    .optional(),
  responseTime: z.strictObject({ warning: duration.optional(), critical: duration.optional() }).optional(),
  certificate: z
    .strictObject({ warningDays: z.number().int().min(0).default(30), criticalDays: z.number().int().min(0).default(7) })
    .optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'invalid header name'), z.string()).optional(),
  severity: severityOverride.optional(),
});

export const backupSchema = z.strictObject({
  at: z.union([hhmm, z.string().regex(/^cron\(.+\)$/, 'invalid schedule (use "HH:MM" or cron(...))')]).default('02:00'),
  retentionDays: z.number().int().min(1).max(3650).default(30),
  maxAge: duration.default('26h'),
  /**
   * true: check every backup after upload, from the store's own checksums where it has them and
   * by reading it back where not; "read-back": always read the whole archive back; false: skip.
   */
  verify: z.union([z.boolean(), z.literal('read-back')], { error: 'invalid verify (use true, false or "read-back")' }).default(true),
  via: z.enum(['lambda', 'ssm']).default('lambda'),
  /** Where a pg_dump backup runs: the Lambda function (up to 15 minutes) or an ECS Fargate task (no limit). */
  runOn: z.enum(['lambda', 'fargate'], { error: 'invalid runOn (use "lambda" or "fargate")' }).default('lambda'),
  /** pg_dump's compression: "zstd" | "lz4" | "gzip" | "none", or { method, level }; default zstd where pg_dump >= 16, else gzip. */
  compression: compressionSchema.optional(),
});

export const postgresSchema = z.strictObject({
  name: checkName.optional(),
  host: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'invalid host'),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$/, 'invalid database name'),
  user: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,62}$/, 'invalid user name'),
  passwordParameter: z
    .string()
    .regex(/^\/?[A-Za-z0-9_.\-/]{1,1011}$/, 'invalid SSM parameter name')
    .optional(),
  password: z.string().optional(),
  ssl: z.union([z.boolean(), z.enum(['require', 'verify-full'])]).default(false),
  every: duration.default('5m'),
  timeout: duration.default('10s'),
  checks: z
    .strictObject({
      connections: z.strictObject({ warning: percent, critical: percent }).optional(),
      longRunningQuery: duration.optional(),
    })
    .optional(),
  backup: backupSchema.optional(),
  severity: severityOverride.optional(),
});

export const sqliteSchema = z.strictObject({
  name: checkName,
  path: z.string().regex(/^\/[A-Za-z0-9._\-/]+$/, 'invalid path (absolute, letters, digits, ".", "_", "-", "/")'),
  backup: backupSchema.optional(),
});

const absolutePath = z.string().regex(/^\/[A-Za-z0-9._\-/]*$/, 'invalid path (absolute, letters, digits, ".", "_", "-", "/")');

export const serversSchema = z.strictObject({
  tags: z
    .record(
      z.string().regex(/^[A-Za-z0-9 _.:/=+\-@]{1,128}$/, 'invalid tag key'),
      z.string().regex(/^[A-Za-z0-9 _.:/=+\-@]{0,256}$/, 'invalid tag value'),
    )
    .refine((tags) => Object.keys(tags).length > 0, 'at least one tag is required'),
  disk: z.strictObject({ warning: percent, critical: percent, paths: z.array(absolutePath).optional() }).optional(),
  security: z
    .strictObject({
      failedLogins: warnCrit(z.number().int().min(1))
        .extend({ window: duration.default('1h') })
        .optional(),
      logPatterns: z
        .array(
          warnCrit(z.number().int().min(1)).extend({
            path: absolutePath,
            pattern: z
              .string()
              .min(1)
              .max(200)
              .regex(/^[^\n\r\0]+$/, 'invalid pattern (one line)'),
            window: duration.default('1h'),
          }),
        )
        .optional(),
      allowedPorts: z.array(z.number().int().min(1).max(65535)).optional(),
      appPaths: z.array(absolutePath).optional(),
    })
    .optional(),
});

export const targetSchema = z.strictObject({
  description: z.string().optional(),
  health: z.array(healthCheckSchema).optional(),
  postgres: z.array(postgresSchema).optional(),
  sqlite: z.array(sqliteSchema).optional(),
  servers: serversSchema.optional(),
});

const responseTarget = z.strictObject({ respondWithin: duration, repeatEvery: duration.optional() });
const subscriberList = z.array(
  z
    .string()
    .refine(
      (s) =>
        /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s) ||
        /^https:\/\/\S+$/.test(s) ||
        /^\+[1-9]\d{6,14}$/.test(s) ||
        /^arn:aws[a-z-]*:[a-z0-9-]+:/.test(s),
      'invalid subscriber (an e-mail address, an https:// URL, a +phone number or an ARN)',
    ),
);

export const silenceSchema = z
  .strictObject({
    target: targetName.optional(),
    check: z.string().optional(),
    reason: z.string().min(1),
    /** One-off silence: until this instant. */
    until: z.iso.datetime({ offset: true }).optional(),
    /** Recurring weekly window in the config timezone, like the runbooks' maintenance slots. */
    weekly: z.strictObject({ days: z.array(weekday).min(1), from: hhmm, to: hhmm }).optional(),
  })
  .refine((s) => (s.until === undefined) !== (s.weekly === undefined), 'give exactly one of "until" or "weekly"');

export const configSchema = z
  .strictObject({
    timezone: z.string().refine(isTimeZone, 'unknown IANA time zone').default('UTC'),
    language: z.enum(['en', 'ja']).default('en'),
    severities: z
      .strictObject({
        critical: responseTarget.optional(),
        high: responseTarget.optional(),
        medium: responseTarget.optional(),
        low: responseTarget.optional(),
      })
      .default({}),
    subscribers: z
      .strictObject({
        critical: subscriberList.optional(),
        high: subscriberList.optional(),
        medium: subscriberList.optional(),
        low: subscriberList.optional(),
        digest: subscriberList.optional(),
        chat: chatSubscribersSchema.optional(),
      })
      .default({}),
    alerting: z
      .strictObject({
        /** Consecutive failing runs before the first alert (the first success clears it). */
        consecutiveFailures: z.number().int().min(1).max(100).default(2),
        /** State changes within the last `flapWindow` runs that mark a check as flapping. */
        flapThreshold: z.number().int().min(2).max(50).default(4),
        flapWindow: z.number().int().min(3).max(50).default(10),
      })
      .default({ consecutiveFailures: 2, flapThreshold: 4, flapWindow: 10 }),
    silences: z.array(silenceSchema).default([]),
    schedules: z
      .strictObject({
        disk: duration.default('1h'),
        security: duration.default('1d'),
        digest: hhmm.default('09:00'),
      })
      .default({ disk: '1h', security: '1d', digest: '09:00' }),
    targets: z
      .record(targetName, targetSchema, {
        error: (issue) =>
          issue.code === 'invalid_key' ? 'invalid target name (lowercase letters, digits and "-", at most 40)' : undefined,
      })
      .refine((targets) => Object.keys(targets).length > 0, 'at least one target is required'),
  })
  .superRefine((config, ctx) => {
    for (const [target, t] of Object.entries(config.targets)) {
      const seen = new Set<string>();
      const names = [
        ...(t.health ?? []).map((h, i) => [checkNameOf(h), ['targets', target, 'health', i]] as const),
        ...(t.postgres ?? []).map((p, i) => [checkNameOf(p), ['targets', target, 'postgres', i]] as const),
        ...(t.sqlite ?? []).map((s, i) => [s.name, ['targets', target, 'sqlite', i]] as const),
      ];
      for (const [name, path] of names) {
        if (seen.has(name))
          ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate check name "${name}" in target ${target}` });
        seen.add(name);
      }
      for (const [i, p] of (t.postgres ?? []).entries()) {
        const c = p.checks?.connections;
        if (c && c.warning > c.critical)
          ctx.addIssue({
            code: 'custom',
            path: ['targets', target, 'postgres', i, 'checks', 'connections', 'warning'],
            message: 'warning must not exceed critical',
          });
        if (p.password !== undefined && p.passwordParameter !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['targets', target, 'postgres', i, 'password'],
            message: 'give either password (local runs) or passwordParameter, not both',
          });
      }
      const d = t.servers?.disk;
      if (d && d.warning > d.critical)
        ctx.addIssue({
          code: 'custom',
          path: ['targets', target, 'servers', 'disk', 'warning'],
          message: 'warning must not exceed critical',
        });
    }
    for (const [i, s] of config.silences.entries()) {
      if (s.target !== undefined && !(s.target in config.targets))
        ctx.addIssue({ code: 'custom', path: ['silences', i, 'target'], message: `unknown target "${s.target}"` });
    }
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
export type PostgresConfig = z.output<typeof postgresSchema>;
export type SqliteConfig = z.output<typeof sqliteSchema>;
export type ServersConfig = z.output<typeof serversSchema>;
export type BackupConfig = z.output<typeof backupSchema>;
export type SilenceConfig = z.output<typeof silenceSchema>;

/** The check name of CONTRACT section 2: `name`, or one derived from the URL path or database. */
export function checkNameOf(check: { name?: string; url?: string; database?: string; host?: string }): string {
  if (check.name) return check.name;
  if (check.url && URL.canParse(check.url)) {
    const url = new URL(check.url);
    const path = url.pathname.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '-');
    return path ? `${url.hostname}-${path}` : url.hostname;
  }
  return check.database ?? check.host ?? 'check';
}
