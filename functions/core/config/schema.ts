import { z } from 'zod';
import { type AnyProbedKind, checksOfTarget } from '../kinds/catalog.js';
import { DEFAULT_RESPOND_WITHIN } from '../domain/severity.js';
import { chatSubscribersSchema } from './chat.js';
import { STATUS_PAGE_DEFAULTS, statusPageSchema } from './status-page.js';
import { MAX_TIMEOUT, MAX_TIMEOUT_MS, parseDuration } from './duration.js';
import { ereProblem } from './ere.js';
import { backupSchema, checkName, duration, hhmm, levelOrderProblem, memorySize, percent } from './fields.js';

export { backupSchema, checkNameOf } from './fields.js';

/*
 * The config schema, built from the check kinds it is given (buildConfigSchema): core holds every part of the config
 * that is no kind's (subscribers, severities, silences, schedules, network, servers, SQLite files) and takes the
 * probed kinds' arrays (`targets.<t>.<configKey>[]`) from the kinds layer's catalog, which composes the one schema the
 * suite validates with (functions/kinds/config.ts).
 */

/**
 * `<database>.backup-age`: the check name of a backed-up database's freshness finding in the health job
 * (functions/backup/freshness.ts names it so; a test holds the two together). Another check by that name would
 * share its alert state, each run overwriting the other's.
 */
export const BACKUP_AGE_SUFFIX = '.backup-age';

const targetName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'invalid target name (lowercase letters, digits and "-", at most 40)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/**
 * `timezone` is an IANA zone name ("Asia/Tokyo", "Etc/GMT-9", "UTC"): the schedules carry it to EventBridge Scheduler,
 * which takes names only. Node 24 also accepts UTC offsets ("+09:00"), so the name's shape is checked before Intl is
 * asked; an offset is refused with the names that mean it.
 */
export function timeZoneProblem(zone: string): string | undefined {
  const offset = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (offset) {
    const [, sign, hours, minutes = '00'] = offset;
    const whole = minutes === '00' && Number(hours) <= 14;
    // Etc/GMT zones count west as positive: +09:00 is Etc/GMT-9.
    const etc = whole ? `"Etc/GMT${sign === '+' ? '-' : '+'}${Number(hours)}" (note the inverted sign) or ` : '';
    return `"${zone}" is a UTC offset, not an IANA time zone name: use ${etc}the zone of a city, such as "Asia/Tokyo"`;
  }
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(zone)) return `unknown IANA time zone "${zone}"`;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown IANA time zone "${zone}"`;
  }
}

/** A count's warning and critical levels; `what` names the count for the config reference. */
const warnCrit = <T extends z.ZodTypeAny>(value: T, what: string) =>
  z.strictObject({
    warning: value.describe(`${what} at which the check is a warning-level breach`),
    critical: value.optional().describe(`${what} at which it is a critical-level breach`),
  });

export const sqliteSchema = z
  .strictObject({
    name: checkName.describe("the database's name in backup keys, alerts and the digest; unique within the target"),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._\-/]+$/, 'invalid path (absolute, letters, digits, ".", "_", "-", "/")')
      .describe('the SQLite file on the servers (absolute path)'),
    backup: backupSchema.optional().describe('back the file up with `sqlite3 .backup` on the servers, through SSM Run Command'),
  })
  .describe("SQLite files on the target's servers, backed up on the host through SSM");

const absolutePath = z.string().regex(/^\/[A-Za-z0-9._\-/]*$/, 'invalid path (absolute, letters, digits, ".", "_", "-", "/")');

/** One line of printable text: what reaches a server script (as base64 data) and is echoed in findings. */
const oneLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'invalid text (one line, no control characters)');

/** A service the servers must be running: exactly one of a command line, a systemd unit or a PM2 app. */
export const processSchema = z
  .strictObject({
    name: checkName.describe('names the finding: `<host>/process:<name>`; unique within the target'),
    match: oneLine(200)
      .optional()
      .describe("a fixed string (not a regular expression) the process's command line, its arguments joined by spaces, contains"),
    unit: z
      .string()
      .regex(/^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]{0,254}$/, 'invalid unit name (letters, digits, ":", "_", ".", "@", "\\", "-")')
      .optional()
      .describe('a systemd unit (`nginx`, `puma.service`) that must be active; its main process counts'),
    pm2: oneLine(100).optional().describe("a PM2 app's name; every instance of it (cluster mode) counts"),
    min: z.number().int().min(1).max(10_000).default(1).describe('fewer running (PM2: online) is High'),
    maxRss: memorySize.optional().describe('a process over this resident size is Medium (`"512MB"`; binary units, as ps counts)'),
  })
  .superRefine((p, ctx) => {
    const given = (['match', 'unit', 'pm2'] as const).filter((key) => p[key] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: given.length ? [given[1]!] : [],
        message: `give exactly one of "match", "unit" or "pm2"${given.length ? `, not ${given.map((g) => `"${g}"`).join(' and ')}` : ''}`,
      });
  });

/** Warning and critical levels of one resource, in percent. */
const resourceLevels = (what: string) => warnCrit(percent, what);

export const serversSchema = z
  .strictObject({
    tags: z
      .record(
        z.string().regex(/^[A-Za-z0-9 _.:/=+\-@]{1,128}$/, 'invalid tag key'),
        z.string().regex(/^[A-Za-z0-9 _.:/=+\-@]{0,256}$/, 'invalid tag value'),
      )
      .refine((tags) => Object.keys(tags).length > 0, 'at least one tag is required')
      .meta({ docKey: 'tag' })
      .describe('the SSM targets: EC2 instances and hybrid nodes carrying all of these tags'),
    disk: z
      .strictObject({
        warning: percent.describe('% used (space or inodes) that is a warning-level breach'),
        critical: percent.describe('% used that is a critical-level breach'),
        paths: z.array(absolutePath).optional().describe('directories checked besides every real filesystem'),
      })
      .optional()
      .describe('the disk job: space and inode use of every real filesystem'),
    resources: z
      .strictObject({
        cpu: resourceLevels('% CPU busy, averaged since the previous run,')
          .optional()
          .describe('CPU use averaged over the whole interval since the previous run (/proc/stat counters kept on the host)'),
        memory: resourceLevels('% memory in use (total less MemAvailable)')
          .optional()
          .describe('memory in use: MemTotal less MemAvailable (page cache that can be reclaimed is not counted)'),
        swap: resourceLevels('% swap in use').optional().describe('swap in use (SwapTotal less SwapFree); no swap is ok'),
        load: warnCrit(z.number().min(0).max(1000), '15-minute load average per CPU (1 = every CPU busy or waiting)')
          .optional()
          .describe('the 15-minute load average divided by the number of CPUs'),
      })
      .optional()
      .describe('the disk job: CPU, memory, swap and load of every server, in percent (load per CPU)'),
    processes: z
      .array(processSchema)
      .max(20)
      .optional()
      .describe('the disk job: services that must run, by command line, systemd unit or PM2 app, with their resident size'),
    security: z
      .strictObject({
        failedLogins: warnCrit(z.number().int().min(1), 'failed SSH logins in the window')
          .extend({ window: duration.default('1h').describe('how far back logins are counted') })
          .optional()
          .describe('failed SSH logins (journald, /var/log/auth.log or /var/log/secure)'),
        logPatterns: z
          .array(
            warnCrit(z.number().int().min(1), 'matching lines in the window').extend({
              path: absolutePath.describe('the log file'),
              pattern: z
                .string()
                .min(1)
                .max(200)
                .regex(/^[^\n\r\0]+$/, 'invalid pattern (one line)')
                .describe('a fixed string counted per line, or an extended regular expression with `regex: true`'),
              regex: z
                .boolean()
                .default(false)
                .describe('the pattern is a POSIX extended regular expression (`grep -E`), checked when the config is loaded'),
              window: duration.default('1h').describe('how far back lines are counted'),
            }),
          )
          .optional()
          .describe('lines of a log file matching a fixed string or an extended regular expression, counted in a window'),
        allowedPorts: z
          .array(z.number().int().min(1).max(65535))
          .optional()
          .describe('listening TCP ports (loopback excluded) that are expected; any other is reported. Absent: ports are only listed'),
        appPaths: z.array(absolutePath).optional().describe('directories searched for world-readable .env files'),
      })
      .optional()
      .describe('the security job: failed logins, log patterns, sshd settings, UID 0 accounts, ports, updates, .env files'),
  })
  .describe('servers of the target, reached through SSM Run Command by the disk and security jobs');

/** Each probed kind's array, `targets.<t>.<configKey>[]`, typed by the kind's schema. */
export type KindArrays<K extends readonly AnyProbedKind[]> = {
  [E in K[number] as E['configKey']]: z.ZodOptional<z.ZodArray<E['schema']>>;
};

const baseTargetShape = {
  description: z.string().optional().describe('free text for people reading the config'),
  sqlite: z.array(sqliteSchema).optional(),
  servers: serversSchema.optional(),
};
/** What core reads of a target: the parts that are no kind's. */
type BaseTarget = z.output<z.ZodObject<typeof baseTargetShape>>;

/** A target: the kinds' check arrays, SQLite files and servers. */
export function buildTargetSchema<const K extends readonly AnyProbedKind[]>(kinds: K) {
  const arrays = Object.fromEntries(kinds.map((kind) => [kind.configKey, z.array(kind.schema).optional()])) as KindArrays<K>;
  return z
    .strictObject({ ...baseTargetShape, ...arrays } as typeof baseTargetShape & KindArrays<K>)
    .describe('one system: its checks of each kind, SQLite files and servers');
}

const awsId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `invalid id (${prefix}-...)`);

export const networkSchema = z
  .strictObject({
    vpcId: awsId('vpc').describe('the VPC, imported by id (no lookup: synth needs no credentials)'),
    /** Private subnets for the functions (one per Availability Zone is enough; two for redundancy). */
    subnetIds: z.array(awsId('subnet')).min(1).describe('private subnets the VPC functions and tasks run in (two AZs for redundancy)'),
    /** Security groups for the functions; an egress-only one is created when absent. */
    securityGroupIds: z
      .array(awsId('sg'))
      .min(1)
      .optional()
      .describe("the functions' security groups; absent: one is made with no inbound rules and only the egress they need"),
    /** Route tables of those subnets: an S3 gateway endpoint (free) is added to them. */
    routeTableIds: z
      .array(awsId('rtb'))
      .min(1)
      .optional()
      .describe('route tables of those subnets: an S3 gateway endpoint (free) is added to them'),
    /** Interface endpoints for the AWS APIs the VPC functions call, instead of a NAT gateway. */
    interfaceEndpoints: z
      .boolean()
      .default(false)
      .describe('add an interface endpoint for each AWS API the VPC functions call, instead of a NAT gateway'),
  })
  .describe('the VPC private databases live in; the functions that reach them run in it');

const responseTarget = z.strictObject({
  respondWithin: duration.describe('the response target, quoted in every notice of this severity'),
  repeatEvery: duration.optional().describe('how often an open alert is sent again (default: respondWithin)'),
});
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
    target: targetName.optional().describe('the target it holds back; absent: every target'),
    check: z.string().optional().describe('the check name it holds back; absent: every check of the target'),
    reason: z.string().min(1).describe('why, for the people reading the config'),
    /** One-off silence: until this instant. */
    until: z.iso.datetime({ offset: true }).optional().describe('a one-off silence: until this instant (with its offset)'),
    /** Recurring weekly window in the config timezone, like the runbooks' maintenance slots. */
    weekly: z
      .strictObject({
        days: z.array(weekday).min(1).describe('the days of the window'),
        from: hhmm.describe('start, in `timezone`'),
        to: hhmm.describe('end, in `timezone`'),
      })
      .optional()
      .describe('a recurring window in `timezone`, such as a deploy slot'),
  })
  .refine((s) => (s.until === undefined) !== (s.weekly === undefined), 'give exactly one of "until" or "weekly"');

/**
 * The suite's config schema for the given probed kinds (the kinds catalog passes the registered ones). Cross-field
 * rules that are a kind's own run through its `validate`; the rest (check names unique per target, timeouts within
 * intervals, level order, silences naming known targets) are here.
 */
export function buildConfigSchema<const K extends readonly AnyProbedKind[]>(kinds: K) {
  const targetSchema = buildTargetSchema(kinds);
  return z
    .strictObject({
      timezone: z
        .string()
        .superRefine((zone, ctx) => {
          const problem = timeZoneProblem(zone);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .default('UTC')
        .describe('IANA time zone (`Asia/Tokyo`, not an offset) of every schedule, silence window and the digest'),
      language: z.enum(['en', 'ja']).default('en').describe('language of notices and the digest'),
      severities: z
        .strictObject({
          critical: responseTarget.optional().describe(`response target of critical alerts (default ${DEFAULT_RESPOND_WITHIN.critical})`),
          high: responseTarget.optional().describe(`response target of high alerts (default ${DEFAULT_RESPOND_WITHIN.high})`),
          medium: responseTarget.optional().describe(`response target of medium alerts (default ${DEFAULT_RESPOND_WITHIN.medium})`),
          low: responseTarget.optional().describe(`response target of low alerts (default ${DEFAULT_RESPOND_WITHIN.low})`),
        })
        .default({})
        .describe("the severity matrix's response targets"),
      subscribers: z
        .strictObject({
          critical: subscriberList.optional().describe('receive critical notices: e-mail addresses, https:// URLs, +phone numbers, ARNs'),
          high: subscriberList.optional().describe('receive high notices'),
          medium: subscriberList.optional().describe('receive medium notices'),
          low: subscriberList.optional().describe('receive low notices'),
          digest: subscriberList.optional().describe('receive the daily digest'),
          chat: chatSubscribersSchema.optional(),
        })
        .default({})
        .describe('who receives what: one SNS topic per severity and one for the digest'),
      alerting: z
        .strictObject({
          /** Consecutive failing runs before the first alert (the first success clears it). */
          consecutiveFailures: z.number().int().min(1).max(100).default(2).describe('failing runs in a row before the first alert'),
          /** State changes within the last `flapWindow` runs that mark a check as flapping. */
          flapThreshold: z
            .number()
            .int()
            .min(2)
            .max(50)
            .default(4)
            .describe('state changes within the last flapWindow runs that mark a check as flapping'),
          flapWindow: z.number().int().min(3).max(50).default(10).describe('the runs flapThreshold counts over'),
        })
        .default({ consecutiveFailures: 2, flapThreshold: 4, flapWindow: 10 })
        .describe('when a failing check alerts'),
      /** The VPC that private databases live in; the functions that talk to them run in it. */
      network: networkSchema.optional(),
      /**
       * A CloudWatch dashboard besides the saved Logs Insights queries, which the stack always makes and which show the same
       * tables. Off by default: a dashboard is $3 a month at list price (free within an account's three always-free ones).
       */
      dashboard: z
        .boolean()
        .default(false)
        .describe('a CloudWatch dashboard besides the saved Logs Insights queries ($3 a month at list price)'),
      /** The status page: private by default, `public: true` also serves a public variant through CloudFront. */
      statusPage: statusPageSchema.default(STATUS_PAGE_DEFAULTS).describe('the status page: who may read it and what it shows'),
      silences: z.array(silenceSchema).default([]).describe('windows in which notices are held back'),
      schedules: z
        .strictObject({
          disk: duration.default('1h').describe('how often the disk job runs'),
          security: duration.default('1d').describe('how often the security job runs'),
          digest: hhmm.default('09:00').describe('when the daily digest goes out, in `timezone`'),
        })
        .default({ disk: '1h', security: '1d', digest: '09:00' })
        .describe('when the server checks and the digest run'),
      targets: z
        .record(targetName, targetSchema, {
          error: (issue) =>
            issue.code === 'invalid_key' ? 'invalid target name (lowercase letters, digits and "-", at most 40)' : undefined,
        })
        .refine((targets) => Object.keys(targets).length > 0, 'at least one target is required')
        .meta({ docKey: 'target' })
        .describe('the systems watched, by name (lowercase letters, digits and "-", at most 40 characters)'),
    })
    .superRefine((config, ctx) => {
      for (const [target, value] of Object.entries(config.targets)) {
        const t = value as BaseTarget;
        const seen = new Set<string>();
        const checks = checksOfTarget(target, t, kinds);
        const names = [
          ...checks.map((c) => [c.name, ['targets', target, c.kind.configKey, c.index]] as const),
          ...(t.sqlite ?? []).map((s, i) => [s.name, ['targets', target, 'sqlite', i]] as const),
        ];
        // The health job reports each backed-up database's freshness as a check of its own: its name is taken.
        const taken = new Map<string, string>(
          [...checks.flatMap((c) => c.kind.backedUpDatabase?.(c.check) ?? []), ...(t.sqlite ?? []).map((s) => s.name)].map((database) => [
            `${database}${BACKUP_AGE_SUFFIX}`,
            database,
          ]),
        );
        for (const [name, path] of names) {
          if (seen.has(name))
            ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate check name "${name}" in target ${target}` });
          else if (taken.has(name))
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'name'],
              message: `check name "${name}" is taken by the backup freshness check of ${taken.get(name)} in target ${target}`,
            });
          seen.add(name);
        }
        for (const c of checks) {
          const issue = (path: readonly (string | number)[], message: string) =>
            ctx.addIssue({ code: 'custom', path: ['targets', target, c.kind.configKey, c.index, ...path], message });
          const timeoutProblem = timeoutWithinInterval(c.kind.plan(c.check));
          if (timeoutProblem) issue(['timeout'], timeoutProblem);
          c.kind.validate?.(c.check, issue, { network: config.network !== undefined });
        }
        const servers = t.servers;
        const resources = servers?.resources;
        const levels: LevelsAt[] = [
          [['disk'], servers?.disk],
          [['security', 'failedLogins'], servers?.security?.failedLogins],
          ...(servers?.security?.logPatterns ?? []).map((p, i): LevelsAt => [['security', 'logPatterns', i], p]),
          ...(['cpu', 'memory', 'swap', 'load'] as const).map((r): LevelsAt => [['resources', r], resources?.[r]]),
        ];
        for (const [path, pair] of levels) {
          const problem = levelOrderProblem(pair);
          if (problem) ctx.addIssue({ code: 'custom', path: ['targets', target, 'servers', ...path, 'warning'], message: problem });
        }
        for (const [i, p] of (servers?.security?.logPatterns ?? []).entries()) {
          const problem = p.regex ? ereProblem(p.pattern) : undefined;
          if (problem)
            ctx.addIssue({
              code: 'custom',
              path: ['targets', target, 'servers', 'security', 'logPatterns', i, 'pattern'],
              message: problem,
            });
        }
        const processNames = new Set<string>();
        for (const [i, p] of (servers?.processes ?? []).entries()) {
          if (processNames.has(p.name))
            ctx.addIssue({
              code: 'custom',
              path: ['targets', target, 'servers', 'processes', i, 'name'],
              message: `duplicate process name "${p.name}" in target ${target}`,
            });
          processNames.add(p.name);
        }
      }
      const { flapThreshold, flapWindow } = config.alerting;
      if (flapThreshold > flapWindow)
        ctx.addIssue({
          code: 'custom',
          path: ['alerting', 'flapThreshold'],
          message: `flapThreshold (${flapThreshold}) must not exceed flapWindow (${flapWindow}): that many changes never fit in the window`,
        });
      for (const [i, entry] of config.statusPage.hide.entries()) {
        const slash = entry.indexOf('/');
        const [target, check] = slash < 0 ? [entry, undefined] : [entry.slice(0, slash), entry.slice(slash + 1)];
        const t = config.targets[target] as BaseTarget | undefined;
        if (!t) {
          ctx.addIssue({ code: 'custom', path: ['statusPage', 'hide', i], message: `unknown target "${target}"` });
          continue;
        }
        const names = [...checksOfTarget(target, t, kinds).map((c) => c.name), ...(t.sqlite ?? []).map((s) => s.name)];
        if (check !== undefined && !names.includes(check) && !names.some((name) => `${name}${BACKUP_AGE_SUFFIX}` === check))
          ctx.addIssue({ code: 'custom', path: ['statusPage', 'hide', i], message: `unknown check "${check}" in target ${target}` });
      }
      for (const [i, s] of config.silences.entries()) {
        if (s.target !== undefined && !Object.hasOwn(config.targets, s.target))
          ctx.addIssue({ code: 'custom', path: ['silences', i, 'target'], message: `unknown target "${s.target}"` });
      }
    });
}

/** Warning and critical levels of one setting under `servers`, with its path there. */
type LevelsAt = readonly [
  path: readonly (string | number)[],
  levels: { readonly warning?: number; readonly critical?: number } | undefined,
];

/**
 * A check's timeout is a timer: at most MAX_TIMEOUT (a Lambda function's 15 minutes, far below Node's 2^31-1 ms
 * timer limit, past which a timer fires at once), and no longer than the check's interval, or runs would overlap.
 */
function timeoutWithinInterval({ every, timeout }: { readonly every: string; readonly timeout: string }): string | undefined {
  // Runs even when a field failed its own rule (zod goes on after those), so an unparsable value is skipped here.
  const [ms, everyMs] = [parseDuration(timeout), parseDuration(every)];
  if (ms === undefined || everyMs === undefined) return undefined;
  if (ms > MAX_TIMEOUT_MS) return `timeout (${timeout}) must be at most ${MAX_TIMEOUT}`;
  if (ms > everyMs) return `timeout (${timeout}) must not exceed every (${every}), the check's interval`;
  return undefined;
}

/** The config with no kind's arrays: what core's own modules read (the kinds catalog's `Config` extends it). */
type CoreConfigSchema = ReturnType<typeof buildConfigSchema<[]>>;
export type CoreConfig = z.output<CoreConfigSchema>;
export type CoreConfigInput = z.input<CoreConfigSchema>;
export type TargetConfig = z.output<ReturnType<typeof buildTargetSchema<[]>>>;
export type SqliteConfig = z.output<typeof sqliteSchema>;
export type ServersConfig = z.output<typeof serversSchema>;
export type BackupConfig = z.output<typeof backupSchema>;
export type SilenceConfig = z.output<typeof silenceSchema>;
export type NetworkConfig = z.output<typeof networkSchema>;
export type { StatusPageConfig } from './status-page.js';
export type { SecretRefConfig } from './fields.js';
