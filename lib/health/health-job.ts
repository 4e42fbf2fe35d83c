import { Duration } from 'aws-cdk-lib';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { durationMs } from '../../functions/core/config/duration.js';
import { ENV } from '../../functions/core/layout.js';
import type { AutopilotJobConstruct, JobFunction, JobHost } from '../jobs/job-construct.js';
import { AutopilotFunction, type AutopilotFunctionProps } from '../lambda/autopilot-function.js';
import { splitHealthConfig } from '../network/placement.js';
import { allowNetworkInterfaces } from '../network/network-interfaces.js';
import type { IAutopilotBucket } from '../s3/autopilot-bucket.js';
import type { JobSchedule } from '../scheduler/job-schedule.js';
import { grantSecretReads, secretReadsOf } from '../secrets/secret-grants.js';
import type { IAlertTopics } from '../sns/alert-topics.js';
import { healthIntervals, healthRuns, healthTimeoutSeconds, type HealthRun } from './health-plan.js';
import type { Config } from '../../functions/kinds/config.js';

/**
 * The health job: one function for the HTTP and TCP probes and the public databases, with a
 * schedule per interval (and part), and, when the config sets `network` and a database is in the
 * VPC, a second function inside the VPC for those databases only (its bundle and role know nothing
 * of the HTTP checks, which stay outside the VPC and need no NAT).
 *
 * Its resources go straight into the host (`HealthFunction`, `HealthEvery1m`, `VpcHealthFunction`),
 * where they stood before job constructs existed, so their logical IDs do not change.
 */
export class HealthJob implements AutopilotJobConstruct {
  readonly jobs = ['health'] as const;
  readonly function: AutopilotFunction;
  readonly schedules: readonly JobSchedule[];
  /** The VPC databases' function and schedules, when any database is reached inside the VPC. */
  readonly vpc?: { readonly function: AutopilotFunction; readonly schedules: readonly JobSchedule[]; readonly config: Config };
  readonly functions: readonly JobFunction[];
  private readonly outside: Config;
  private readonly deadLetterQueue: sqs.IQueue;

  constructor(host: JobHost) {
    // HTTP probes (and public databases) run outside the VPC, private databases from inside it.
    const health = splitHealthConfig(host.config);
    this.outside = health.outside;
    this.deadLetterQueue = host.deadLetterQueue;
    this.function = healthFunction(host, 'HealthFunction', health.outside, {
      description: 'ops-autopilot health job: HTTP and PostgreSQL probes, severity-routed alerts',
    });
    this.schedules = healthRuns(health.outside).map((run) =>
      host.scheduleJob(this.function, `HealthEvery${run.every}${partSuffix(run)}`, {
        when: run.every,
        input: healthRunInput(run),
        description: `ops-autopilot health checks every ${run.every}${run.parts > 1 ? `, part ${run.part + 1} of ${run.parts}` : ''}`,
      }),
    );

    if (host.network && health.vpc) {
      const vpcConfig = health.vpc;
      const fn = healthFunction(host, 'VpcHealthFunction', vpcConfig, {
        entryName: 'health-vpc',
        placement: host.network.functionPlacement(),
        // Its runs share the outside function's schedules: its status page history goes in documents of its own.
        environment: { ...host.jobEnvironment(), [ENV.historyGroup]: 'vpc' },
        description: 'ops-autopilot health job inside the VPC: PostgreSQL probes of the private databases, severity-routed alerts',
      });
      allowNetworkInterfaces(fn.role!);
      const schedules = healthRuns(vpcConfig).map((run) =>
        host.scheduleJob(fn, `VpcHealthEvery${run.every}${partSuffix(run)}`, {
          when: run.every,
          input: healthRunInput(run),
          description: `ops-autopilot health checks of the VPC databases every ${run.every}`,
        }),
      );
      this.vpc = { function: fn, schedules, config: vpcConfig };
    }

    this.functions = [
      { job: 'health', fn: this.function, schedules: this.schedules },
      ...(this.vpc
        ? [{ job: 'health' as const, name: 'health-vpc', fn: this.vpc.function, schedules: this.vpc.schedules, invokedByCli: false }]
        : []),
    ];
  }

  bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
    const targets = Object.values(this.outside.targets);
    this.grant(
      this.function,
      bucket,
      topics,
      secretReadsOf(
        targets.flatMap((t) => t.postgres ?? []),
        targets.flatMap((t) => t.health ?? []),
      ),
    );
    this.configureAsyncInvoke(this.function, this.outside);
    if (this.vpc) {
      this.grant(this.vpc.function, bucket, topics, secretReadsOf(Object.values(this.vpc.config.targets).flatMap((t) => t.postgres ?? [])));
      // The same async policy as the outside function (Lambda's default would replay a failed run for 6 hours).
      this.configureAsyncInvoke(this.vpc.function, this.vpc.config);
    }
  }

  /**
   * A failed health run is not replayed: the next scheduled run probes afresh, and an event older
   * than the tightest interval would report on a past minute (Lambda's default: 2 retries over 6 h).
   * A run that failed, or that throttling kept waiting past that age, lands in the dead-letter queue (its alarm pages).
   */
  private configureAsyncInvoke(fn: AutopilotFunction, config: Config): void {
    fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: asyncEventAge(healthIntervals(config)),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
  }

  /** Alert state, the backup manifests (freshness), the alert topics, and the credentials its probes read. */
  private grant(fn: AutopilotFunction, bucket: IAutopilotBucket, topics: IAlertTopics, reads: ReturnType<typeof secretReadsOf>): void {
    bucket.grantAlertState(fn);
    bucket.grantManifestRead(fn);
    // The status page's history, and the page it regenerates after a run.
    bucket.grantStatusPageWrite(fn);
    topics.grantPublish(fn);
    grantSecretReads(fn, reads);
  }
}

/**
 * A health function for one part of the config (outside the VPC, or its private databases only),
 * so each bundle and role know only the checks that function runs.
 */
function healthFunction(
  host: JobHost,
  id: string,
  config: Config,
  props: Pick<AutopilotFunctionProps, 'description' | 'entryName' | 'placement' | 'environment'>,
): AutopilotFunction {
  return new AutopilotFunction(host, id, {
    ...props,
    job: 'health',
    config,
    entriesDir: host.entriesDir,
    memorySize: 512,
    timeout: Duration.seconds(healthTimeoutSeconds(config)),
    environment: props.environment ?? host.jobEnvironment(),
  });
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
