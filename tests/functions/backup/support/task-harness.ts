/**
 * Runs the backup task's main (functions/backup/task-entry.ts) as its own process, as ECS would,
 * with the control-plane APIs that have no emulator here mocked in-process (aws-sdk-client-mock):
 * SNS Publish answers a MessageId, SSM GetParameter the database password (HARNESS_DB_PASSWORD).
 * S3 is real: S3_ENDPOINT points at an S3 protocol server. On exit the SNS calls go to HARNESS_SNS_LOG.
 * The config comes as JSON in HARNESS_CONFIG; the task input from argv/env like the real task.
 */
import { writeFileSync } from 'node:fs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { taskMain } from '../../../../functions/backup/task-entry.js';

const sns = mockClient(SNSClient);
sns.on(PublishCommand).callsFake((input: { TopicArn: string }) => ({ MessageId: `msg-${input.TopicArn.split(':').pop()}` }));
const ssm = mockClient(SSMClient);
ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => ({
  Parameter: { Name: input.Name, Type: 'SecureString', Value: process.env.HARNESS_DB_PASSWORD },
}));
process.on('exit', () => {
  const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
  const ssmCalls = ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input);
  writeFileSync(process.env.HARNESS_SNS_LOG!, JSON.stringify({ publish: calls, getParameter: ssmCalls }));
});

await taskMain(JSON.parse(process.env.HARNESS_CONFIG!));
