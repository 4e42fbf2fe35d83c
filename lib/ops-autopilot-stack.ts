import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { durationMs } from '../functions/core/config/duration.js';
import type { Construct } from 'constructs';
import type { Config } from '../functions/core/config/schema.js';
import { validateConfig } from '../functions/core/config/validate.js';
import { healthIntervals, healthRuns, healthTimeoutSeconds, type HealthRun } from './health/health-plan.js';
import { AutopilotFunction, type AutopilotFunctionSourceProps } from './lambda/autopilot-function.js';
import { AutopilotNetwork } from './network/autopilot-network.js';
import { endpointServicesFor, lambdaBackupsInVpc, splitHealthConfig, vpcDatabasePorts } from './network/placement.js';
import { createVpcHealthFunction } from './network/vpc-health.js';
import { embedCaFiles } from './secrets/embed-ca.js';
import { grantSecretReads, secretReadsOf } from './secrets/secret-grants.js';
import { AutopilotBucket } from './s3/autopilot-bucket.js';
import { backupExpirations } from './s3/backup-retention.js';
import { JobSchedule, schedulerRole, type JobScheduleTimingProps } from './scheduler/job-schedule.js';
import { ScheduleStacks } from './scheduler/schedule-stacks.js';
import { AlertTopics } from './sns/alert-topics.js';
import { ChatChannels } from './chat/chat-channels.js';
import { operationsScreenUrl } from './monitoring/dashboard-link.js';
import { ServerChecks } from './ssm/index.js';
import { BackupJob } from './backup/backup-job.js';
import { FargateBackup } from './backup/fargate-backup.js';
import { backedUpEntries } from '../functions/backup/entries.js';
import { addOperations, type Operations } from './monitoring/operations.js';
import { ENV } from '../functions/core/layout.js';

export interface OpsAutopilotStackProps extends StackProps, Pick<AutopilotFunctionSourceProps, 'entriesDir'> {
  /** The validated config (`loadConfigFile(path, { forDeployment: true })`); validated again here. */
  readonly config: Config;
}

export interface ScheduleJobOptions extends Partial<Pick<JobScheduleTimingProps, 'dailyAt' | 'flexibleWindow'>> {
  /** A duration, a daily "HH:MM" or cron(...), read in the config timezone. */
  readonly when: string;
  readonly input: Record<string, unknown>;
  readonly description?: string;
}

/**
 * The deployed suite: bucket, alert topics, the health job and its schedules.
 *
 * Seams for the other jobs: `bucket`, `topics`, `deadLetterQueue`, `config`, `entriesDir`,
 * `scheduleJob()` and `jobEnvironment()`; a backup, SSM or monitoring construct takes the stack
 * (or these members) and adds its own functions, grants and schedules.
 */
export class OpsAutopilotStack extends Stack {
  readonly config: Config;
  readonly entriesDir?: string;
  readonly bucket: AutopilotBucket;
  readonly topics: AlertTopics;
  /** Scheduler deliveries that failed after their retries, for every schedule of the stack. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge Scheduler assumes for every schedule of the stack. */
  readonly scheduleRole: iam.Role;
  readonly healthFunction: AutopilotFunction;
  readonly healthSchedules: readonly JobSchedule[];
  /** The imported VPC and what the suite adds to it, when the config sets `network`. */
  readonly network?: AutopilotNetwork;
  /** The health function of the VPC databases, with its schedules (when any database is in the VPC). */
  readonly vpcHealth?: { readonly function: AutopilotFunction; readonly schedules: readonly JobSchedule[] };
  /** The backup job (a container image with pg_dump), when any database or SQLite file has `backup`. */
  readonly backupJob?: BackupJob;
  /** The ECS cluster, task definitions, schedules and task-failure rules of `runOn: "fargate"` backups. */
  readonly fargateBackup?: FargateBackup;
  /** The disk and security jobs through SSM Run Command (nothing when no target has `servers`). */
  readonly serverChecks: ServerChecks;
  readonly digestFunction: AutopilotFunction;
  readonly digestSchedule: JobSchedule;
  /** Alarms on the watchers, the dashboard and the console test events. */
  readonly operations: Operations;
  /** Where schedules go: this stack, then nested stacks once a fleet's schedules would not fit in it. */
  private readonly scheduleStacks = new ScheduleStacks(this);

  constructor(scope: Construct, id: string, props: OpsAutopilotStackProps) {
    super(scope, id, props);
    this.config = embedCaFiles(validateConfig(props.config, { forDeployment: true }));
    this.entriesDir = props.entriesDir;

    this.bucket = new AutopilotBucket(this, 'Storage', { backupExpirations: backupExpirations(this.config) });
    this.topics = new AlertTopics(this, 'Alerts', { subscribers: this.config.subscribers });
    ChatChannels.addTo(this, this.config.subscribers.chat, this.topics.topics);
    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge Scheduler schedules (cdk-nag only recognises SQS redrive sources).',
    });

    this.scheduleRole = schedulerRole(this, 'ScheduleRole', 'EventBridge Scheduler invokes the ops-autopilot job functions');

    // HTTP probes (and public databases) run outside the VPC, private databases from inside it.
    const health = splitHealthConfig(this.config);
    if (this.config.network) {
      this.network = new AutopilotNetwork(this, 'Network', {
        network: this.config.network,
        databasePorts: vpcDatabasePorts(this.config),
        services: endpointServicesFor(this.config),
      });
    }
    const intervals = healthIntervals(health.outside);
    this.healthFunction = new AutopilotFunction(this, 'HealthFunction', {
      job: 'health',
      config: health.outside,
      entriesDir: props.entriesDir,
      memorySize: 512,
      timeout: Duration.seconds(healthTimeoutSeconds(health.outside)),
      environment: this.jobEnvironment(),
      description: 'ops-autopilot health job: HTTP and PostgreSQL probes, severity-routed alerts',
    });
    this.bucket.grantAlertState(this.healthFunction);
    this.bucket.grantManifestRead(this.healthFunction);
    this.topics.grantPublish(this.healthFunction);
    grantSecretReads(
      this.healthFunction,
      secretReadsOf(
        Object.values(health.outside.targets).flatMap((t) => t.postgres ?? []),
        Object.values(health.outside.targets).flatMap((t) => t.health ?? []),
      ),
    );
    // A failed health run is not replayed: the next scheduled run probes afresh, and an event older
    // than the tightest interval would report on a past minute. (Lambda's default: 2 retries over 6 h.)
    // A run that failed, or that throttling kept waiting past that age, lands in the dead-letter queue (its alarm pages).
    this.healthFunction.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: asyncEventAge(intervals),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    this.healthSchedules = healthRuns(health.outside).map((run) =>
      this.scheduleJob(this.healthFunction, `HealthEvery${run.every}${partSuffix(run)}`, {
        when: run.every,
        input: healthRunInput(run),
        description: `ops-autopilot health checks every ${run.every}${run.parts > 1 ? `, part ${run.part + 1} of ${run.parts}` : ''}`,
      }),
    );

    if (this.network && health.vpc) {
      const vpcConfig = health.vpc;
      const fn = createVpcHealthFunction(this, 'VpcHealthFunction', this, this.network, vpcConfig);
      this.bucket.grantAlertState(fn);
      this.bucket.grantManifestRead(fn);
      this.topics.grantPublish(fn);
      grantSecretReads(fn, secretReadsOf(Object.values(vpcConfig.targets).flatMap((t) => t.postgres ?? [])));
      // The same async policy as the health function above (Lambda's default would replay a failed run for 6 hours).
      fn.configureAsyncInvoke({
        retryAttempts: 0,
        maxEventAge: asyncEventAge(healthIntervals(vpcConfig)),
        onFailure: new SqsDestination(this.deadLetterQueue),
      });
      const schedules = healthRuns(vpcConfig).map((run) =>
        this.scheduleJob(fn, `VpcHealthEvery${run.every}${partSuffix(run)}`, {
          when: run.every,
          input: healthRunInput(run),
          description: `ops-autopilot health checks of the VPC databases every ${run.every}`,
        }),
      );
      this.vpcHealth = { function: fn, schedules };
    }

    if (backedUpEntries(this.config).length > 0) {
      this.backupJob = new BackupJob(this, 'Backup', {
        config: this.config,
        bucket: this.bucket,
        environment: this.jobEnvironment(),
        grantPublish: (grantee) => this.topics.grantPublish(grantee),
        schedule: (fn, id, options) => this.scheduleJob(fn, id, options),
        deadLetterQueue: this.deadLetterQueue,
        entriesDir: this.entriesDir,
        placement: this.network && lambdaBackupsInVpc(this.config) ? this.network.functionPlacement() : undefined,
      });
      const onFargate = backedUpEntries(this.config).filter((e) => e.backup.runOn === 'fargate');
      if (onFargate.length && this.network) {
        this.fargateBackup = new FargateBackup(this, 'FargateBackup', {
          config: this.config,
          entries: onFargate,
          imageContext: this.backupJob.imageContext,
          network: this.network,
          bucket: this.bucket,
          environment: this.jobEnvironment(),
          grantPublish: (grantee) => this.topics.grantPublish(grantee),
          criticalTopic: this.topics.topics.critical,
          scheduleRole: this.scheduleRole,
          deadLetterQueue: this.deadLetterQueue,
        });
        // The task-state rules publish to the encrypted critical topic.
        this.topics.allowServiceToPublish('events.amazonaws.com');
      }
    }

    this.serverChecks = new ServerChecks(this, 'ServerChecks', {
      config: this.config,
      bucket: this.bucket,
      environment: this.jobEnvironment(),
      grantPublish: (grantee) => this.topics.grantPublish(grantee),
      deadLetterQueue: this.deadLetterQueue,
      scheduleRole: this.scheduleRole,
      entriesDir: this.entriesDir,
    });

    this.digestFunction = new AutopilotFunction(this, 'DigestFunction', {
      job: 'digest',
      config: this.config,
      entriesDir: props.entriesDir,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: this.jobEnvironment(),
      description: 'ops-autopilot daily digest: every check, open alerts, backups, disk, changes since yesterday',
    });
    this.bucket.grantAlertState(this.digestFunction);
    this.bucket.grantManifestRead(this.digestFunction);
    this.topics.grantPublish(this.digestFunction, { only: ['digest'] });
    // An undelivered digest fails the invocation: Lambda retries it twice, then it lands in the dead-letter queue (its alarm pages).
    this.digestFunction.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.deadLetterQueue) });
    this.digestSchedule = this.scheduleJob(this.digestFunction, 'DigestDaily', {
      when: this.config.schedules.digest,
      input: { source: 'schedule' },
      description: `ops-autopilot daily digest at ${this.config.schedules.digest} ${this.config.timezone}`,
    });

    this.operations = addOperations(this, {
      functions: [
        { job: 'health', fn: this.healthFunction, schedules: this.healthSchedules },
        ...(this.vpcHealth
          ? [{ job: 'health' as const, name: 'health-vpc', fn: this.vpcHealth.function, schedules: this.vpcHealth.schedules }]
          : []),
        ...(this.backupJob
          ? [{ job: 'backup' as const, fn: this.backupJob.function, schedules: this.backupJob.schedules as JobSchedule[] }]
          : []),
        ...(['disk', 'security'] as const).flatMap((job) => {
          const fn = this.serverChecks.functions[job];
          const schedule = this.serverChecks.schedules[job];
          return fn ? [{ job, fn, schedules: schedule ? [schedule] : [] }] : [];
        }),
        { job: 'digest', fn: this.digestFunction, schedules: [this.digestSchedule] },
      ],
      queues: [this.deadLetterQueue],
      testEventRegistry: this.node.tryGetContext('testEventRegistry') ?? 'existing',
    });

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucket.bucketName, description: 'Alert state (state/) and backups (backups/)' });
    for (const [topic, arn] of Object.entries(this.topics.topicArns)) {
      new CfnOutput(this, `${topic[0]!.toUpperCase()}${topic.slice(1)}TopicArn`, {
        value: arn,
        description: `SNS topic for ${topic} alerts`,
      });
    }
    new CfnOutput(this, 'HealthFunctionName', { value: this.healthFunction.functionName, description: 'autopilot invoke health' });
    if (this.backupJob) {
      new CfnOutput(this, 'BackupFunctionName', { value: this.backupJob.function.functionName, description: 'autopilot invoke backup' });
    }
    for (const [job, fn] of Object.entries(this.serverChecks.functions)) {
      new CfnOutput(this, `${job[0]!.toUpperCase()}${job.slice(1)}FunctionName`, {
        value: fn.functionName,
        description: `autopilot invoke ${job}`,
      });
    }
    new CfnOutput(this, 'DigestFunctionName', { value: this.digestFunction.functionName, description: 'autopilot invoke digest' });
  }

  /** The environment every job function gets: the bucket and the topic ARNs (AUTOPILOT_TOPIC_ARNS is a JSON object). */
  jobEnvironment(): Record<string, string> {
    return {
      [ENV.bucket]: this.bucket.bucket.bucketName,
      [ENV.topicArns]: this.toJsonString(this.topics.topicArns),
      [ENV.dashboardUrl]: operationsScreenUrl(this, this.config.dashboard),
    };
  }

  /** A schedule in the config timezone, with the stack's retry policy and dead-letter queue. */
  scheduleJob(fn: lambda.IFunction, id: string, options: ScheduleJobOptions): JobSchedule {
    return new JobSchedule(this.scheduleStacks.next(), id, {
      role: this.scheduleRole,
      function: fn,
      when: options.when,
      dailyAt: options.dailyAt,
      flexibleWindow: options.flexibleWindow,
      timezone: this.config.timezone,
      input: options.input,
      description: options.description,
      deadLetterQueue: this.deadLetterQueue,
    });
  }
}

/** The tightest schedule interval, within Lambda's async event age range (60 s to 6 h). */
export function asyncEventAge(intervals: readonly string[]): Duration {
  const seconds = intervals.length ? Math.min(...intervals.map((every) => durationMs(every) / 1000)) : 60;
  return Duration.seconds(Math.min(21_600, Math.max(60, Math.floor(seconds))));
}

/** A one-part interval keeps its schedule's id (`HealthEvery1m`); parts are `...Part1`, `...Part2`. */
function partSuffix(run: HealthRun): string {
  return run.parts > 1 ? `Part${run.part + 1}` : '';
}

/** The scheduler's event: the interval, and the part when the interval's checks are split. */
function healthRunInput(run: HealthRun): Record<string, unknown> {
  return { source: 'schedule', every: run.every, ...(run.parts > 1 ? { part: run.part, parts: run.parts } : {}) };
}
