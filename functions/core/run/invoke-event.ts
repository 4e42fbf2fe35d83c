import { z } from 'zod';
import type { CoreConfig } from '../config/schema.js';
import { DURATION_PATTERN } from '../config/duration.js';
import { issuesOf } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import { JOBS } from '../jobs.js';

/**
 * What a function accepts: the scheduler's event (`source: "schedule"` plus what the schedule
 * selects) or a console test event such as `{ "targets": ["mycats"] }`.
 */
export const invokeEventSchema = z
  .strictObject({
    source: z.enum(['schedule', 'console', 'cli']).optional(),
    job: z.enum(JOBS).optional(),
    targets: z.array(z.string()).min(1, 'give at least one target, or leave "targets" out for all').optional(),
    every: z.string().regex(DURATION_PATTERN, 'invalid duration').optional(),
    /** One part of an interval's checks (lib/health/health-plan.ts healthRuns): checks i with i % parts === part. */
    part: z.number().int().min(0).optional(),
    parts: z.number().int().min(1).max(1000).optional(),
    database: z.string().optional(),
  })
  .refine((e) => (e.part === undefined) === (e.parts === undefined) && (e.part ?? 0) < (e.parts ?? 1), {
    message: 'give "part" and "parts" together, part below parts',
    path: ['part'],
  });

export type InvokeEvent = z.output<typeof invokeEventSchema>;

/** Validates an event against the schema and the config; an unknown target names its index. */
export function parseInvokeEvent(event: unknown, config: CoreConfig): InvokeEvent {
  const parsed = invokeEventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = issuesOf(parsed.error, 'event');
    throw new ConfigError(`invalid event:\n  ${issues.join('\n  ')}`, issues);
  }
  const issues = unknownTargetIssues(config, parsed.data.targets, 'event.targets');
  if (issues.length) throw new ConfigError(`invalid event:\n  ${issues.join('\n  ')}`, issues);
  return parsed.data;
}

/** `<field>[i]: unknown target "x" (known: ...)` for each name the config has no target of. */
export function unknownTargetIssues(config: CoreConfig, targets: readonly string[] | undefined, field: string): string[] {
  const known = Object.keys(config.targets);
  return (targets ?? []).flatMap((name, i) =>
    Object.hasOwn(config.targets, name) ? [] : [`${field}[${i}]: unknown target "${name}" (known: ${known.join(', ')})`],
  );
}

/**
 * The one way a selection of targets is read, by the CLI (`--target`), the functions' events and the jobs: every
 * name must be a target of the config (a ConfigError names the field and index of each that is not), and the run
 * covers the selection in config order, or every target when none is given.
 */
export function selectedTargets(config: CoreConfig, targets?: readonly string[], field = 'targets'): string[] {
  const issues = unknownTargetIssues(config, targets, field);
  if (issues.length) throw new ConfigError(issues.join('\n'), issues);
  return targets?.length ? Object.keys(config.targets).filter((t) => targets.includes(t)) : Object.keys(config.targets);
}
