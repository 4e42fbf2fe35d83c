import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Job } from '../../functions/core/domain/report.js';

/** A schedule that invokes a function: a `JobSchedule` fits, or anything with its expression. */
export interface WatchedSchedule {
  /** The Scheduler expression, `cron(...)` or `rate(...)`. */
  readonly expression: string;
  /** The longest gap between two runs, when the expression alone does not tell (a weekday cron). */
  readonly intervalSeconds?: number;
}

/** One job function of the suite, as the monitoring constructs see it. */
export interface WatchedFunction {
  readonly job: Job;
  readonly fn: lambda.IFunction;
  /** Names the function in alarm names and widgets when two functions serve one job (`backup-ssm`). @default job */
  readonly name?: string;
  /** The schedules that invoke it; none means it runs on demand only (no "not invoked" alarm). */
  readonly schedules?: readonly WatchedSchedule[];
}

/** One Lambda function and every job it serves (the server-check function may run both disk and security). */
export interface FunctionGroup {
  readonly name: string;
  readonly fn: lambda.IFunction;
  readonly jobs: readonly Job[];
  readonly schedules: readonly WatchedSchedule[];
}

/**
 * The entries merged per function (in first-seen order), so one function listed once per job
 * gets one set of alarms and one test-event schema. The name is the first entry's `name`, else
 * its jobs joined with "-". Names are checked to be unique and usable in alarm names.
 */
export function groupByFunction(functions: readonly WatchedFunction[]): FunctionGroup[] {
  const groups = new Map<lambda.IFunction, { name?: string; jobs: Job[]; schedules: WatchedSchedule[] }>();
  for (const f of functions) {
    const group = groups.get(f.fn) ?? { name: f.name, jobs: [], schedules: [] };
    group.name ??= f.name;
    if (!group.jobs.includes(f.job)) group.jobs.push(f.job);
    group.schedules.push(...(f.schedules ?? []));
    groups.set(f.fn, group);
  }
  const result = [...groups].map(([fn, g]) => ({ name: g.name ?? g.jobs.join('-'), fn, jobs: g.jobs, schedules: g.schedules }));
  checkNames(result.map((g) => g.name));
  return result;
}

function checkNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) throw new Error(`invalid function name "${name}" (lowercase letters, digits and "-")`);
    if (seen.has(name)) throw new Error(`two functions are named "${name}"; give one a distinct \`name\``);
    seen.add(name);
  }
}

export function pascal(text: string): string {
  return text.replace(/(^|[-_ ])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

/** The function's own log group: the one its construct gave it, else Lambda's default name. */
export function logGroupOf(scope: Construct, group: Pick<FunctionGroup, 'name' | 'fn'>): logs.ILogGroup {
  if (group.fn instanceof lambda.Function) return group.fn.logGroup;
  return logs.LogGroup.fromLogGroupName(scope, `${group.name}Logs`, `/aws/lambda/${group.fn.functionName}`);
}
