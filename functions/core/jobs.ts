/**
 * The suite's jobs, each declared once. The job lists of the CLI (`run <job>`, `run all`'s order),
 * the invoke event, the console test-event schema, the digest (which jobs' alert state it reads)
 * and the functions' default handler module derive from this table; the stack outputs naming a
 * job's function come from `functionNameOutput(job)` in the layout module.
 */
export interface JobDefinition {
  /** The module exporting `createHandler(config)`, relative to the project root. */
  readonly handlerFile: string;
  /** The job keeps alert state (`state/alerts/<job>.json`), which the digest reads. */
  readonly alerting: boolean;
  /** What one run does, for help texts and descriptions. */
  readonly summary: string;
}

/** In the order `autopilot run all` runs them: the digest last, so it reports what the others just found. */
export const JOB_REGISTRY = {
  health: { handlerFile: 'functions/health/handler.ts', alerting: true, summary: 'HTTP, TCP and PostgreSQL probes, backup freshness' },
  backup: { handlerFile: 'functions/backup/handler.ts', alerting: true, summary: 'pg_dump and SQLite backups to the bucket, verified' },
  disk: { handlerFile: 'functions/ssm-checks/handler.ts', alerting: true, summary: 'disk use on the servers' },
  security: { handlerFile: 'functions/ssm-checks/handler.ts', alerting: true, summary: 'failed logins, log patterns, ports, updates' },
  digest: { handlerFile: 'functions/digest/handler.ts', alerting: false, summary: 'the daily digest of every check and backup' },
} as const satisfies Record<string, JobDefinition>;

export type Job = keyof typeof JOB_REGISTRY;
export const JOBS = Object.keys(JOB_REGISTRY) as [Job, ...Job[]];
/** The jobs whose alert state the digest reads. */
export const ALERTING_JOBS: readonly Job[] = JOBS.filter((job) => JOB_REGISTRY[job].alerting);
