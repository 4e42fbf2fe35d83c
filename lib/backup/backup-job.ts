import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../functions/core/config/schema.js';
import { backedUpEntries, type BackedUpEntry } from '../../functions/backup/entries.js';
import { ENV } from '../../functions/core/layout.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import { HOST_BACKUP_SCRIPT } from '../../functions/backup/ssm/host-backup-script.js';
import { ShellScriptDocument } from '../ssm/shell-script-document.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import { allowNetworkInterfaces } from '../network/network-interfaces.js';
import { grantSecretReads, secretReadsOf } from '../secrets/secret-grants.js';
import { stageBackupImage } from './backup-image.js';
import { tagConditions } from '../iam/tag-conditions.js';

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
  /** The suite's bucket: backups under `backups/`, alert state under `state/`. */
  readonly bucket: IAutopilotBucket;
  /** AUTOPILOT_BUCKET and AUTOPILOT_TOPIC_ARNS (the stack's `jobEnvironment()`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Lets the function publish alerts (the stack's `topics.grantPublish`). */
  readonly grantPublish: (grantee: iam.IGrantable) => void;
  /** Makes one schedule in the config timezone with the stack's retries and dead-letter queue (the stack's `scheduleJob`). */
  readonly schedule: (fn: lambda.IFunction, id: string, options: BackupScheduleOptions) => unknown;
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
  readonly entriesDir?: string;
  readonly projectRoot?: string;
}

function pascal(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/**
 * The backup job: a container-image Lambda function (pg_dump and pg_restore from the image's
 * package manager, arm64, 15 minutes) with one EventBridge Scheduler schedule per backed-up
 * database at its `backup.at`, and a role that can touch `backups/` and `state/` of the bucket,
 * read exactly the password parameters of the databases it dumps, and (for `via: "ssm"`) send
 * the backup document to the targets' tagged servers.
 */
export class BackupJob extends Construct {
  readonly function: lambda.DockerImageFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly document?: ShellScriptDocument;
  readonly schedules: unknown[] = [];
  readonly entries: readonly BackedUpEntry[];
  /** The staged build context of the backup image, which a Fargate task runs too (lib/backup/fargate-backup.ts). */
  readonly imageContext: string;

  constructor(scope: Construct, id: string, props: BackupJobProps) {
    super(scope, id);
    // `runOn: "fargate"` databases are dumped by an ECS task (lib/backup/fargate-backup.ts), not by this function.
    this.entries = backedUpEntries(props.config).filter((e) => e.backup.runOn !== 'fargate');
    const viaSsm = this.entries.filter((e) => e.backup.via === 'ssm');
    if (viaSsm.length) this.document = new ShellScriptDocument(this, 'HostBackupDocument', { script: HOST_BACKUP_SCRIPT });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the ops-autopilot backup job',
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.logGroup.grantWrite(this.role);

    const context = stageBackupImage({
      config: props.config,
      directory: props.imageDirectory,
      entriesDir: props.entriesDir,
      projectRoot: props.projectRoot,
    });
    this.imageContext = context;
    this.function = new lambda.DockerImageFunction(this, 'Function', {
      code: lambda.DockerImageCode.fromImageAsset(context, { platform: Platform.LINUX_ARM64 }),
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      description: 'ops-autopilot backup job: pg_dump streamed to S3, verified, with a manifest; SQLite and host databases through SSM',
      role: this.role,
      logGroup: this.logGroup,
      ...props.placement,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'autopilot-backup',
        ...props.environment,
        ...(this.document ? { [ENV.backupDocument]: this.document.documentName } : {}),
      },
    });
    // Scheduler invokes asynchronously: one more try for a run that crashed, then the dead-letter queue.
    this.function.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(2),
      onFailure: new SqsDestination(props.deadLetterQueue),
    });

    // backups/*: write (multipart included), read back for verification, delete a rejected archive.
    props.bucket.grantBackupWrite(this.role);
    props.bucket.grantAlertState(this.role);
    if (props.placement) allowNetworkInterfaces(this.role);
    this.grantPasswords();
    if (this.document) this.grantHostBackups(this.document, viaSsm, props.config);
    props.grantPublish(this.function);

    for (const entry of this.entries) {
      this.schedules.push(
        props.schedule(this.function, `Backup${pascal(entry.target)}${pascal(entry.database)}`, {
          when: entry.backup.at,
          input: { source: 'schedule', targets: [entry.target], database: entry.database },
          flexibleWindow: BACKUP_START_WINDOW,
          description: `ops-autopilot backup of ${entry.target}/${entry.database} at ${entry.backup.at} ${props.config.timezone}`,
        }),
      );
    }
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
