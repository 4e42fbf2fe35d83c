import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { JOBS, type Job, type Report } from '../../functions/core/domain/report.js';
import { functionNameOutput } from '../../functions/core/layout.js';
import { ConfigError } from '../../functions/core/errors.js';
import { awsFault } from './aws-fault.js';

export interface InvokeOptions {
  readonly job: string;
  readonly targets: readonly string[];
  readonly stackName: string;
  readonly lambda?: LambdaClient;
  readonly cloudFormation?: CloudFormationClient;
}

/** The stack output naming a job's function (HealthFunctionName, ...): the layout module's table, which the stack writes from. */
export function outputKeyFor(job: Job): string {
  return functionNameOutput(job);
}

async function functionNameFor(job: string, stackName: string, client: CloudFormationClient): Promise<string> {
  if (!(JOBS as readonly string[]).includes(job)) throw new ConfigError(`invoke: "${job}" is not a job (${JOBS.join(', ')})`);
  const { Stacks } = await client
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: unknown) => Promise.reject(awsFault(error, `invoke: stack ${stackName}`) ?? error));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  const name = outputs.find((o) => o.OutputKey === outputKeyFor(job as Job))?.OutputValue;
  if (!name) {
    const present = new Set(outputs.map((o) => o.OutputKey));
    const jobs = JOBS.filter((j) => present.has(functionNameOutput(j)));
    throw new ConfigError(`invoke: stack ${stackName} has no ${job} function (deployed jobs: ${jobs.join(', ') || 'none'})`);
  }
  return name;
}

/**
 * Invokes a deployed job function as the console's test button does, with the same event
 * (`{ "targets": [...] }`), and returns its JSON report. A function error is thrown with its message.
 */
export async function invokeDeployed(options: InvokeOptions): Promise<Report> {
  const cloudFormation = options.cloudFormation ?? new CloudFormationClient({});
  const lambda = options.lambda ?? new LambdaClient({});
  const functionName = await functionNameFor(options.job, options.stackName, cloudFormation);
  const event = { source: 'cli', ...(options.targets.length ? { targets: options.targets } : {}) };
  const response = await lambda
    .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }))
    .catch((error: unknown) => Promise.reject(awsFault(error, `invoke: ${functionName}`) ?? error));
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  if (response.FunctionError) {
    let message = text;
    try {
      const error = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      message = `${error.errorType ?? 'Error'}: ${error.errorMessage ?? text}`;
    } catch {
      // not JSON: keep the raw text
    }
    throw new Error(`${functionName} failed: ${message}`);
  }
  return JSON.parse(text) as Report;
}
