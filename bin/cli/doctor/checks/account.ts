import { readFileSync } from 'node:fs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRegistryCommand } from '@aws-sdk/client-schemas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { type CheckLine, type DoctorContext, errorName, errorText, fail, ok } from '../report.js';

/** The bootstrap stack version this app's templates require (the CDK default synthesizer's minimum). */
export const MIN_BOOTSTRAP_VERSION = 6;
const TOOLKIT_STACK = 'CDKToolkit';
const DEFAULT_QUALIFIER = 'hnb659fds';
/** The EventBridge schema registry the Lambda console keeps shareable test events in (AWS's name). */
export const TEST_EVENT_REGISTRY = 'lambda-testevent-schemas';

/** The bootstrap qualifier cdk.json sets (`@aws-cdk/core:bootstrapQualifier`), else CDK's default. */
function bootstrapQualifier(): string {
  try {
    const cdk = JSON.parse(readFileSync(new URL('../../../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
    const qualifier = cdk.context?.['@aws-cdk/core:bootstrapQualifier'];
    return typeof qualifier === 'string' && qualifier ? qualifier : DEFAULT_QUALIFIER;
  } catch {
    return DEFAULT_QUALIFIER;
  }
}

/** `cdk deploy` needs the account and region bootstrapped: the CDKToolkit stack, healthy, at a recent enough version. */
export async function bootstrap({ clients, account, region }: DoctorContext): Promise<CheckLine[]> {
  const todo = `run \`npx cdk bootstrap aws://${account}/${region}\``;
  const name = `/cdk-bootstrap/${bootstrapQualifier()}/version`;
  const [stack, version] = await Promise.allSettled([
    clients.cloudFormation.send(new DescribeStacksCommand({ StackName: TOOLKIT_STACK })),
    clients.ssm.send(new GetParameterCommand({ Name: name })),
  ]);
  if (stack.status === 'rejected') {
    if (errorName(stack.reason) === 'ValidationError' && /does not exist/.test(errorText(stack.reason))) {
      return [fail('bootstrap', `${region} is not bootstrapped for the CDK (no ${TOOLKIT_STACK} stack): ${todo}`)];
    }
    throw stack.reason;
  }
  const status = stack.value.Stacks?.[0]?.StackStatus ?? 'unknown';
  if (!/_COMPLETE$/.test(status) || /ROLLBACK_COMPLETE$|DELETE_COMPLETE$/.test(status)) {
    return [fail('bootstrap', `the ${TOOLKIT_STACK} stack is ${status}: fix or delete it in the CloudFormation console, then ${todo}`)];
  }
  if (version.status === 'rejected') {
    if (errorName(version.reason) === 'ParameterNotFound') {
      return [fail('bootstrap', `${TOOLKIT_STACK} is ${status} but has no ${name} parameter (another qualifier?): ${todo}`)];
    }
    throw version.reason;
  }
  const number = Number(version.value.Parameter?.Value);
  if (!Number.isInteger(number) || number < MIN_BOOTSTRAP_VERSION) {
    return [
      fail(
        'bootstrap',
        `bootstrap version ${version.value.Parameter?.Value} is older than the ${MIN_BOOTSTRAP_VERSION} this app needs: ${todo}`,
      ),
    ];
  }
  return [ok('bootstrap', `${TOOLKIT_STACK} ${status}, bootstrap version ${number}`)];
}

/** The console's shareable test events live in one registry per account and region; the stack makes it when it is missing. */
export async function testEventRegistry({ clients, region }: DoctorContext): Promise<CheckLine[]> {
  try {
    await clients.schemas.send(new DescribeRegistryCommand({ RegistryName: TEST_EVENT_REGISTRY }));
    return [ok('test events', `the ${TEST_EVENT_REGISTRY} registry exists in ${region}; the stack adds its functions' test events to it`)];
  } catch (error) {
    if (errorName(error) !== 'NotFoundException') throw error;
    return [ok('test events', `no ${TEST_EVENT_REGISTRY} registry in ${region} yet: the stack creates it on deploy`)];
  }
}
