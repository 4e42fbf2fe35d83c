import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { entryId } from './entry-id.js';
import { backedUpEntries, type BackedUpEntry } from '../../functions/backup/boundary.js';
import { ENV } from '../../functions/core/layout.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import { HOST_BACKUP_SCRIPT } from '../../functions/backup/boundary.js';
import { ShellScriptDocument } from '../ssm/shell-script-document.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import { allowNetworkInterfaces } from '../network/network-interfaces.js';
import { grantSecretReads, secretReadsOf } from '../secrets/secret-grants.js';
import { stageBackupImage } from './backup-image.js';
import { tagConditions } from '../iam/tag-conditions.js';
import type { AutopilotJobConstruct, JobFunction, JobHost } from '../jobs/job-construct.js';
import { AutopilotImageFunction } from '../lambda/autopilot-function.js';
import type { AutopilotNetwork } from '../network/autopilot-network.js';
import { lambdaBackupsInVpc } from '../network/placement.js';
import type { JobSchedule } from '../scheduler/job-schedule.js';
import type { IAlertTopics } from '../sns/alert-topics.js';
import { FargateBackup } from './fargate-backup.js';
import type { Config } from '../../functions/kinds/config.js';

export interface BackupScheduleOptions {
  /** The database's `backup.at`: "HH:MM" or cron(...), read in the config timezone. */
  readonly when: string;
  readonly input: Record<string, unknown>;
  readonly description?: string;
  readonly flexibleWindow?: Duration;
}

/**
 * Backups that share a time start at random points of the following half hour (Scheduler's
 * flexible time window): 400 databases at 02:00 must not all dump, and load their servers and
 * the account's Lambda concurrency, in the same minute.
 */
export const BACKUP_START_WINDOW = Duration.minutes(30);

export interface BackupJobProps {
  /** The validated deployment config. */
  readonly config: Config;
  /** AUTOPILOT_BUCKET and AUTOPILOT_TOPIC_ARNS (the stack's `jobEnvironment()`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Makes one schedule in the config timezone with the stack's retries and dead-letter queue (the stack's `scheduleJob`). */
  readonly schedule: (fn: lambda.IFunction, id: string, options: BackupScheduleOptions) => JobSchedule;
  /** Invocations that still fail after Lambda's own retry (an error, a crash, a timeout) end here. */
  readonly deadLetterQueue: sqs.IQueue;
  /** @default 1024 MiB: pg_dump, the upload's part buffers and pg_restore --list */
  readonly memorySize?: number;
  /** @default 15 minutes, Lambda's maximum */
  readonly timeout?: Duration;
  /** Where the image's build context is staged. @default `.autopilot/images/backup` */
  readonly imageDirectory?: string;
  /** VPC, subnets and security groups, when a database it dumps is reached inside the VPC (see lib/network). */
  readonly placement?: Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;
  /**
   * The VPC and the schedule role, for `runOn: "fargate"` databases: their ECS tasks
   * (lib/backup/fargate-backup.ts) run the same image. Without them such databases are refused (an error).
   */
  readonly fargate?: { readonly network: AutopilotNetwork; readonly scheduleRole: iam.IRole };
  readonly entriesDir?: string;
  readonly projectRoot?: string;
}

/**
 * The backup job: a container-image Lambda function (the house function's image variant: pg_dump
 * and pg_restore from the image's package manager, arm64, 15 minutes) with one EventBridge
 * Scheduler schedule per backed-up database at its `backup.at`, and a role that can touch
 * `backups/` and `state/` of the bucket, read exactly the password parameters of the databases it
 * dumps, and (for `via: "ssm"`) send the backup document to the targets' tagged servers. The
 * `runOn: "fargate"` databases get ECS tasks on the same image (`fargate`).
 */
export class BackupJob extends Construct implements AutopilotJobConstruct {
  readonly jobs = ['backup'] as const;
  readonly function: AutopilotImageFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly document?: ShellScriptDocument;
  readonly schedules: JobSchedule[] = [];
  readonly entries: readonly BackedUpEntry[];
  /** The staged build context of the backup image, which a Fargate task runs too (lib/backup/fargate-backup.ts). */
  readonly imageContext: string;
  /** The ECS cluster, task definitions, schedules and task-failure rules of `runOn: "fargate"` backups. */
  readonly fargate?: FargateBackup;
  readonly functions: readonly JobFunction[];
  private readonly viaSsm: readonly BackedUpEntry[];
  private readonly placed: boolean;

  /** The suite's backup job, when any database or SQLite file has `backup`. */
  static forSuite(host: JobHost): BackupJob | undefined {
    if (backedUpEntries(host.config).length === 0) return undefined;
    return new BackupJob(host, 'Backup', {
      config: host.config,
      environment: host.jobEnvironment(),
      schedule: (fn, id, options) => host.scheduleJob(fn, id, options),
      deadLetterQueue: host.deadLetterQueue,
      entriesDir: host.entriesDir,
      placement: host.network && lambdaBackupsInVpc(host.config) ? host.network.functionPlacement() : undefined,
      fargate: host.network ? { network: host.network, scheduleRole: host.scheduleRole } : undefined,
    });
  }

  constructor(
    scope: Construct,
    id: string,
    private readonly props: BackupJobProps,
  ) {
    super(scope, id);
    // `runOn: "fargate"` databases are dumped by an ECS task (lib/backup/fargate-backup.ts), not by this function.
    this.entries = backedUpEntries(props.config).filter((e) => e.backup.runOn !== 'fargate');
    this.viaSsm = this.entries.filter((e) => e.backup.via === 'ssm');
    this.placed = props.placement !== undefined;
    if (this.viaSsm.length) this.document = new ShellScriptDocument(this, 'HostBackupDocument', { script: HOST_BACKUP_SCRIPT });

    const context = stageBackupImage({
      config: props.config,
      directory: props.imageDirectory,
      entriesDir: props.entriesDir,
      projectRoot: props.projectRoot,
    });
    this.imageContext = context;
    this.function = new AutopilotImageFunction(this, 'Function', {
      job: 'backup',
      imageDirectory: context,
      // Named before the backup function became a variant of the house function.
      resourceIds: { role: 'Role', logGroup: 'Logs' },
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      description: 'ops-autopilot backup job: pg_dump streamed to S3, verified, with a manifest; SQLite and host databases through SSM',
      placement: props.placement,
      environment: {
        ...props.environment,
        ...(this.document ? { [ENV.backupDocument]: this.document.documentName } : {}),
      },
    });
    this.role = this.function.functionRole;
    this.logGroup = this.function.functionLogGroup;

    for (const entry of this.entries) {
      this.schedules.push(
        props.schedule(this.function, `Backup${entryId(entry)}`, {
          when: entry.backup.at,
          input: { source: 'schedule', targets: [entry.target], database: entry.database },
          flexibleWindow: BACKUP_START_WINDOW,
          description: `ops-autopilot backup of ${entry.target}/${entry.database} at ${entry.backup.at} ${props.config.timezone}`,
        }),
      );
    }

    const onFargate = backedUpEntries(props.config).filter((e) => e.backup.runOn === 'fargate');
    if (onFargate.length && !props.fargate) {
      // The config refuses runOn "fargate" without a network; a BackupJob built by hand must be given it too.
      throw new Error(`${onFargate[0]!.target}/${onFargate[0]!.database}: runOn "fargate" needs the VPC and schedule role (fargate)`);
    }
    if (onFargate.length && props.fargate) {
      // Beside this construct, not in it: its logical IDs predate the job constructs.
      this.fargate = new FargateBackup(scope, 'FargateBackup', {
        config: props.config,
        entries: onFargate,
        imageContext: this.imageContext,
        network: props.fargate.network,
        environment: props.environment,
        scheduleRole: props.fargate.scheduleRole,
        deadLetterQueue: props.deadLetterQueue,
      });
    }
    this.functions = [{ job: 'backup', fn: this.function, schedules: this.schedules }];
  }

  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    // Scheduler invokes asynchronously: one more try for a run that crashed, then the dead-letter queue.
    this.function.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(2),
      onFailure: new SqsDestination(this.props.deadLetterQueue),
    });
    // backups/*: write (multipart included), read back for verification, delete a rejected archive.
    bucket.grantBackupWrite(this.role);
    bucket.grantAlertState(this.role);
    if (this.placed) allowNetworkInterfaces(this.role);
    this.grantPasswords();
    if (this.document) this.grantHostBackups(this.document, this.viaSsm, this.props.config);
    topics.grantPublish(this.function);
    this.fargate?.bind(bucket, topics);
  }

  /** Reads exactly the credentials (parameters, secrets, IAM database users) of the databases this function dumps. */
  private grantPasswords(): void {
    const databases = this.entries.flatMap((e) => (e.kind === 'postgres' && e.backup.via === 'lambda' ? [e.postgres] : []));
    grantSecretReads(this.role, secretReadsOf(databases), {
      parameters: 'DatabasePasswords',
      secrets: 'DatabaseSecrets',
      iamUsers: 'DatabaseIamUsers',
      decrypt: 'DecryptDatabaseCredentials',
    });
  }

  /** SendCommand with the backup document to the tagged servers of the targets backed up through SSM. */
  private grantHostBackups(document: ShellScriptDocument, entries: readonly BackedUpEntry[], config: Config): void {
    const stack = Stack.of(this);
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    const managedInstances = stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' });
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'SendTheBackupDocument', actions: ['ssm:SendCommand'], resources: [document.documentArn] }),
    );
    const tagSets = new Map<string, Readonly<Record<string, string>>>();
    for (const entry of entries) {
      const tags = config.targets[entry.target]?.servers?.tags;
      if (tags) tagSets.set(JSON.stringify(Object.entries(tags).sort()), tags);
    }
    tagConditions(tagSets.values()).forEach((condition, i) => {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `SendToTaggedServers${i}`,
          actions: ['ssm:SendCommand'],
          resources: [instances, managedInstances],
          conditions: { StringEquals: condition },
        }),
      );
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FollowTheCommand',
        actions: [
          'ssm:DescribeInstanceInformation',
          'ssm:ListCommands',
          'ssm:ListCommandInvocations',
          'ssm:GetCommandInvocation',
          'ssm:CancelCommand',
        ],
        resources: ['*'],
      }),
    );
    acknowledgeWildcards(this.role, [
      {
        resource: instances,
        reason:
          "ssm:SendCommand reaches only instances carrying a backed-up target's tags (ssm:resourceTag conditions); instance ids are not " +
          'known at deploy time.',
      },
      {
        resource: managedInstances,
        reason: "ssm:SendCommand reaches only hybrid managed nodes carrying a backed-up target's tags (ssm:resourceTag conditions).",
      },
      {
        resource: '*',
        reason:
          'DescribeInstanceInformation, ListCommands, ListCommandInvocations, GetCommandInvocation and CancelCommand support no ' +
          'resource-level permissions; the function only follows (or cancels) its own command.',
      },
    ]);
  }
}
