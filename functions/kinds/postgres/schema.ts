import { z } from 'zod';
import { backupSchema, checkName, duration, levelOrderProblem, percent, severityOverride } from '../../core/config/fields.js';

/** `targets.<t>.postgres[]`: one database, probed by the health job and backed up by the backup job. */
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

export type PostgresConfig = z.output<typeof postgresSchema>;

/** Rules across fields, reported with the field's path under the check (`checks.connections.warning`). */
export function validatePostgres(p: PostgresConfig, issue: (path: readonly (string | number)[], message: string) => void): void {
  const order = levelOrderProblem(p.checks?.connections);
  if (order) issue(['checks', 'connections', 'warning'], order);
  if (p.password !== undefined && p.passwordParameter !== undefined)
    issue(['password'], 'give either password (local runs) or passwordParameter, not both');
}
