import { z } from 'zod';
import {
  backupSchema,
  checkName,
  duration,
  levelOrderProblem,
  parameterName,
  percent,
  secretId,
  severityOverride,
} from '../../core/config/fields.js';
import type { CheckRulesContext, IssueReporter } from '../../core/kinds/contract.js';

const sslMode = z.enum(['require', 'verify-full']);

/** `targets.<t>.postgres[]`: one database, probed by the health job and backed up by the backup job. */
export const postgresSchema = z
  .strictObject({
    name: checkName.optional().describe('the check name in reports, alerts and backup keys (default: `database`)'),
    host: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.:_-]+$/, 'invalid host')
      .describe("the server's host name or IP address"),
    port: z.number().int().min(1).max(65535).default(5432).describe("the server's port"),
    database: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$/, 'invalid database name')
      .describe('the database name'),
    user: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,62}$/, 'invalid user name')
      .describe('the user the probe and pg_dump log in as'),
    passwordParameter: parameterName.optional().describe('the password, from this SSM SecureString'),
    password: z.string().optional().describe('the password in clear: --local runs only (refused at synth); PGPASSWORD works too'),
    /** Secrets Manager secret (name or ARN) holding RDS-style JSON: username, password, and host/port/dbname where present. */
    secret: secretId
      .optional()
      .describe('a Secrets Manager secret (name or ARN) with RDS-style JSON: username, password, and host, port, dbname where present'),
    /**
     * Log in with an RDS IAM authentication token. The function's role gets rds-db:connect as `user`: on the DB instance or
     * cluster whose resource id (`db-...` or `cluster-...`, "Resource ID" in the RDS console) is given, else on any of the account's.
     */
    iamAuth: z
      .union([
        z.boolean(),
        z.strictObject({
          resourceId: z
            .string()
            .regex(/^(db|cluster)-[A-Z0-9]{1,64}$/, 'invalid resourceId (the RDS "Resource ID": db-... or cluster-...)')
            .describe('the DB instance\'s or cluster\'s "Resource ID" (db-... or cluster-...), narrowing rds-db:connect to it'),
        }),
      ])
      .optional()
      .describe("log in with an RDS IAM authentication token for `user`, signed with the function's role (needs verify-full)"),
    /** false: plain; true or "require": encrypted, not verified; "verify-full": chain and host name checked. */
    ssl: z
      .union([
        z.boolean(),
        sslMode,
        z
          .strictObject({
            mode: sslMode.describe('"verify-full" checks the chain and host name; "require" encrypts without verifying'),
            ca: z.string().min(1, 'ca: give a PEM file').optional().describe('a PEM file of private CA certificates, read at synth'),
          })
          .refine((s) => s.ca === undefined || s.mode === 'verify-full', {
            message: 'ca needs mode "verify-full" (a CA is only used to verify)',
            path: ['ca'],
          }),
      ])
      .default('verify-full')
      .describe('false: plain text; true or "require": encrypted, not verified; "verify-full": chain and host name checked'),
    /** "vpc": probed and dumped from inside the top-level `network` (the default when it is set). */
    network: z
      .enum(['vpc', 'public'])
      .optional()
      .describe('"vpc": reached from inside the top-level `network` (the default when it is set); "public": from outside'),
    every: duration.default('5m').describe('how often the database is probed'),
    timeout: duration.default('10s').describe("the probe's time allowed; at most `every` and 15m"),
    checks: z
      .strictObject({
        connections: z
          .strictObject({
            warning: percent.describe('% of max_connections in use that is a warning-level breach'),
            critical: percent.describe('% of max_connections in use that is a critical-level breach'),
          })
          .optional()
          .describe('connections in use as % of max_connections'),
        longRunningQuery: duration.optional().describe('a query running longer than this is reported (needs pg_monitor for other roles)'),
      })
      .optional()
      .describe('what the probe measures besides connect and SELECT 1'),
    backup: backupSchema.optional().describe('back the database up with pg_dump on schedule'),
    severity: severityOverride.optional(),
  })
  .describe('PostgreSQL databases the health job probes and the backup job dumps');

export type PostgresConfig = z.output<typeof postgresSchema>;

/** Rules across fields, reported with the field's path under the check (`checks.connections.warning`). */
export function validatePostgres(p: PostgresConfig, issue: IssueReporter, context: CheckRulesContext): void {
  const order = levelOrderProblem(p.checks?.connections);
  if (order) issue(['checks', 'connections', 'warning'], order);
  const logins = (['password', 'passwordParameter', 'secret', 'iamAuth'] as const).filter((k) => p[k] !== undefined && p[k] !== false);
  if (logins.length > 1)
    issue([logins[1]!], `give one of password (local runs), passwordParameter, secret or iamAuth, not ${logins.join(' and ')}`);
  const verified = p.ssl === 'verify-full' || (typeof p.ssl === 'object' && p.ssl.mode === 'verify-full');
  if (p.iamAuth && !verified)
    issue(['ssl'], 'iamAuth sends a signed token as the password: RDS requires TLS for it, verify it ("verify-full")');
  if (p.backup?.runOn === 'fargate' && (!context.network || p.network === 'public'))
    issue(
      ['backup', 'runOn'],
      'runOn "fargate" runs the task in the top-level "network" (vpcId, subnetIds): set it, and keep this database in it',
    );
  if (p.backup?.runOn === 'fargate' && p.backup.via === 'ssm')
    issue(['backup', 'runOn'], 'runOn "fargate" dumps from a task; via "ssm" dumps on the host: choose one');
  if (p.network !== undefined && !context.network) issue(['network'], 'network needs the top-level "network" (vpcId, subnetIds)');
}

/** A password written into a deployed config would be bundled, in clear, into the functions' code. */
export function postgresDeploymentSecretIssues(p: PostgresConfig, issue: IssueReporter): void {
  if (p.password !== undefined)
    issue(
      ['password'],
      'passwords are refused in deployed config; store it as an SSM SecureString and set passwordParameter (or use secret or iamAuth)',
    );
}
