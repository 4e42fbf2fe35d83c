import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { JOB_REGISTRY, type Job } from '../../functions/core/jobs.js';
import { PROJECT_ROOT, writeGeneratedEntry } from './generated-entry.js';
import type { ImageArchitecture } from './image-architecture.js';
import type { Config } from '../../functions/kinds/config.js';

/** Bundled CommonJS packages (pg) call `require`, which an ES module does not have. */
export const CREATE_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Functions of the suite that are no scheduled job: the status page's (behind its URL). Each gives its `handlerFile`. */
export type ServiceFunction = 'status-page';

export interface AutopilotFunctionJobProps {
  readonly job: Job | ServiceFunction;
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

/** What every job function of the suite is given, whatever its code: a zip bundle or a container image. */
export interface AutopilotFunctionBaseProps extends AutopilotFunctionSizingProps, AutopilotFunctionLoggingProps {
  readonly job: Job | ServiceFunction;
  readonly description?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** VPC, subnets and security groups, for a function that reaches private databases (see lib/network). */
  readonly placement?: Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;
}

export interface AutopilotFunctionProps extends AutopilotFunctionBaseProps, AutopilotFunctionJobProps, AutopilotFunctionSourceProps {
  /** File stem of the generated entry when two functions run the same job. @default the job */
  readonly entryName?: string;
}

/** The construct ids of the role and log group made beside a function, in its scope. */
export interface HouseResourceIds {
  readonly role: string;
  readonly logGroup: string;
}

/**
 * The house defaults both variants share: arm64 (an image function then runs on its image's
 * architecture), the sizing defaults, its own log group with retention, an execution role that
 * starts empty apart from writing to that log group (no managed policies; the job's `bind` grants
 * exactly what it uses), the service name for Powertools, and the description. The role and log
 * group are made in `scope`, beside the function, because the function needs them at construction.
 */
function houseDefaults(
  scope: Construct,
  ids: HouseResourceIds,
  props: AutopilotFunctionBaseProps,
  extraEnvironment: Readonly<Record<string, string>> = {},
) {
  const logGroup = new logs.LogGroup(scope, ids.logGroup, {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the ops-autopilot ${props.job} job`,
  });
  logGroup.grantWrite(role);
  return {
    role,
    logGroup,
    options: {
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...props.placement,
      description: props.description ?? `ops-autopilot ${props.job} job`,
      role,
      logGroup,
      environment: { POWERTOOLS_SERVICE_NAME: `autopilot-${props.job}`, ...extraEnvironment, ...props.environment },
    } satisfies lambda.FunctionOptions,
  };
}

function handlerFileOf(job: Job | ServiceFunction): string {
  const entry = (JOB_REGISTRY as Partial<Record<string, { handlerFile: string }>>)[job];
  if (!entry) throw new Error(`the ${job} function needs its handlerFile (it is no job of the registry)`);
  return entry.handlerFile;
}

/**
 * A job's Lambda function with the house defaults (see `houseDefaults`): Node.js 24, an ESM
 * bundle built by the local esbuild (no Docker), minified with source maps.
 *
 * The role and log group are created next to the function (`<id>Role`, `<id>Logs`).
 */
export class AutopilotFunction extends NodejsFunction {
  readonly job: Job | ServiceFunction;
  readonly functionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AutopilotFunctionProps) {
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const entry = writeGeneratedEntry({
      name: props.entryName ?? props.job,
      config: props.config,
      handlerFile: props.handlerFile ?? handlerFileOf(props.job),
      entriesDir: props.entriesDir,
      projectRoot,
    });
    const house = houseDefaults(scope, { role: `${id}Role`, logGroup: `${id}Logs` }, props, { NODE_OPTIONS: '--enable-source-maps' });

    super(scope, id, {
      ...house.options,
      entry,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
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
    this.functionLogGroup = house.logGroup;
  }
}

export interface AutopilotImageFunctionProps extends AutopilotFunctionBaseProps {
  /** The staged Docker build context (its Dockerfile's base image brings the runtime). */
  readonly imageDirectory: string;
  /** What the image is built for and the function runs on (`imageArchitecture`: by default the deploying machine's). */
  readonly architecture: ImageArchitecture;
  /** @default `<id>Role` and `<id>Logs` */
  readonly resourceIds?: HouseResourceIds;
}

/**
 * The container-image variant of the house function, for a job that needs binaries a zip cannot
 * carry (the backup job's pg_dump and pg_restore): the same defaults, with the code an image asset
 * built from a staged directory (no Docker at synth; `cdk deploy` builds it) for `architecture`,
 * which the function then runs on (its --platform and IMAGE_ARCH build argument say the same).
 */
export class AutopilotImageFunction extends lambda.DockerImageFunction {
  readonly job: Job | ServiceFunction;
  readonly functionLogGroup: logs.LogGroup;
  readonly functionRole: iam.Role;

  constructor(scope: Construct, id: string, props: AutopilotImageFunctionProps) {
    const house = houseDefaults(scope, props.resourceIds ?? { role: `${id}Role`, logGroup: `${id}Logs` }, props);
    super(scope, id, {
      ...house.options,
      architecture: props.architecture.lambda,
      code: lambda.DockerImageCode.fromImageAsset(props.imageDirectory, {
        platform: props.architecture.platform,
        buildArgs: { ...props.architecture.buildArgs },
      }),
    });
    this.job = props.job;
    this.functionLogGroup = house.logGroup;
    this.functionRole = house.role;
  }
}
