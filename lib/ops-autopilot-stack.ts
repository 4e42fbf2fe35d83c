import { Annotations, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Topic } from '../functions/core/domain/report.js';
import type { Job } from '../functions/core/jobs.js';
import { ENV, OUTPUTS, functionNameOutput, topicArnOutput } from '../functions/core/layout.js';
import { ChatChannels } from './chat/chat-channels.js';
import { channelEnvironment } from './delivery/channel-resources.js';
import type { AutopilotJobConstruct, JobConstructEntry, JobHost, ScheduleJobOptions } from './jobs/job-construct.js';
import { JOB_CONSTRUCTS } from './jobs/registry.js';
import type { AutopilotFunctionSourceProps } from './lambda/autopilot-function.js';
import { BACKUP_ARCHITECTURE_CONTEXT, imageArchitecture, type ImageArchitecture } from './lambda/image-architecture.js';
import { operationsScreenUrl } from './monitoring/dashboard-link.js';
import { addOperations, type Operations } from './monitoring/operations.js';
import { AutopilotNetwork } from './network/autopilot-network.js';
import { endpointServicesFor, vpcDatabasePorts } from './network/placement.js';
import { AutopilotBucket } from './s3/autopilot-bucket.js';
import { backupExpirations } from './s3/backup-retention.js';
import { JobSchedule, schedulerRole } from './scheduler/job-schedule.js';
import { ScheduleStacks } from './scheduler/schedule-stacks.js';
import { embedCaFiles } from './secrets/embed-ca.js';
import { AlertTopics, deliveryAlarmTopics, distinctSubscribers } from './sns/alert-topics.js';
import { StatusPage } from './status-page/status-page.js';
import type { Config } from '../functions/kinds/config.js';
import { validateConfig } from '../functions/kinds/config.js';
import { channelsToDeploy } from '../functions/core/delivery/registry.js';

export interface OpsAutopilotStackProps extends StackProps, Pick<AutopilotFunctionSourceProps, 'entriesDir'> {
  /** The validated config (`loadConfigFile(path, { forDeployment: true })`); validated again here. */
  readonly config: Config;
  /** The job constructs to build, in order (tests give their own). @default JOB_CONSTRUCTS */
  readonly jobConstructs?: readonly JobConstructEntry[];
}

export type { ScheduleJobOptions };

/**
 * The deployed suite: the bucket, the alert topics, the dead-letter queue, the schedule role and
 * the network, then every job construct of the CDK job registry (lib/jobs/registry.ts), each
 * bound to the bucket and topics; the watchers, dashboard, console test events and stack outputs
 * follow from the jobs' functions.
 */
export class OpsAutopilotStack extends Stack implements JobHost {
  readonly config: Config;
  readonly entriesDir?: string;
  readonly bucket: AutopilotBucket;
  readonly topics: AlertTopics;
  /** Scheduler deliveries that failed after their retries, for every schedule of the stack. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge Scheduler assumes for every schedule of the stack. */
  readonly scheduleRole: iam.Role;
  readonly imageArchitecture: ImageArchitecture;
  /** The imported VPC and what the suite adds to it, when the config sets `network`. */
  readonly network?: AutopilotNetwork;
  /** The status page's function, its URL and link key, and the public distribution with `statusPage.public`. */
  readonly statusPage: StatusPage;
  /** The job constructs the config gives something to do, in registry order, bound. */
  readonly jobs: readonly AutopilotJobConstruct[];
  /** Alarms on the watchers, the dashboard and the console test events. */
  readonly operations: Operations;
  /** Where schedules go: this stack, then nested stacks once a fleet's schedules would not fit in it. */
  private readonly scheduleStacks = new ScheduleStacks(this);

  constructor(scope: Construct, id: string, props: OpsAutopilotStackProps) {
    super(scope, id, props);
    this.config = embedCaFiles(validateConfig(props.config, { forDeployment: true }));
    this.entriesDir = props.entriesDir;
    this.imageArchitecture = imageArchitecture(this.node.tryGetContext(BACKUP_ARCHITECTURE_CONTEXT));

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
    if (this.config.network) {
      this.network = new AutopilotNetwork(this, 'Network', {
        network: this.config.network,
        databasePorts: vpcDatabasePorts(this.config),
        services: endpointServicesFor(this.config),
      });
    }

    this.statusPage = new StatusPage(this, 'StatusPage', { config: this.config, bucket: this.bucket, entriesDir: this.entriesDir });
    // Whoever publishes a notice also signs its status page link.
    const noticeTopics = this.statusPage.signingTopics(this.topics);
    this.jobs = (props.jobConstructs ?? JOB_CONSTRUCTS).flatMap((entry) => {
      const job = entry.create(this);
      job?.bind(this.bucket, noticeTopics);
      return job ? [job] : [];
    });
    const functions = this.jobs.flatMap((job) => job.functions);

    const alarmTopics = deliveryAlarmTopics(this.config.subscribers);
    if (distinctSubscribers(this.config.subscribers) < 2) {
      Annotations.of(this).addWarningV2(
        '@ops-autopilot/delivery:singlePath',
        'The config has fewer than two subscribers: when the one delivery path fails (a bounced e-mail, an unverified SMS ' +
          'number), the alarm on undelivered notices can only be seen in the alert delivery dead-letter queue and on the ' +
          'dashboard. Add a second subscriber (another address, a chat channel) to hear of it.',
      );
    }
    this.operations = addOperations(this, {
      functions,
      queues: [this.deadLetterQueue],
      deliveryDeadLetters: {
        queue: this.topics.deliveryDeadLetterQueue,
        topics: alarmTopics.map((topic) => this.topics.topics[topic]),
      },
      testEventRegistry: this.node.tryGetContext('testEventRegistry') ?? 'ensure',
    });

    new CfnOutput(this, OUTPUTS.deliveryDeadLetterQueueUrl, {
      value: this.topics.deliveryDeadLetterQueue.queueUrl,
      description: 'Notices SNS could not deliver to a subscriber (each message names the topic and the subscription)',
    });
    new CfnOutput(this, OUTPUTS.bucketName, {
      value: this.bucket.bucket.bucketName,
      description: 'Alert state (state/) and backups (backups/)',
    });
    new CfnOutput(this, OUTPUTS.statusPageUrl, {
      value: this.statusPage.url.url,
      description: 'The status page function: alerts and the digest link it with a token valid 7 days',
    });
    const domain = this.config.statusPage.domain;
    if (this.statusPage.distribution && domain) {
      new CfnOutput(this, OUTPUTS.publicStatusPageUrl, {
        value: `https://${domain.name}/`,
        description: `The public status page (point ${domain.name} at ${this.statusPage.distribution.distributionDomainName})`,
      });
    }
    for (const [topic, arn] of Object.entries(this.topics.topicArns) as Array<[Topic, string]>) {
      new CfnOutput(this, topicArnOutput(topic), { value: arn, description: `SNS topic for ${topic} alerts` });
    }
    // What `autopilot invoke <job>` reads: the function of each job, by the name the layout module gives it.
    for (const { job, fn } of functions.filter((f) => f.invokedByCli !== false)) {
      new CfnOutput(this, functionNameOutput(job), { value: fn.functionName, description: `autopilot invoke ${job}` });
    }
  }

  /** The function `autopilot invoke <job>` calls, when the config deploys the job. */
  jobFunction(job: Job): lambda.IFunction | undefined {
    return this.jobs.flatMap((j) => j.functions).find((f) => f.job === job && f.invokedByCli !== false)?.fn;
  }

  /**
   * The environment every job function gets: the bucket, the screen's link, and the delivery channels the registry
   * switches on for this config with their own variables (the sns channel's topic ARNs).
   */
  jobEnvironment(): Record<string, string> {
    return {
      [ENV.bucket]: this.bucket.bucket.bucketName,
      [ENV.dashboardUrl]: operationsScreenUrl(this, this.config.dashboard),
      ...channelEnvironment({ stack: this, topics: this.topics }, channelsToDeploy(this.config)),
      ...this.statusPage.environment(),
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
