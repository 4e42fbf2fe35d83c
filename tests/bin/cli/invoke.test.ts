import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { invokeDeployed } from '../../../bin/cli/invoke.js';
import { ConfigError } from '../../../functions/core/errors.js';

const lambda = mockClient(LambdaClient);
const cloudFormation = mockClient(CloudFormationClient);
const encode = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));

beforeEach(() => {
  lambda.reset();
  cloudFormation.reset();
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'OpsAutopilot',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'HealthFunctionName', OutputValue: 'OpsAutopilot-HealthFunction-abc' },
          { OutputKey: 'DigestFunctionName', OutputValue: 'OpsAutopilot-DigestFunction-def' },
          { OutputKey: 'BucketName', OutputValue: 'bucket' },
        ],
      },
    ],
  });
});

const clients = () => ({
  lambda: new LambdaClient({ region: 'ap-northeast-1' }),
  cloudFormation: new CloudFormationClient({ region: 'ap-northeast-1' }),
});

describe('autopilot invoke', () => {
  it('finds the function in the stack outputs and sends the console test event', async () => {
    const report = {
      job: 'health',
      startedAt: 'a',
      finishedAt: 'b',
      findings: [{ target: 'mycats', check: 'api', kind: 'http', severity: 'ok', summary: '200 in 80 ms' }],
      notifications: [],
    };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(report) as any });
    const got = await invokeDeployed({ job: 'health', targets: ['mycats'], stackName: 'OpsAutopilot', ...clients() });
    expect(got).toEqual(report);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'OpsAutopilot' });
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.FunctionName).toBe('OpsAutopilot-HealthFunction-abc');
    expect(input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({ source: 'cli', targets: ['mycats'] });
  });

  it('sends no target list when none is given (all targets)', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ job: 'digest', findings: [], notifications: [] }) as any });
    await invokeDeployed({ job: 'digest', targets: [], stackName: 'OpsAutopilot', ...clients() });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe('OpsAutopilot-DigestFunction-def');
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({ source: 'cli' });
  });

  it('turns a function error into a message that names the function and the error', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'ConfigError', errorMessage: 'invalid event:\n  event.targets[0]: unknown target "mycat"' }) as any,
    });
    await expect(invokeDeployed({ job: 'health', targets: ['mycat'], stackName: 'OpsAutopilot', ...clients() })).rejects.toThrow(
      /OpsAutopilot-HealthFunction-abc failed: ConfigError: invalid event:\n {2}event\.targets\[0\]: unknown target "mycat"/,
    );
  });

  it('says which jobs are deployed when the asked one is not', async () => {
    const error = await invokeDeployed({ job: 'backup', targets: [], stackName: 'OpsAutopilot', ...clients() }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('invoke: stack OpsAutopilot has no backup function (deployed jobs: health, digest)');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
