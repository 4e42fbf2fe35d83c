import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { TimeZone } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { entryId } from './entry-id.js';
import type { BackedUpEntry } from '../../functions/backup/boundary.js';
import type { ImageArchitecture } from '../lambda/image-architecture.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import type { AutopilotNetwork } from '../network/autopilot-network.js';
import { AlertTopicTarget } from '../sns/alert-topic-target.js';
import type { IAlertTopics } from '../sns/alert-topics.js';
import { dependOnRolePolicy } from '../scheduler/job-schedule.js';
import { scheduleWhen } from '../scheduler/schedule-expression.js';
import { grantSecretReads, secretReadsOf } from '../secrets/secret-grants.js';
import { BACKUP_TASK_COMMAND, BACKUP_TASK_CONTAINER_NAME, BACKUP_TASK_ENTRY_POINT, BACKUP_TASK_ENV } from './backup-image.js';
import type { Config, PostgresConfig } from '../../functions/kinds/config.js';

export interface FargateBackupProps {
  readonly config: Config;
  /** The `runOn: "fargate"` databases (PostgreSQL, dumped from inside the VPC). */
  readonly entries: readonly BackedUpEntry[];
  /** The backup image's staged build context: the backup functions' Dockerfile, with the Fargate databases' config. */
  readonly imageContext: string;
  /** The image's architecture, which the task definition's runtime platform names too. */
  readonly architecture: ImageArchitecture;
  readonly network: AutopilotNetwork;
  /** AUTOPILOT_BUCKET and AUTOPILOT_TOPIC_ARNS (the stack's `jobEnvironment()`). */
  readonly environment: Readonly<Record<string, string>>;
  /** The role EventBridge Scheduler assumes (the stack's; it is granted ecs:RunTask and iam:PassRole here). */
  readonly scheduleRole: iam.IRole;
  readonly deadLetterQueue: sqs.IQueue;
  /** @default 1 vCPU, 2 GiB: pg_dump, the upload's part buffers and pg_restore --list, with headroom */
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  /** How long a run may take before the task stops it cleanly (AUTOPILOT_TASK_TIMEOUT). @default "6h" */
  readonly taskTimeout?: string;
}

/**
 * Backups longer than Lambda's 15 minutes: an ECS cluster and, per `runOn: "fargate"` database,
 * a Fargate task definition (on the image's architecture) running the backup image (the Lambda
 * functions' Dockerfile, with these databases' config) with the task entry point
 * (functions/backup/task-entry.ts), its own task role (the bucket's backups/ and state/, the
 * topics, and that database's credentials only), and the database's EventBridge Scheduler
 * schedule as an ECS RunTask target in the VPC's subnets. An EventBridge rule sends
 * ECS "Task State Change" events of the cluster's tasks that stopped with a non-zero exit code,
 * or never started, to the critical topic (a failed backup itself is a High finding the task
 * publishes, with exit 0), with EventBridge's retries and the delivery dead-letter queue behind
 * them. The grants and those rules come with `bind(bucket, topics)`.
 */
export class FargateBackup extends Construct {
  readonly cluster: ecs.Cluster;
  readonly image: DockerImageAsset;
  readonly logGroup: logs.LogGroup;
  readonly taskDefinitions: ecs.FargateTaskDefinition[] = [];
  readonly schedules: scheduler.Schedule[] = [];
  readonly failureRules: events.Rule[] = [];
  /** Each task's role with the credentials its database is read with. */
  private readonly taskRoles: Array<{ readonly role: iam.Role; readonly postgres: PostgresConfig }> = [];

  constructor(scope: Construct, id: string, props: FargateBackupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.network.vpc });
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-ECS4',
      reason:
        'Container Insights would bill per-task metrics for a nightly task; a failed or never-started task reaches the critical topic ' +
        'through the task-state rule, and its logs go to its log group.',
    });
    this.image = new DockerImageAsset(this, 'Image', {
      directory: props.imageContext,
      platform: props.architecture.platform,
      buildArgs: { ...props.architecture.buildArgs },
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });

    for (const entry of props.entries) {
      if (entry.kind !== 'postgres')
        throw new Error(`${entry.target}/${entry.database}: runOn "fargate" backs up PostgreSQL databases only`);
      const name = entryId(entry);
      const taskRole = new iam.Role(this, `${name}TaskRole`, {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
        description: `Runs the ops-autopilot backup task of ${entry.target}/${entry.database}`,
      });
      this.taskRoles.push({ role: taskRole, postgres: entry.postgres });

      const taskDefinition = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: props.cpu ?? 1024,
        memoryLimitMiB: props.memoryLimitMiB ?? 2048,
        runtimePlatform: { cpuArchitecture: props.architecture.ecs, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
        taskRole,
      });
      taskDefinition.addContainer(BACKUP_TASK_CONTAINER_NAME, {
        image: ecs.ContainerImage.fromDockerImageAsset(this.image),
        // The Lambda base image's ENTRYPOINT is the runtime interface; the task runs node on the task entry instead.
        entryPoint: [...BACKUP_TASK_ENTRY_POINT],
        command: [...BACKUP_TASK_COMMAND],
        environment: {
          POWERTOOLS_SERVICE_NAME: 'autopilot-backup-task',
          ...props.environment,
          AWS_REGION: stack.region,
          [BACKUP_TASK_ENV.target]: entry.target,
          [BACKUP_TASK_ENV.database]: entry.database,
          [BACKUP_TASK_ENV.timeout]: props.taskTimeout ?? '6h',
        },
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: name }),
        // SIGTERM aborts the upload, records the High finding and publishes before the task exits.
        stopTimeout: Duration.seconds(120),
        essential: true,
      });
      Validations.of(taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds the bucket name, topic ARNs and which database to dump; credentials are read at run time by reference ' +
          '(SSM, Secrets Manager, IAM token), never passed in.',
      });
      if (taskDefinition.executionRole) {
        acknowledgeWildcards(taskDefinition.executionRole, [
          {
            resource: '*',
            reason:
              'ecr:GetAuthorizationToken takes no resource; the execution role pulls the backup image and writes the task log group only.',
          },
        ]);
      }
      this.taskDefinitions.push(taskDefinition);

      const when = scheduleWhen(entry.backup.at);
      const schedule = new scheduler.Schedule(this, `${name}Schedule`, {
        schedule: scheduler.ScheduleExpression.expression(when.expression, TimeZone.of(props.config.timezone)),
        description:
          `ops-autopilot backup of ${entry.target}/${entry.database} on Fargate at ${entry.backup.at} ` + `${props.config.timezone}`,
        target: new schedulerTargets.EcsRunFargateTask(this.cluster, {
          taskDefinition,
          vpcSubnets: { subnets: props.network.subnets },
          securityGroups: props.network.securityGroups,
          assignPublicIp: false,
          platformVersion: ecs.FargatePlatformVersion.LATEST,
          role: props.scheduleRole,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: props.deadLetterQueue,
        }),
      });
      dependOnRolePolicy(schedule, props.scheduleRole);
      this.schedules.push(schedule);
    }
  }

  /**
   * Each task role gets the bucket's backups/ and state/, the topics, and its database's
   * credentials only; tasks that stop with an error, or never start, reach the critical topic
   * through EventBridge rules (allowed to use the topics' key).
   */
  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    for (const { role, postgres } of this.taskRoles) {
      bucket.grantBackupWrite(role);
      bucket.grantAlertState(role);
      topics.grantPublish(role);
      grantSecretReads(role, secretReadsOf([postgres]), {
        parameters: 'DatabasePassword',
        secrets: 'DatabaseSecret',
        iamUsers: 'DatabaseIamUser',
        decrypt: 'DecryptDatabaseCredentials',
      });
    }
    const stopped = (detail: Record<string, unknown>) =>
      new events.Rule(this, detail.stopCode ? 'TaskNeverStarted' : 'TaskFailed', {
        description: detail.stopCode
          ? 'ops-autopilot backup task that never started (image pull, network, capacity) -> critical topic'
          : 'ops-autopilot backup task whose container exited non-zero (crash, out of memory, alerts undelivered) -> critical topic',
        eventPattern: {
          source: ['aws.ecs'],
          detailType: ['ECS Task State Change'],
          detail: { clusterArn: [this.cluster.clusterArn], lastStatus: ['STOPPED'], ...detail },
        },
        targets: [
          new AlertTopicTarget(topics, 'critical', {
            message: events.RuleTargetInput.fromText(
              `ops-autopilot backup task ${events.EventField.fromPath('$.detail.taskArn')} ` +
                `(${events.EventField.fromPath('$.detail.group')}) stopped: ${events.EventField.fromPath('$.detail.stopCode')}, ` +
                `${events.EventField.fromPath('$.detail.stoppedReason')}; exit code ` +
                `${events.EventField.fromPath('$.detail.containers[0].exitCode')}. ` +
                'The backup did not complete: see the task log group, then run it again.',
            ),
          }),
        ],
      });
    this.failureRules.push(stopped({ containers: { exitCode: [{ 'anything-but': 0 }] } }), stopped({ stopCode: ['TaskFailedToStart'] }));
  }
}
