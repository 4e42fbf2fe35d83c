import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Config } from '../../functions/core/config/schema.js';
import { JOB_REGISTRY, type Job } from '../../functions/core/jobs.js';
import { PROJECT_ROOT, writeGeneratedEntry } from './generated-entry.js';

/** Bundled CommonJS packages (pg) call `require`, which an ES module does not have. */
export const CREATE_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface AutopilotFunctionJobProps {
  readonly job: Job;
  /** The validated config, embedded in the bundle (see `writeGeneratedEntry`). */
  readonly config: Config;
}

export interface AutopilotFunctionSizingProps {
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 1 minute */
  readonly timeout?: Duration;
  /** @default no reservation */
  readonly reservedConcurrentExecutions?: number;
}

export interface AutopilotFunctionLoggingProps {
  /** @default THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** The logs are operational only (reports and alert state live in the bucket). @default DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export interface AutopilotFunctionSourceProps {
  /** @default `functions/<job>/handler.ts`, relative to the project root */
  readonly handlerFile?: string;
  /** Where the generated entry and config JSON go. @default `.autopilot/entries` */
  readonly entriesDir?: string;
  /** @default the repository root */
  readonly projectRoot?: string;
}

export interface AutopilotFunctionProps
  extends AutopilotFunctionJobProps,
    AutopilotFunctionSizingProps,
    AutopilotFunctionLoggingProps,
    AutopilotFunctionSourceProps {
  readonly description?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** VPC, subnets and security groups, for a function that reaches private databases (see lib/network). */
  readonly placement?: Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;
  /** File stem of the generated entry when two functions run the same job. @default the job */
  readonly entryName?: string;
}

/**
 * A job's Lambda function with the house defaults: Node.js 24 on arm64, an ESM bundle built by
 * the local esbuild (no Docker), minified with source maps, its own log group with retention,
 * and an execution role that starts empty apart from writing to that log group (no managed
 * policies; the stack grants each job exactly what it uses).
 *
 * The role and log group are created next to the function (`<id>Role`, `<id>Logs`) because the
 * function needs them at construction.
 */
export class AutopilotFunction extends NodejsFunction {
  readonly job: Job;
  readonly functionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AutopilotFunctionProps) {
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const entry = writeGeneratedEntry({
      name: props.entryName ?? props.job,
      config: props.config,
      handlerFile: props.handlerFile ?? JOB_REGISTRY[props.job].handlerFile,
      entriesDir: props.entriesDir,
      projectRoot,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ops-autopilot ${props.job} job`,
    });

    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...props.placement,
      description: props.description ?? `ops-autopilot ${props.job} job`,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: `autopilot-${props.job}`,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: CREATE_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Maps to file and line without shipping the sources a second time.
        sourcesContent: false,
        // The bundle carries the SDK versions the tests ran against, not the runtime's copy.
        bundleAwsSDK: true,
        externalModules: ['pg-native'],
        forceDockerBundling: false,
      },
    });
    this.job = props.job;
    this.functionLogGroup = logGroup;
    logGroup.grantWrite(role);
  }
}
