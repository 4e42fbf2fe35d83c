import { BACKUP_TASK_ENV } from './boundary.js';
import { dashboardValuesOf } from '../kinds/catalog.js';
import { durationMs } from '../core/config/duration.js';
import type { Report } from '../core/domain/report.js';
import { ConfigError } from '../core/errors.js';
import type { SecretResolver } from '../core/ports/secrets.js';
import { awsContext } from '../core/run/aws-context.js';
import type { JobContext } from '../core/run/run-job.js';
import { runBackupJob } from './handler.js';
import { selectEntries } from './run-backups.js';
import type { Config } from '../kinds/config.js';
import { validateConfig } from '../kinds/config.js';

/**
 * The backup job as an ECS (Fargate) task: the same runBackupJob the Lambda handler calls, for
 * databases too big for Lambda's 15 minutes (`backup.runOn: "fargate"`). Only the entry differs:
 * the task input comes from argv or the environment instead of an event, the time limit from
 * AUTOPILOT_TASK_TIMEOUT instead of the Lambda context, and the outcome is an exit status
 * (the contract the task definition and the ECS task-state rule rely on, /work/coord/BOARD-backup-task.md):
 *   0  the run completed and its findings went through the alert engine (a failed backup is a
 *      High finding, already published: the task-failure rule must not alert twice)
 *   1  internal failure: alerts could not be delivered, or the run crashed
 *   2  bad task input or config, with the field named
 */
export const TASK_EXIT = { ok: 0, internal: 1, input: 2 } as const;

/** The default time limit of a task: a run is stopped cleanly (upload aborted, High finding, alerts) after it. */
export const DEFAULT_TASK_TIMEOUT = '6h';

export interface TaskInput {
  readonly target: string;
  readonly database: string;
}

/**
 * Which database to back up: `--target <name> --database <check name>` on the command line
 * (the container's command), else AUTOPILOT_TARGET and AUTOPILOT_DATABASE (the task definition's
 * environment, or the schedule's container overrides). Errors name the flag or variable.
 */
export function parseTaskInput(argv: readonly string[], env: NodeJS.ProcessEnv): TaskInput {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--(target|database)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`argv[${i}]: unknown argument "${arg}" (use --target <name> --database <name>)`);
    const value = m[2] ?? argv[++i];
    if (!value) throw new ConfigError(`--${m[1]}: give a value`);
    flags[m[1]!] = value;
  }
  const target = flags.target ?? env[BACKUP_TASK_ENV.target];
  const database = flags.database ?? env[BACKUP_TASK_ENV.database];
  if (!target) throw new ConfigError('AUTOPILOT_TARGET: the task input names no target (set it, or pass --target)');
  if (!database) throw new ConfigError('AUTOPILOT_DATABASE: the task input names no database (set it, or pass --database)');
  return { target, database };
}

export interface TaskDependencies {
  readonly context: JobContext;
  readonly secrets: SecretResolver;
  readonly log: (message: string, details?: Record<string, unknown>) => void;
}

export interface TaskRun {
  readonly exitCode: number;
  readonly report?: Report;
  readonly error?: string;
}

/**
 * Runs one task: validates the config and the input, backs the database up, sends the alerts.
 * SIGTERM (ECS StopTask, a deployment) aborts the run the way Lambda's deadline does: the upload
 * is aborted, nothing lands under the final key, and the High finding is still published.
 */
export async function runBackupTask(
  rawConfig: unknown,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  dependencies?: (config: Config) => TaskDependencies,
  stop?: AbortSignal,
): Promise<TaskRun> {
  let config: Config;
  let input: TaskInput;
  let timeoutMs: number;
  try {
    config = validateConfig(rawConfig, { forDeployment: true });
    input = parseTaskInput(argv, env);
    selectEntries(config, [input.target], input.database, 'AUTOPILOT_DATABASE');
    const timeout = env[BACKUP_TASK_ENV.timeout] ?? DEFAULT_TASK_TIMEOUT;
    try {
      timeoutMs = durationMs(timeout);
    } catch {
      throw new ConfigError(`AUTOPILOT_TASK_TIMEOUT: invalid duration "${timeout}" (use e.g. "6h")`);
    }
  } catch (error) {
    if (error instanceof ConfigError) return { exitCode: TASK_EXIT.input, error: error.message };
    return { exitCode: TASK_EXIT.internal, error: (error as Error).message };
  }
  try {
    const deps = dependencies?.(config) ?? awsDependencies(config, env);
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(stop ? [stop] : [])]);
    const report = await runBackupJob(
      config,
      { targets: [input.target], database: input.database, secrets: deps.secrets, signal, env, log: deps.log },
      deps.context,
    );
    return { exitCode: report.undelivered?.length ? TASK_EXIT.internal : TASK_EXIT.ok, report };
  } catch (error) {
    return { exitCode: TASK_EXIT.internal, error: (error as Error).message };
  }
}

function awsDependencies(config: Config, env: NodeJS.ProcessEnv): TaskDependencies {
  const { context, secrets, logger } = awsContext(config, 'backup', dashboardValuesOf, env);
  return { context, secrets, log: (message, details) => logger.info(message, details ?? {}) };
}

/**
 * The container's main: `node task.mjs [--target x --database y]`. Prints the JSON report on
 * stdout (the task's log stream), the reason of a failure on stderr, and exits with TASK_EXIT.
 */
export async function taskMain(rawConfig: unknown, dependencies?: (config: Config) => TaskDependencies): Promise<never> {
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort(new Error('the task was asked to stop (SIGTERM)')));
  const run = await runBackupTask(rawConfig, process.argv.slice(2), process.env, dependencies, stop.signal);
  if (run.report) process.stdout.write(`${JSON.stringify(run.report)}\n`);
  if (run.error) process.stderr.write(`autopilot backup task: ${run.error}\n`);
  if (run.report?.undelivered?.length)
    process.stderr.write(`autopilot backup task: ${run.report.undelivered.length} notification(s) could not be delivered\n`);
  process.exit(run.exitCode);
}
