import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { scheduleWhen } from './schedule-expression.js';

const MIN_EVENT_AGE_SECONDS = 60;
const MAX_EVENT_AGE_SECONDS = 86_400;

export interface JobScheduleTimingProps {
  /** A duration (`"5m"`), a daily `"HH:MM"` or `cron(...)`; see `scheduleWhen`. */
  readonly when: string;
  /** IANA time zone the expression is read in (the config's `timezone`). */
  readonly timezone: string;
  /** Time of day for a `"1d"` interval. @default "00:00" */
  readonly dailyAt?: string;
  /**
   * Start each run at a random point of this window after the time (Scheduler's flexible time
   * window), so many schedules that share a time do not all start at once. @default none: on time
   */
  readonly flexibleWindow?: Duration;
}

export interface JobScheduleDeliveryProps {
  /** Where invocations that still fail after the retries go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Scheduler's own default is 185 retries over 24 hours, which piles up runs of a periodic job. @default 2 */
  readonly retryAttempts?: number;
  /** @default the interval between runs, at least 60 s and at most 24 h */
  readonly maxEventAge?: Duration;
  /** The role Scheduler assumes to invoke the function (it is granted lambda:InvokeFunction). @default one made by the target */
  readonly role?: iam.IRole;
}

export interface JobScheduleTargetProps {
  readonly function: lambda.IFunction;
  /** The event the function receives, e.g. `{ source: 'schedule', every: '5m' }`. */
  readonly input: Record<string, unknown>;
  readonly description?: string;
}

export interface JobScheduleProps extends JobScheduleTimingProps, JobScheduleDeliveryProps, JobScheduleTargetProps {}

/**
 * Scheduler invokes the function's unqualified ARN (its $LATEST), so the role may invoke exactly
 * that ARN; `LambdaInvoke` grants through `grantInvoke`, which adds every version and alias (`ARN:*`).
 */
class ExactLambdaInvoke extends targets.LambdaInvoke {
  constructor(
    private readonly target: lambda.IFunction,
    props: targets.ScheduleTargetBaseProps,
  ) {
    super(target, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}

/**
 * The role EventBridge Scheduler assumes to run the suite's schedules. Its trust is limited to
 * Scheduler acting for this account (aws:SourceAccount) and for the schedules of the default
 * schedule group, where `JobSchedule`s live (aws:SourceArn: the group's ARN, which Scheduler
 * presents, and the schedules' ARN pattern).
 */
export function schedulerRole(scope: Construct, id: string, description: string): iam.Role {
  const stack = Stack.of(scope);
  const group = stack.formatArn({
    service: 'scheduler',
    resource: 'schedule-group',
    resourceName: 'default',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const schedules = stack.formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: 'default/*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': [group, schedules] } },
    }),
    description,
  });
}

/**
 * Makes `schedule` wait for the policy of the role Scheduler assumes for it: CloudFormation would
 * otherwise create a schedule as soon as its role exists, and a run due in the first minute could
 * fail for lack of lambda:InvokeFunction (or ecs:RunTask) and land in the dead-letter queue, paging.
 * A schedule in a nested stack makes that nested stack wait.
 */
export function dependOnRolePolicy(schedule: Construct, role: iam.IRole | undefined): void {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  if (policy) schedule.node.addDependency(policy);
}

/** An EventBridge Scheduler schedule that invokes a job's function with a fixed event. */
export class JobSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly expression: string;

  constructor(scope: Construct, id: string, props: JobScheduleProps) {
    super(scope, id);
    let when: ReturnType<typeof scheduleWhen>;
    try {
      when = scheduleWhen(props.when, props.dailyAt);
    } catch (error) {
      throw new Error(`${this.node.path}: ${(error as Error).message}`);
    }
    this.expression = when.expression;
    const maxEventAge =
      props.maxEventAge ?? Duration.seconds(Math.min(MAX_EVENT_AGE_SECONDS, Math.max(MIN_EVENT_AGE_SECONDS, when.intervalSeconds)));

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(when.expression, TimeZone.of(props.timezone)),
      description: props.description,
      ...(props.flexibleWindow ? { timeWindow: scheduler.TimeWindow.flexible(props.flexibleWindow) } : {}),
      target: new ExactLambdaInvoke(props.function, {
        input: scheduler.ScheduleTargetInput.fromObject(props.input),
        retryAttempts: props.retryAttempts ?? 2,
        maxEventAge,
        deadLetterQueue: props.deadLetterQueue,
        role: props.role,
      }),
    });
    dependOnRolePolicy(this.schedule, props.role);
  }
}
