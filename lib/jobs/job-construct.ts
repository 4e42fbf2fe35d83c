import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Job } from '../../functions/core/jobs.js';
import type { ImageArchitecture } from '../lambda/image-architecture.js';
import type { OperationsFunction } from '../monitoring/operations.js';
import type { AutopilotNetwork } from '../network/autopilot-network.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import type { JobSchedule, JobScheduleTimingProps } from '../scheduler/job-schedule.js';
import type { IAlertTopics } from '../sns/alert-topics.js';
import type { Config } from '../../functions/kinds/config.js';

/** One schedule of a job function, in the config timezone, with the suite's retries and dead-letter queue. */
export interface ScheduleJobOptions extends Partial<Pick<JobScheduleTimingProps, 'dailyAt' | 'flexibleWindow'>> {
  /** A duration, a daily "HH:MM" or cron(...), read in the config timezone. */
  readonly when: string;
  readonly input: Record<string, unknown>;
  readonly description?: string;
}

/**
 * What the stack lends every job construct (OpsAutopilotStack is one): the scope its resources go
 * in, the validated config, the shared queue, network and schedule role, the environment naming
 * the bucket and topics, and a way to schedule a function. The bucket and topics themselves come
 * through `bind`.
 */
export interface JobHost extends Construct {
  readonly config: Config;
  /** Where the generated bundle entries go (tests give their own). */
  readonly entriesDir?: string;
  /** The imported VPC and what the suite adds to it, when the config sets `network`. */
  readonly network?: AutopilotNetwork;
  /** Scheduler deliveries and async invocations that failed after their retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The role EventBridge Scheduler assumes for every schedule of the suite. */
  readonly scheduleRole: iam.IRole;
  /** What container images (the backup job's) are built for and run on: `-c backupArchitecture`, else the deploying machine's. */
  readonly imageArchitecture: ImageArchitecture;
  /** AUTOPILOT_BUCKET, AUTOPILOT_TOPIC_ARNS and the dashboard link: what every job function is given. */
  jobEnvironment(): Record<string, string>;
  /** A schedule in the config timezone with the suite's retry policy and dead-letter queue (nested stacks past the first 100). */
  scheduleJob(fn: lambda.IFunction, id: string, options: ScheduleJobOptions): JobSchedule;
}

/**
 * One function of a job as the rest of the suite sees it: the watchers and the dashboard (its
 * schedules), the console test events (its job and targets) and the stack output naming it.
 */
export interface JobFunction extends OperationsFunction {
  readonly job: Job;
  readonly fn: lambda.IFunction;
  /**
   * The function `autopilot invoke <job>` calls, named by the stack output `functionNameOutput(job)`.
   * A job's second function (the VPC health function, `name: 'health-vpc'`) has none.
   * @default true
   */
  readonly invokedByCli?: boolean;
}

/**
 * The CDK side of one job (or of a pair sharing a construct, as disk and security do), in the
 * style of Powertools' constructs: the constructor builds the functions, their environment and
 * their schedules; `bind` then gives their roles access (the bucket's and topics' grant methods,
 * the job's own secret, SSM and network grants, and the failure destination). The stack derives
 * the watchers, the dashboard, the console test events and the outputs from `functions`.
 */
export interface AutopilotJobConstruct {
  /** The jobs of `functions/core/jobs.ts` it deploys. */
  readonly jobs: readonly Job[];
  readonly functions: readonly JobFunction[];
  /** Grants its functions (and tasks) what they use of the suite's bucket and topics, and their own reads. Called once. */
  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void;
}

/** One line of the CDK job registry: the jobs it deploys and how it is built; undefined when the config gives it nothing to do. */
export interface JobConstructEntry {
  readonly jobs: readonly Job[];
  readonly create: (host: JobHost) => AutopilotJobConstruct | undefined;
}
