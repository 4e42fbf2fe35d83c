import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { missingInvocationsWindow, scheduleIntervalSeconds, spanText, type MissingInvocationsWindow } from './invocation-window.js';
import { groupByFunction, pascal, type FunctionGroup, type WatchedFunction } from './watched-function.js';

/** Errors are counted over this period; one in a period pages. */
export const FAILURE_PERIOD = Duration.minutes(5);

export interface WatchersProps {
  /** The job functions; a function listed once per job it serves is watched once. */
  readonly functions: readonly WatchedFunction[];
  /** The scheduler dead-letter queues: a message there is a run that never happened. */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /** Where alarms and their recoveries go: the critical topic (its KMS key must let CloudWatch use it). */
  readonly topic: sns.ITopic;
  /**
   * The alert subscriptions' dead-letter queue: a message there is a notice SNS could not deliver.
   * Its alarm publishes to `topics` (the critical topic and each topic reaching a subscriber the
   * others do not), not to the critical topic alone: the failing subscription may be the critical
   * topic's, and an alarm sent only through it would tell no one.
   */
  readonly deliveryDeadLetters?: { readonly queue: sqs.IQueue; readonly topics: readonly sns.ITopic[] };
  /** @default the stack name */
  readonly alarmNamePrefix?: string;
}

export interface FunctionAlarms {
  readonly errors: cw.Alarm;
  /** Absent for a function without a schedule, or whose schedules run too rarely for an alarm to span. */
  readonly notInvoked?: cw.Alarm;
  /** How `notInvoked` watches, when present. */
  readonly window?: MissingInvocationsWindow;
}

/**
 * Watching the watchers: CloudWatch alarms that page the critical topic (and tell it when they
 * recover) when a job function fails, when its schedules stopped invoking it, and when a run
 * landed in a dead-letter queue.
 *
 * There is no throttles alarm: Lambda retries a throttled asynchronous invocation until the
 * function's maximum event age, and every job function sends an invocation it gives up on to the
 * dead-letter queue, whose alarm pages. A throttle that only delayed a run lost nothing, and a
 * run it lost pages once; an alarm per function for it would cost $0.10 a month each and page
 * for delays.
 */
export class Watchers extends Construct {
  readonly functionAlarms: Readonly<Record<string, FunctionAlarms>>;
  readonly deadLetterAlarms: readonly cw.Alarm[];
  /** Notices SNS could not deliver to a subscriber, or rule events EventBridge could not publish. */
  readonly deliveryAlarm?: cw.Alarm;
  /** Every alarm, in creation order (the dashboard's alarm status widget shows them). */
  readonly alarms: readonly cw.Alarm[];
  /** Functions with schedules but no "not invoked" alarm, with the reason (also a synth warning). */
  readonly unwatched: ReadonlyArray<{ readonly name: string; readonly reason: string }>;

  private readonly action: actions.SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: WatchersProps) {
    super(scope, id);
    this.action = new actions.SnsAction(props.topic);
    this.prefix = props.alarmNamePrefix ?? Stack.of(this).stackName;
    this.allowAlarmsToPublish(props.topic);
    const all: cw.Alarm[] = [];
    const unwatched: Array<{ name: string; reason: string }> = [];
    const byFunction: Record<string, FunctionAlarms> = {};

    for (const watched of groupByFunction(props.functions)) {
      const { name, fn } = watched;
      const job = watched.jobs.join('/');
      const errors = this.atLeastOnce(
        `${pascal(name)}Errors`,
        `${name}-errors`,
        fn.metricErrors({ period: FAILURE_PERIOD, statistic: cw.Stats.SUM }),
        `The ops-autopilot ${job} job failed: its function threw, timed out or ran out of memory at least once in 5 minutes, ` +
          `so some of its checks may not have run. The error is in the function's CloudWatch log group.`,
      );
      all.push(errors);

      let alarms: FunctionAlarms = { errors };
      const schedules = watched.schedules;
      if (schedules.length) {
        const intervals = schedules.map((s) => s.intervalSeconds ?? scheduleIntervalSeconds(s.expression));
        const known = intervals.filter((s): s is number => s !== undefined);
        // The function's Invocations count every schedule's runs, so the tightest schedule sets the window.
        const window = known.length ? missingInvocationsWindow(Math.min(...known)) : undefined;
        if (window) {
          const notInvoked = this.notInvokedAlarm(name, watched, window);
          all.push(notInvoked);
          alarms = { ...alarms, notInvoked, window };
        } else {
          const reason = known.length
            ? `its schedules run less often than CloudWatch alarms can look back (7 days)`
            : `the interval of ${schedules.map((s) => s.expression).join(', ')} cannot be told; give the schedule an intervalSeconds`;
          unwatched.push({ name, reason });
          Annotations.of(this).addWarningV2(
            '@ops-autopilot/monitoring:unwatchedSchedule',
            `No "not invoked" alarm for the ${name} function: ${reason}.`,
          );
        }
      }
      byFunction[name] = alarms;
    }

    this.deadLetterAlarms = (props.deadLetterQueues ?? []).map((queue, i, queues) => {
      const suffix = queues.length > 1 ? `-${i + 1}` : '';
      return this.atLeastOnce(
        `DeadLetters${suffix.replace('-', '')}`,
        `dead-letters${suffix}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FAILURE_PERIOD, statistic: cw.Stats.MAXIMUM }),
        `EventBridge Scheduler gave up on a scheduled ops-autopilot run after its retries, or a job function failed after ` +
          `Lambda's retries, so that run did not happen. ` +
          `Each message in the dead-letter queue carries the error; delete the messages once handled and the alarm resolves.`,
      );
    });
    all.push(...this.deadLetterAlarms);

    if (props.deliveryDeadLetters) {
      const { queue, topics } = props.deliveryDeadLetters;
      const alarm = this.atLeastOnce(
        'DeliveryDeadLetters',
        'delivery-dead-letters',
        queue.metricApproximateNumberOfMessagesVisible({ period: FAILURE_PERIOD, statistic: cw.Stats.MAXIMUM }),
        `An ops-autopilot notice was not delivered: SNS gave up on a subscriber after its retries (an e-mail address that bounces ` +
          `or never confirmed, an https endpoint that stayed down, an SMS number the account may not send to), or EventBridge could ` +
          `not publish a backup task's failure. Each message in the alert delivery dead-letter queue names the topic and the ` +
          `subscription; fix the subscriber, then delete the messages and the alarm resolves.`,
      );
      // The critical topic has its action already; the other topics reach the subscribers it does not.
      for (const topic of topics.filter((t) => t !== props.topic)) {
        this.allowAlarmsToPublish(topic);
        const action = new actions.SnsAction(topic);
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      this.deliveryAlarm = alarm;
      all.push(alarm);
    }

    this.functionAlarms = byFunction;
    this.alarms = all;
    this.unwatched = unwatched;
  }

  /**
   * The topic policy must let CloudWatch publish: `enforceSSL` makes a policy that allows nobody,
   * and without an allow for the service an alarm's action fails. Only alarms of this account
   * named with this construct's prefix may (aws:SourceAccount, aws:SourceArn).
   */
  private allowAlarmsToPublish(topic: sns.ITopic): void {
    const stack = Stack.of(this);
    const alarms = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': alarms } },
      }),
    );
  }

  private notInvokedAlarm(name: string, watched: FunctionGroup, window: MissingInvocationsWindow): cw.Alarm {
    const alarm = this.alarm(`${pascal(name)}NotInvoked`, `${name}-not-invoked`, {
      metric: watched.fn.metricInvocations({ period: Duration.seconds(window.periodSeconds), statistic: cw.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: window.evaluationPeriods,
      datapointsToAlarm: window.evaluationPeriods,
      // A period without a single invocation has no datapoint at all: that is the breach.
      treatMissingData: cw.TreatMissingData.BREACHING,
      alarmDescription:
        `The ops-autopilot ${watched.jobs.join('/')} job was not invoked for ${spanText(window.windowSeconds)} although it is scheduled ` +
        `every ` +
        `${spanText(window.intervalSeconds)}: its schedule was disabled or deleted, or EventBridge Scheduler cannot invoke it ` +
        `(see the scheduler dead-letter queue). Its checks are not running.`,
    });
    // Until the first scheduled run after a deploy there is no data, which would read as a breach.
    (alarm.node.defaultChild as cw.CfnAlarm).warmUpConfiguration = { warmUpPeriodDurationInMinutes: window.warmUpMinutes };
    return alarm;
  }

  /** Pages when the metric is at least 1 in one period; no data is no trouble. */
  private atLeastOnce(id: string, name: string, metric: cw.IMetric, description: string): cw.Alarm {
    return this.alarm(id, name, {
      metric,
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }

  private alarm(id: string, name: string, props: cw.AlarmProps): cw.Alarm {
    const alarm = new cw.Alarm(this, id, { ...props, alarmName: `${this.prefix}-${name}`, actionsEnabled: true });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
