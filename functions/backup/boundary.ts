/**
 * What the CDK constructs know of the backup job: its entry points, the task input's environment names, which
 * databases the config backs up, and the host-backup script. The one module of functions/backup that lib/ imports,
 * so a construct never loads pg, the S3 client or the dump code.
 */
export { backedUpEntries, type BackedUpEntry } from './entries.js';
export { HOST_BACKUP_SCRIPT } from './ssm/host-backup-script.js';

/** The modules a deployment bundles, relative to the project root. */
export const BACKUP_ENTRY_POINTS = {
  /** `createHandler(config)`: the Lambda function (zip, or the image's index.mjs). */
  handler: 'functions/backup/handler.ts',
  /** `taskMain(config)`: the same image run as an ECS task (task.mjs). */
  task: 'functions/backup/task-entry.ts',
} as const;

/** The task input's environment variables (read by task-entry.ts, set by the task definition and the schedule). */
export const BACKUP_TASK_ENV = { target: 'AUTOPILOT_TARGET', database: 'AUTOPILOT_DATABASE', timeout: 'AUTOPILOT_TASK_TIMEOUT' } as const;
