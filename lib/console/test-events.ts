import { createHash } from 'node:crypto';
import * as schemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { JOBS, type Job } from '../../functions/core/jobs.js';
import { checksOfTarget } from '../../functions/kinds/catalog.js';
import { groupByFunction, pascal, type WatchedFunction } from '../monitoring/watched-function.js';
import { TestEventRegistry } from './test-event-registry.js';
import type { Config } from '../../functions/kinds/config.js';

/** The EventBridge schema registry the Lambda console reads shareable test events from. */
export const TEST_EVENT_REGISTRY = 'lambda-testevent-schemas';

/** The console's naming convention: one schema per function, `_<function name>-schema`. */
export function testEventSchemaName(functionName: string): string {
  return `_${functionName}-schema`;
}

export interface ConsoleTestEvent {
  /** What the console lists: `mycats-now`, `backup-mycats-now`, `disk-all-now`. */
  readonly name: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Jobs whose function may run both server checks: their events name the job. */
const SERVER_JOBS: readonly Job[] = ['disk', 'security'];

/** The targets a job does something for; a test event for any other would run nothing. */
export function targetsForJob(config: Config, job: Job): string[] {
  const entries = Object.entries(config.targets);
  switch (job) {
    case 'health':
      return entries.filter(([name, t]) => checksOfTarget(name, t).length > 0).map(([name]) => name);
    case 'backup':
      return entries.filter(([, t]) => [...(t.postgres ?? []), ...(t.sqlite ?? [])].some((d) => d.backup)).map(([name]) => name);
    case 'disk':
    case 'security':
      return entries.filter(([, t]) => t.servers).map(([name]) => name);
    case 'digest':
      return [];
  }
}

/**
 * A job's console test events: "run everything now" and "run this target now" for each target
 * the job covers. The health job's names carry no prefix (`mycats-now`, `all-now`); the others
 * start with the job (`backup-mycats-now`). The server-check events name their job, since one
 * function may serve both. The digest has one event: send today's digest now.
 */
export function consoleTestEvents(config: Config, job: Job, targets: readonly string[] = targetsForJob(config, job)): ConsoleTestEvent[] {
  if (job === 'digest') return [{ name: 'digest-now', event: {} }];
  const prefix = job === 'health' ? '' : `${job}-`;
  const base = SERVER_JOBS.includes(job) ? { job } : {};
  return uniqueEventNames([
    { name: eventName(prefix, 'all'), event: { ...base } },
    ...targets.map((target) => ({ name: eventName(prefix, target), event: { ...base, targets: [target] } })),
  ]);
}

/**
 * Names that two events share (two valid target names alike in their first 25 characters, or a
 * target called "all") are told apart by a short hash of the event itself: stable across synths,
 * and still within the console's 25 characters.
 */
export function uniqueEventNames(events: readonly ConsoleTestEvent[]): ConsoleTestEvent[] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  const named = events.map((e) => {
    if (counts.get(e.name) === 1) return e;
    const hash = createHash('sha256').update(JSON.stringify(e.event)).digest('hex').slice(0, 6);
    return { ...e, name: `${e.name.slice(0, MAX_EVENT_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}` };
  });
  const seen = new Set<string>();
  for (const e of named) {
    if (seen.has(e.name)) throw new Error(`duplicate test event name "${e.name}"`);
    seen.add(e.name);
  }
  return named;
}

/** The console keeps test event names short (25 characters): drop "-now", then the job prefix, then cut. */
export const MAX_EVENT_NAME = 25;
function eventName(prefix: string, target: string): string {
  for (const name of [`${prefix}${target}-now`, `${prefix}${target}`, target]) if (name.length <= MAX_EVENT_NAME) return name;
  return target.slice(0, MAX_EVENT_NAME);
}

/**
 * The schema document: OpenAPI 3 describing the invoke event (so the registry shows what a
 * function accepts), with the test events under `components.examples`, each as `{ value }`,
 * which is where the console (and `sam remote test-event`) reads them.
 */
export function testEventSchemaContent(config: Config, events: readonly ConsoleTestEvent[]): Record<string, unknown> {
  const examples: Record<string, { value: Readonly<Record<string, unknown>> }> = {};
  for (const e of events) {
    if (examples[e.name]) throw new Error(`duplicate test event name "${e.name}"`);
    examples[e.name] = { value: e.event };
  }
  return {
    openapi: '3.0.0',
    info: { version: '1.0.0', title: 'Event' },
    paths: {},
    components: {
      schemas: {
        Event: {
          type: 'object',
          additionalProperties: false,
          properties: {
            targets: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', enum: Object.keys(config.targets) },
              description: 'Only these targets; leave out for all.',
            },
            job: {
              type: 'string',
              enum: JOBS,
              description: 'The job, for a function that runs several.',
            },
            source: { type: 'string', enum: ['schedule', 'console', 'cli'] },
            every: { type: 'string', description: 'Only the checks scheduled at this interval, e.g. "5m".' },
            database: { type: 'string' },
          },
        },
      },
      examples,
    },
  };
}

export interface ConsoleTestEventFunction extends Pick<WatchedFunction, 'job' | 'fn' | 'name'> {
  /** Targets to offer for this job. @default every target the job does something for */
  readonly targets?: readonly string[];
}

export interface ConsoleTestEventsProps {
  readonly config: Config;
  /** A function listed once per job it serves gets one schema holding the events of each. */
  readonly functions: readonly ConsoleTestEventFunction[];
}

/**
 * Shareable Lambda test events for every job function, made by the stack, so an operator picks
 * "backup-mycats-now" from the console's Test tab instead of typing JSON. The registry they go in
 * is made sure of first (`TestEventRegistry`: created when missing, never deleted), so the first
 * deploy in a fresh account or region works.
 */
export class ConsoleTestEvents extends Construct {
  readonly registry: TestEventRegistry;
  /** One schema per function, by the function's name in the suite (`health`, `backup`, ...). */
  readonly schemas: Readonly<Record<string, schemas.CfnSchema>>;
  /** The events of each function, by the same name. */
  readonly events: Readonly<Record<string, readonly ConsoleTestEvent[]>>;

  constructor(scope: Construct, id: string, props: ConsoleTestEventsProps) {
    super(scope, id);
    this.registry = new TestEventRegistry(this, 'Registry', {
      registryName: TEST_EVENT_REGISTRY,
      description: 'Shareable Lambda test events (read by the Lambda console)',
    });

    const byName: Record<string, schemas.CfnSchema> = {};
    const eventsByName: Record<string, ConsoleTestEvent[]> = {};
    for (const group of groupByFunction(props.functions)) {
      const entries = props.functions.filter((f) => f.fn === group.fn);
      const events = uniqueEventNames(
        group.jobs.flatMap((job) => consoleTestEvents(props.config, job, entries.find((e) => e.job === job && e.targets)?.targets)),
      );
      const schema = new schemas.CfnSchema(this, `${pascal(group.name)}Schema`, {
        registryName: TEST_EVENT_REGISTRY,
        // The function's physical name is a token until deploy: this becomes an Fn::Join.
        schemaName: testEventSchemaName(group.fn.functionName),
        type: 'OpenApi3',
        description: `Console test events of the ops-autopilot ${group.jobs.join('/')} function`,
        content: JSON.stringify(testEventSchemaContent(props.config, events)),
      });
      schema.node.addDependency(this.registry.resource);
      byName[group.name] = schema;
      eventsByName[group.name] = events;
    }
    this.schemas = byName;
    this.events = eventsByName;
  }
}
