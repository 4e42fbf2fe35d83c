import { Duration } from 'aws-cdk-lib';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { AutopilotJobConstruct, JobFunction, JobHost } from '../jobs/job-construct.js';
import { AutopilotFunction } from '../lambda/autopilot-function.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import type { JobSchedule } from '../scheduler/job-schedule.js';
import type { IAlertTopics } from '../sns/alert-topics.js';

/**
 * The daily digest: one function reading every alerting job's state and the backup manifests,
 * publishing to the `digest` topic only, once a day at `schedules.digest` in the config timezone.
 *
 * Its resources go straight into the host (`DigestFunction`, `DigestDaily`), where they stood
 * before job constructs existed, so their logical IDs do not change.
 */
export class DigestJob implements AutopilotJobConstruct {
  readonly jobs = ['digest'] as const;
  readonly function: AutopilotFunction;
  readonly schedule: JobSchedule;
  readonly functions: readonly JobFunction[];
  private readonly deadLetterQueue: sqs.IQueue;

  constructor(host: JobHost) {
    const { config } = host;
    this.deadLetterQueue = host.deadLetterQueue;
    this.function = new AutopilotFunction(host, 'DigestFunction', {
      job: 'digest',
      config,
      entriesDir: host.entriesDir,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: host.jobEnvironment(),
      description: 'ops-autopilot daily digest: every check, open alerts, backups, disk, changes since yesterday',
    });
    this.schedule = host.scheduleJob(this.function, 'DigestDaily', {
      when: config.schedules.digest,
      input: { source: 'schedule' },
      description: `ops-autopilot daily digest at ${config.schedules.digest} ${config.timezone}`,
    });
    this.functions = [{ job: 'digest', fn: this.function, schedules: [this.schedule] }];
  }

  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    // The digest reads the alert states and writes its own claim and snapshot; it records no deliveries.
    bucket.grantAlertState(this.function, { alerting: false });
    bucket.grantManifestRead(this.function);
    topics.grantPublish(this.function, { only: ['digest'] });
    // An undelivered digest fails the invocation: Lambda retries it twice, then it lands in the dead-letter queue (its alarm pages).
    this.function.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.deadLetterQueue) });
  }
}
