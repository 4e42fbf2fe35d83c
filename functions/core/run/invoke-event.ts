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
  const known = Object.keys(config.targets);
  const issues = (parsed.data.targets ?? []).flatMap((name, i) =>
    name in config.targets ? [] : [`event.targets[${i}]: unknown target "${name}" (known: ${known.join(', ')})`],
  );
  if (issues.length) throw new ConfigError(`invalid event:\n  ${issues.join('\n  ')}`, issues);
  return parsed.data;
}

/** Target names a run covers: the selection, or every target in config order. */
export function selectedTargets(config: CoreConfig, targets?: readonly string[]): string[] {
  return targets?.length ? Object.keys(config.targets).filter((t) => targets.includes(t)) : Object.keys(config.targets);
}
