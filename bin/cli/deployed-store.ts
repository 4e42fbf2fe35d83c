import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3ObjectStore } from '../../functions/core/adapters/s3/s3-object-store.js';
import { ConfigError } from '../../functions/core/errors.js';
import { CLI_ENV, OUTPUTS } from '../../functions/core/layout.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import { awsFault } from './aws-fault.js';

/** The deployed bucket, for a command run without --local: AUTOPILOT_BUCKET, else the stack output `BucketName`. */
export async function deployedStore(command: string, stackName: string): Promise<ObjectStore> {
  const named = process.env[CLI_ENV.bucket];
  if (named) return new S3ObjectStore(named);
  const { Stacks } = await new CloudFormationClient({})
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: unknown) => Promise.reject(awsFault(error, `${command}: stack ${stackName}`) ?? error));
  const bucket = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === OUTPUTS.bucketName)?.OutputValue;
  if (!bucket)
    throw new ConfigError(`${command}: stack ${stackName} has no ${OUTPUTS.bucketName} output; set ${CLI_ENV.bucket} or pass --local`);
  return new S3ObjectStore(bucket);
}
