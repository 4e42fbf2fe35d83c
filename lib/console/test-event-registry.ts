import { join } from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPLOY_HELPER_ENTRY_POINTS } from '../../functions/deploy/boundary.js';
import { PROJECT_ROOT } from '../lambda/generated-entry.js';

export interface TestEventRegistryProps {
  /** The registry's name: the Lambda console reads `lambda-testevent-schemas`. */
  readonly registryName: string;
  readonly description: string;
}

/**
 * Makes sure the console's shareable test-event registry exists, as a custom resource backed by a
 * small function (functions/deploy/test-event-registry.ts): created when missing, an existing one
 * left alone, and never deleted (the registry holds every shareable test event of the account and
 * region; a stack delete makes no call). The function may describe and create that one registry,
 * nothing else. Depend on `resource` for anything that goes into the registry.
 */
export class TestEventRegistry extends Construct {
  readonly function: NodejsFunction;
  readonly resource: CustomResource;
  readonly registryArn: string;

  constructor(scope: Construct, id: string, props: TestEventRegistryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.registryArn = stack.formatArn({ service: 'schemas', resource: 'registry', resourceName: props.registryName });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Makes sure the schema registry ${props.registryName} exists (describe, create; never delete)`,
    });
    logGroup.grantWrite(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EnsureTheRegistry',
        actions: ['schemas:DescribeRegistry', 'schemas:CreateRegistry'],
        resources: [this.registryArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, DEPLOY_HELPER_ENTRY_POINTS.testEventRegistry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // The SDK gives up within about a minute and the answer is sent before the function times out.
      timeout: Duration.minutes(2),
      description: `ops-autopilot deploy helper: makes sure the schema registry ${props.registryName} exists`,
      role,
      logGroup,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        // The Node.js 24 runtime's own SDK v3 (it has the Schemas client): a deploy-time helper of a dozen lines, bundled
        // in a moment, where the job functions carry the SDK versions their tests ran against.
        bundleAwsSDK: false,
        forceDockerBundling: false,
      },
    });
    // CloudFormation invokes it asynchronously and waits up to an hour for its answer: a run that
    // crashed before answering is tried twice more within that hour.
    this.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1) });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::TestEventRegistry',
      properties: { RegistryName: props.registryName, Description: props.description },
      // Nothing to undo on delete either way: the handler makes no call for it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
