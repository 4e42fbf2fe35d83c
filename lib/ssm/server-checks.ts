import { Duration, Stack } from 'aws-cdk-lib';
import { tagConditions } from '../iam/tag-conditions.js';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY_TIMEOUT_SECONDS } from '../../functions/remote/boundary.js';
import {
  checksOf,
  SERVER_CHECK_IDS,
  SERVER_CHECKS,
  SERVER_CHECKS_HANDLER,
  SERVER_JOBS,
  type ServerCheckId,
  type ServerJob,
} from '../../functions/ssm-checks/boundary.js';
import { ENV, SSM_OUTPUT_PREFIX } from '../../functions/core/layout.js';
import { AutopilotFunction } from '../lambda/autopilot-function.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import { JobSchedule, schedulerRole } from '../scheduler/job-schedule.js';
import { ShellScriptDocument } from './shell-script-document.js';
import type { AutopilotJobConstruct, JobFunction, JobHost } from '../jobs/job-construct.js';
import type { IAlertTopics } from '../sns/alert-topics.js';
import type { Config } from '../../functions/kinds/config.js';

/** Where the SSM Agent writes each command's full stdout and stderr (from the layout module). */
export { SSM_OUTPUT_PREFIX };
/** Time of day (config timezone) of a daily security check: done before the morning checklist. */
export const SECURITY_DAILY_AT = '05:00';

/** Each check's part of its constructs' ids (`DiskFunction`, `Documents/Security`, `Documents/Resources`). */
const TITLES: Readonly<Record<ServerCheckId, string>> = { disk: 'Disk', security: 'Security', resources: 'Resources' };

export interface ServerChecksProps {
  /** The validated config; targets with `servers` are checked. */
  readonly config: Config;
  /** AUTOPILOT_BUCKET and AUTOPILOT_TOPIC_ARNS (the stack's `jobEnvironment()`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Scheduler deliveries and async invocations that failed after their retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The role EventBridge Scheduler assumes (the stack's `scheduleRole`). @default one made here */
  readonly scheduleRole?: iam.IRole;
  /** Where the generated bundle entries go (tests). */
  readonly entriesDir?: string;
  /** Command output kept in the bound bucket this long (when it is an s3.Bucket of this app). @default 30 days */
  readonly outputRetention?: Duration;
}

/**
 * The disk and security jobs on the servers: an SSM Command document per check (the resources check's only when a
 * target configures resources or processes), one function per job (`functions/ssm-checks/handler.ts`) with its
 * schedule in the config timezone, least-privilege IAM, and (on `bind`) a managed policy the servers' instance roles
 * attach so the SSM Agent can write the command output to the bucket. Creates nothing when no target has `servers`.
 */
export class ServerChecks extends Construct implements AutopilotJobConstruct {
  readonly jobs = SERVER_JOBS;
  readonly documents: Partial<Record<ServerCheckId, ShellScriptDocument>> = {};
  /** By job: the functions of `functions`, for callers that want one. */
  readonly jobFunctions: Partial<Record<ServerJob, AutopilotFunction>> = {};
  readonly schedules: Partial<Record<ServerJob, JobSchedule>> = {};
  readonly functions: readonly JobFunction[];
  /** Attach to the servers' instance roles: s3:PutObject under `ssm-output/` for the command output (made by `bind`). */
  instanceOutputPolicy?: iam.ManagedPolicy;
  private readonly tagSets: ReadonlyArray<Readonly<Record<string, string>>>;

  /** The suite's disk and security checks, when any target has `servers`. */
  static forSuite(host: JobHost): ServerChecks | undefined {
    if (uniqueTagSets(host.config).length === 0) return undefined;
    return new ServerChecks(host, 'ServerChecks', {
      config: host.config,
      environment: host.jobEnvironment(),
      deadLetterQueue: host.deadLetterQueue,
      scheduleRole: host.scheduleRole,
      entriesDir: host.entriesDir,
    });
  }

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ServerChecksProps,
  ) {
    super(scope, id);
    this.tagSets = uniqueTagSets(props.config);
    if (this.tagSets.length === 0) {
      this.functions = [];
      return;
    }

    const stack = Stack.of(this);
    const documentScope = new Construct(this, 'Documents');
    const serverConfigs = Object.values(props.config.targets).flatMap((t) => (t.servers ? [t.servers] : []));
    for (const id of SERVER_CHECK_IDS) {
      if (!serverConfigs.some((servers) => SERVER_CHECKS[id].appliesTo(servers))) continue;
      this.documents[id] = new ShellScriptDocument(documentScope, TITLES[id], { script: SERVER_CHECKS[id].script });
    }
    const documentRefs = Object.fromEntries(Object.entries(this.documents).map(([id, document]) => [id, document.ref]));

    const scheduleRole =
      props.scheduleRole ?? schedulerRole(this, 'ScheduleRole', 'EventBridge Scheduler invokes the ops-autopilot server-check functions');
    for (const job of SERVER_JOBS) {
      const title = TITLES[job];
      const fn = new AutopilotFunction(this, `${title}Function`, {
        job,
        config: props.config,
        handlerFile: SERVER_CHECKS_HANDLER,
        entriesDir: props.entriesDir,
        // Sends, then waits for SSM's own expiry (delivery + execution timeout); what runs longer is carried on by a continuation.
        timeout: Duration.seconds(
          DELIVERY_TIMEOUT_SECONDS + Math.max(...checksOf(job).map((check) => check.script.executionTimeoutSeconds)) + 180,
        ),
        description: `ops-autopilot ${job} check on the servers through SSM Run Command`,
        environment: {
          ...props.environment,
          [ENV.serverJob]: job,
          [ENV.ssmDocuments]: stack.toJsonString(documentRefs),
          [ENV.ssmOutputPrefix]: SSM_OUTPUT_PREFIX,
        },
      });
      this.jobFunctions[job] = fn;
      this.schedules[job] = new JobSchedule(this, `${title}Schedule`, {
        function: fn,
        when: props.config.schedules[job],
        dailyAt: SECURITY_DAILY_AT,
        timezone: props.config.timezone,
        input: { source: 'schedule', job },
        description: `ops-autopilot ${job} check every ${props.config.schedules[job]}`,
        deadLetterQueue: props.deadLetterQueue,
        role: scheduleRole,
      });
    }
    this.functions = SERVER_JOBS.map((job) => ({ job, fn: this.jobFunctions[job]!, schedules: [this.schedules[job]!] }));
  }

  /**
   * Each function: SendCommand on its document and the tagged nodes, alert state and pending runs
   * under state/ (deleting only collected pending runs), invoking itself to carry on a long run,
   * the alert topics, and the dead-letter queue. The servers' instance roles get a managed policy
   * for the command output under `ssm-output/`, which the bucket expires.
   */
  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    if (this.tagSets.length === 0) return;
    this.instanceOutputPolicy = this.outputPolicy(bucket.bucket);
    if (bucket.bucket instanceof s3.Bucket) {
      bucket.bucket.addLifecycleRule({
        id: 'ssm-output',
        prefix: SSM_OUTPUT_PREFIX,
        expiration: this.props.outputRetention ?? Duration.days(30),
      });
    }
    for (const job of SERVER_JOBS) {
      const fn = this.jobFunctions[job]!;
      const documents = checksOf(job).flatMap((check) => this.documents[check.id] ?? []);
      this.grantRun(fn, documents, this.tagSets);
      bucket.grantAlertState(fn);
      bucket.grantPendingRunCleanup(fn);
      this.grantSelfInvoke(fn, TITLES[job]);
      topics.grantPublish(fn);
      // Scheduler and the continuation invoke asynchronously: Lambda's two retries, then the dead-letter queue (its alarm pages).
      fn.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.props.deadLetterQueue) });
    }
  }

  /**
   * ssm:SendCommand on the job's documents, and on EC2 instances and hybrid managed nodes only
   * while they carry a configured target's tags (all of them); the read-only status calls, which
   * IAM cannot narrow to resources, on "*".
   */
  private grantRun(
    fn: AutopilotFunction,
    documents: readonly ShellScriptDocument[],
    tagSets: ReadonlyArray<Readonly<Record<string, string>>>,
  ): void {
    const stack = Stack.of(this);
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    const managedInstances = stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendTheCheckDocument',
        actions: ['ssm:SendCommand'],
        resources: documents.map((document) => document.documentArn),
      }),
    );
    tagConditions(tagSets).forEach((condition, i) => {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: `SendToTaggedNodes${i}`,
          actions: ['ssm:SendCommand'],
          resources: [instances, managedInstances],
          conditions: { StringEquals: condition },
        }),
      );
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCommandStatus',
        actions: ['ssm:DescribeInstanceInformation', 'ssm:ListCommands', 'ssm:ListCommandInvocations', 'ssm:GetCommandInvocation'],
        resources: ['*'],
      }),
    );
    acknowledgeWildcards(fn.role!, [
      {
        resource: instances,
        reason:
          "ssm:SendCommand reaches only instances carrying a configured target's tags (ssm:resourceTag conditions); instance ids are not " +
          'known at deploy time.',
      },
      {
        resource: managedInstances,
        reason: "ssm:SendCommand reaches only hybrid managed nodes (mi-) carrying a configured target's tags (ssm:resourceTag conditions).",
      },
      {
        resource: '*',
        reason:
          'DescribeInstanceInformation, ListCommands, ListCommandInvocations and GetCommandInvocation support no resource-level ' +
          'permissions; they only read command status.',
      },
    ]);
  }

  /**
   * The function invokes itself to go on collecting a long run. A separate policy (not the role's
   * default one, on which the function depends) keeps the template free of a dependency cycle.
   */
  private grantSelfInvoke(fn: AutopilotFunction, title: string): void {
    new iam.Policy(this, `${title}Continuation`, {
      roles: [fn.role!],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
    });
  }

  private outputPolicy(bucket: s3.IBucket): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, 'InstanceOutputPolicy', {
      description: 'Attach to the instance roles of the checked servers: the SSM Agent writes ops-autopilot command output to the bucket.',
      statements: [
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${SSM_OUTPUT_PREFIX}*`)] }),
        new iam.PolicyStatement({ actions: ['s3:GetEncryptionConfiguration'], resources: [bucket.bucketArn] }),
      ],
    });
    acknowledgeWildcards(policy, [
      {
        resource: bucket.arnForObjects(`${SSM_OUTPUT_PREFIX}*`),
        reason: 'Command output keys are made by SSM: <prefix>/<command id>/<instance id>/…',
      },
    ]);
    return policy;
  }
}

/** The distinct tag sets of the targets with servers: one SendCommand grant each. */
export function uniqueTagSets(config: Config): Array<Readonly<Record<string, string>>> {
  const seen = new Map<string, Readonly<Record<string, string>>>();
  for (const t of Object.values(config.targets)) {
    if (!t.servers) continue;
    const sorted = Object.fromEntries(Object.entries(t.servers.tags).sort(([a], [b]) => a.localeCompare(b)));
    seen.set(JSON.stringify(sorted), sorted);
  }
  return [...seen.values()];
}
