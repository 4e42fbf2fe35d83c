import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Report } from '../../functions/core/domain/report.js';
import { ConfigError } from '../../functions/core/errors.js';

export interface InvokeOptions {
  readonly job: string;
  readonly targets: readonly string[];
  readonly stackName: string;
  readonly lambda?: LambdaClient;
  readonly cloudFormation?: CloudFormationClient;
}

/** The stack outputs `<Job>FunctionName` (HealthFunctionName, DigestFunctionName, ...). */
export function outputKeyFor(job: string): string {
  return `${job[0]!.toUpperCase()}${job.slice(1)}FunctionName`;
}

async function functionNameFor(job: string, stackName: string, client: CloudFormationClient): Promise<string> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  const name = outputs.find((o) => o.OutputKey === outputKeyFor(job))?.OutputValue;
  if (!name) {
    const jobs = outputs.flatMap((o) =>
      o.OutputKey?.endsWith('FunctionName') ? [o.OutputKey.replace(/FunctionName$/, '').toLowerCase()] : [],
    );
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
  const response = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
  );
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
