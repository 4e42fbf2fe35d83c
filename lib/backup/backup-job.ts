import { join } from 'node:path';
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
import { imageArchitecture, type ImageArchitecture } from '../lambda/image-architecture.js';
import type { AutopilotNetwork } from '../network/autopilot-network.js';
import { backupConfigOf, splitBackups } from '../network/placement.js';
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
  /**
   * Where the images' build contexts are staged, each in its own folder (`backup`, `backup-vpc`,
   * `backup-fargate`). @default `.autopilot/images`
   */
  readonly imageDirectory?: string;
  /**
   * The VPC, when the config sets `network`: its VPC databases get a backup function inside it,
   * and its `runOn: "fargate"` databases ECS tasks in it (with `scheduleRole`). Without it such
   * databases are refused (an error).
   */
  readonly network?: AutopilotNetwork;
  /** The role Scheduler assumes, for the Fargate tasks' schedules. */
  readonly scheduleRole?: iam.IRole;
  /** The images' architecture (Lambda, Docker platform, ECS). @default the deploying machine's (`imageArchitecture`) */
  readonly architecture?: ImageArchitecture;
  readonly entriesDir?: string;
  readonly projectRoot?: string;
}

/** One backup function: its databases, its function and role, its schedules, and the SSM document when it runs host backups. */
export interface BackupRunner {
  readonly entries: readonly BackedUpEntry[];
  readonly function: AutopilotImageFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedules: readonly JobSchedule[];
  /** The staged build context of its image. */
  readonly imageContext: string;
  readonly document?: ShellScriptDocument;
  readonly inVpc: boolean;
}

/**
 * The backup job, placed where its databases are (`splitBackups`, as the health job splits its
 * probes): a container-image Lambda function outside the VPC for the public databases and the
 * databases backed up through SSM, a second one inside the VPC for the VPC databases, and ECS
 * tasks for `runOn: "fargate"` ones. Each is built from the same Dockerfile (pg_dump and
 * pg_restore from the image's package manager, for the deploying machine's architecture) with
 * only its own databases in its config, has one EventBridge Scheduler schedule per database at
 * its `backup.at`, and a role that can touch `backups/` and `state/` of the bucket, read exactly
 * the credentials of the databases it dumps, and (outside, for `via: "ssm"`) send the backup
 * document to the targets' tagged servers. A public database is never dumped from inside a VPC
 * that may have no NAT.
 */
export class BackupJob extends Construct implements AutopilotJobConstruct {
  readonly jobs = ['backup'] as const;
  /** The function outside the VPC (`Backup/Function`), when a database is public or backed up through SSM. */
  readonly outside?: BackupRunner;
  /** The function inside the VPC (`Backup/VpcFunction`), when a VPC database is dumped by Lambda. */
  readonly vpc?: BackupRunner;
  /** The ECS cluster, task definitions, schedules and task-failure rules of `runOn: "fargate"` backups. */
  readonly fargate?: FargateBackup;
  readonly architecture: ImageArchitecture;
  readonly functions: readonly JobFunction[];

  /** The suite's backup job, when any database or SQLite file has `backup`. */
  static forSuite(host: JobHost): BackupJob | undefined {
    if (backedUpEntries(host.config).length === 0) return undefined;
    return new BackupJob(host, 'Backup', {
      config: host.config,
      environment: host.jobEnvironment(),
      schedule: (fn, id, options) => host.scheduleJob(fn, id, options),
      deadLetterQueue: host.deadLetterQueue,
      entriesDir: host.entriesDir,
      // Beside the entries when the host puts them somewhere of its own (tests synthesizing side by side).
      imageDirectory: host.entriesDir ? join(host.entriesDir, 'images') : undefined,
      network: host.network,
      scheduleRole: host.scheduleRole,
      architecture: host.imageArchitecture,
    });
  }

  constructor(
    scope: Construct,
    id: string,
    private readonly props: BackupJobProps,
  ) {
    super(scope, id);
    this.architecture = props.architecture ?? imageArchitecture(undefined);
    const split = splitBackups(props.config);
    if ((split.vpc.length || split.fargate.length) && !props.network) {
      // The config refuses a VPC database without a network; a BackupJob built by hand must be given it too.
      const [first] = [...split.vpc, ...split.fargate];
      throw new Error(`${first!.target}/${first!.database}: a database in the VPC needs the network (network)`);
    }
    if (split.fargate.length && !props.scheduleRole) {
      throw new Error(`${split.fargate[0]!.target}/${split.fargate[0]!.database}: runOn "fargate" needs the schedule role (scheduleRole)`);
    }

    if (split.outside.length) {
      this.outside = this.runner(split.outside, {
        name: 'backup',
        // Named before the backup function became a variant of the house function, and before the VPC one existed.
        ids: { function: 'Function', role: 'Role', logGroup: 'Logs' },
        description: 'ops-autopilot backup job: pg_dump streamed to S3, verified, with a manifest; SQLite and host databases through SSM',
      });
    }
    if (split.vpc.length && props.network) {
      this.vpc = this.runner(split.vpc, {
        name: 'backup-vpc',
        ids: { function: 'VpcFunction', role: 'VpcRole', logGroup: 'VpcLogs' },
        description: 'ops-autopilot backup job inside the VPC: pg_dump of the VPC databases streamed to S3, verified, with a manifest',
        placement: props.network.functionPlacement(),
      });
    }
    if (split.fargate.length && props.network && props.scheduleRole) {
      // Beside this construct, not in it: its logical IDs predate the job constructs.
      this.fargate = new FargateBackup(scope, 'FargateBackup', {
        config: props.config,
        entries: split.fargate,
        imageContext: this.stage('backup-fargate', split.fargate),
        architecture: this.architecture,
        network: props.network,
        environment: props.environment,
        scheduleRole: props.scheduleRole,
        deadLetterQueue: props.deadLetterQueue,
      });
    }
    // `autopilot invoke backup` calls the outside function when there is one (as it calls the outside health function).
    this.functions = [
      ...(this.outside
        ? [{ job: 'backup' as const, fn: this.outside.function, schedules: this.outside.schedules, targets: targetsOf(this.outside) }]
        : []),
      ...(this.vpc
        ? [
            {
              job: 'backup' as const,
              name: this.outside ? 'backup-vpc' : undefined,
              fn: this.vpc.function,
              schedules: this.vpc.schedules,
              targets: targetsOf(this.vpc),
              invokedByCli: !this.outside,
            },
          ]
        : []),
    ];
  }

  /** The outside function, else the VPC one: what `autopilot invoke backup` runs. */
  get function(): AutopilotImageFunction | undefined {
    return (this.outside ?? this.vpc)?.function;
  }

  /** Every schedule of the backup functions (Fargate's are its own). */
  get schedules(): JobSchedule[] {
    return [...(this.outside?.schedules ?? []), ...(this.vpc?.schedules ?? [])];
  }

  private stage(name: string, entries: readonly BackedUpEntry[]): string {
    return stageBackupImage({
      config: backupConfigOf(this.props.config, entries),
      name,
      directory: this.props.imageDirectory === undefined ? undefined : join(this.props.imageDirectory, name),
      entriesDir: this.props.entriesDir,
      projectRoot: this.props.projectRoot,
    });
  }

  private runner(
    entries: readonly BackedUpEntry[],
    options: {
      name: string;
      ids: { function: string; role: string; logGroup: string };
      description: string;
      placement?: Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;
    },
  ): BackupRunner {
    const { props } = this;
    const viaSsm = entries.some((e) => e.backup.via === 'ssm');
    const document = viaSsm ? new ShellScriptDocument(this, 'HostBackupDocument', { script: HOST_BACKUP_SCRIPT }) : undefined;
    const imageContext = this.stage(options.name, entries);
    const fn = new AutopilotImageFunction(this, options.ids.function, {
      job: 'backup',
      imageDirectory: imageContext,
      architecture: this.architecture,
      resourceIds: { role: options.ids.role, logGroup: options.ids.logGroup },
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      description: options.description,
      placement: options.placement,
      environment: { ...props.environment, ...(document ? { [ENV.backupDocument]: document.documentName } : {}) },
    });
    const schedules = entries.map((entry) =>
      props.schedule(fn, `Backup${entryId(entry)}`, {
        when: entry.backup.at,
        input: { source: 'schedule', targets: [entry.target], database: entry.database },
        flexibleWindow: BACKUP_START_WINDOW,
        description: `ops-autopilot backup of ${entry.target}/${entry.database} at ${entry.backup.at} ${props.config.timezone}`,
      }),
    );
    return {
      entries,
      function: fn,
      role: fn.functionRole,
      logGroup: fn.functionLogGroup,
      schedules,
      imageContext,
      document,
      inVpc: options.placement !== undefined,
    };
  }

  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    for (const runner of [this.outside, this.vpc]) {
      if (!runner) continue;
      // Scheduler invokes asynchronously: one more try for a run that crashed, then the dead-letter queue.
      runner.function.configureAsyncInvoke({
        retryAttempts: 1,
        maxEventAge: Duration.hours(2),
        onFailure: new SqsDestination(this.props.deadLetterQueue),
      });
      // backups/*: write (multipart included), read back for verification, delete a rejected archive.
      bucket.grantBackupWrite(runner.role);
      bucket.grantAlertState(runner.role);
      if (runner.inVpc) allowNetworkInterfaces(runner.role);
      grantPasswords(runner);
      if (runner.document)
        this.grantHostBackups(
          runner.role,
          runner.document,
          runner.entries.filter((e) => e.backup.via === 'ssm'),
        );
      topics.grantPublish(runner.function);
    }
    this.fargate?.bind(bucket, topics);
  }

  /** SendCommand with the backup document to the tagged servers of the targets backed up through SSM. */
  private grantHostBackups(role: iam.Role, document: ShellScriptDocument, entries: readonly BackedUpEntry[]): void {
    const config = this.props.config;
    const stack = Stack.of(this);
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    const managedInstances = stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' });
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'SendTheBackupDocument', actions: ['ssm:SendCommand'], resources: [document.documentArn] }),
    );
    const tagSets = new Map<string, Readonly<Record<string, string>>>();
    for (const entry of entries) {
      const tags = config.targets[entry.target]?.servers?.tags;
      if (tags) tagSets.set(JSON.stringify(Object.entries(tags).sort()), tags);
    }
    tagConditions(tagSets.values()).forEach((condition, i) => {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: `SendToTaggedServers${i}`,
          actions: ['ssm:SendCommand'],
          resources: [instances, managedInstances],
          conditions: { StringEquals: condition },
        }),
      );
    });
    role.addToPolicy(
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
    acknowledgeWildcards(role, [
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

/** Reads exactly the credentials (parameters, secrets, IAM database users) of the databases this function dumps. */
function grantPasswords(runner: BackupRunner): void {
  const databases = runner.entries.flatMap((e) => (e.kind === 'postgres' && e.backup.via === 'lambda' ? [e.postgres] : []));
  grantSecretReads(runner.role, secretReadsOf(databases), {
    parameters: 'DatabasePasswords',
    secrets: 'DatabaseSecrets',
    iamUsers: 'DatabaseIamUsers',
    decrypt: 'DecryptDatabaseCredentials',
  });
}

/** The targets a function backs something up for: its console test events offer those. */
function targetsOf(runner: BackupRunner): string[] {
  return [...new Set(runner.entries.map((e) => e.target))];
}
