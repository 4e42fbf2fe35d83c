import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  DescribeInstanceInformationCommand,
  SendCommandCommand,
  SSMClient,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { type RemoteExecution, runScript, type ShellScript } from '../../../functions/remote/port.js';
import { SsmRunCommand } from '../../../functions/remote/ssm-run-command.js';
import { documentContent } from '../../../lib/ssm/shell-script-document.js';
import { scratchDir } from '../ssm-checks/helpers.js';

const scratch = scratchDir('autopilot-contract-');
afterAll(() => scratch.cleanup());

/** Prints its parameters, an stderr line, and exits with SSM_code. */
const file = join(scratch.dir, 'echo-params.sh');
writeFileSync(
  file,
  [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    'printf \'{"name":"%s","greeting":"%s"}\\n\' "$SSM_name" "$SSM_greeting"',
    'echo "detail line"',
    'echo "said on stderr" >&2',
    'exit "$SSM_code"',
  ].join('\n'),
);
const SCRIPT: ShellScript = {
  id: 'echo',
  title: 'echo test',
  file,
  description: 'contract test script',
  stepName: 'echo',
  executionTimeoutSeconds: 60,
  parameters: [
    { name: 'name', description: 'anything but a newline', allowedPattern: '^[^\\n]*$' },
    { name: 'greeting', description: 'has a default', allowedPattern: '^[a-z]*$', default: 'hello' },
    { name: 'code', description: 'exit status', allowedPattern: '^[0-9]$', default: '0' },
  ],
  outputComplete: (stdout) => stdout.startsWith('{'),
};

/**
 * A stand-in for the SSM Agent: SendCommand runs the script for real under bash, with the
 * parameters as SSM's ENV_VAR interpolation sets them (what the command carries, else the
 * document's default, read from the document content the construct synthesizes).
 */
function fakeAgent(ssm: ReturnType<typeof mockClient>) {
  const defaults = Object.fromEntries(
    Object.entries((documentContent(SCRIPT) as { parameters: Record<string, { default?: string }> }).parameters).flatMap(([name, p]) =>
      p.default === undefined ? [] : [[name, p.default]],
    ),
  );
  let finished: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
  ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [{ InstanceId: 'i-0contract', PingStatus: 'Online', PlatformType: 'Linux', ComputerName: 'web-1' }],
  });
  ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    const values = { ...defaults, ...Object.fromEntries(Object.entries(input.Parameters ?? {}).map(([k, v]) => [k, v[0]!])) };
    const env = { PATH: process.env.PATH, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`SSM_${k}`, v])) };
    finished = new Promise((resolve) =>
      execFile('bash', [file], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    return { Command: { CommandId: 'cmd-contract' } };
  });
  ssm.on(ListCommandsCommand).callsFake(async () => {
    const done = await finished!;
    return { Commands: [{ CommandId: 'cmd-contract', Status: done.code === 0 ? 'Success' : 'Failed', CompletedCount: 1, TargetCount: 1 }] };
  });
  ssm.on(ListCommandInvocationsCommand).callsFake(async () => {
    const done = await finished!;
    const status = done.code === 0 ? 'Success' : 'Failed';
    const output = done.stderr ? `${done.stdout}\n----------ERROR-------\n${done.stderr}` : done.stdout;
    return {
      CommandInvocations: [
        {
          InstanceId: 'i-0contract',
          Status: status,
          StatusDetails: status,
          CommandPlugins: [{ Name: 'echo', Output: output.slice(0, 2500), ResponseCode: done.code }],
        },
      ],
    };
  });
  ssm.on(GetCommandInvocationCommand).callsFake(async () => {
    const done = await finished!;
    const status = done.code === 0 ? 'Success' : 'Failed';
    return {
      Status: status,
      StatusDetails: status,
      ResponseCode: done.code,
      StandardOutputContent: done.stdout,
      StandardErrorContent: done.stderr,
    };
  });
}

/** What every adapter of the port must do alike with the same script and parameters. */
function remoteExecutionContract(fresh: () => RemoteExecution, host: string): void {
  const HOSTS = { target: 'web', tags: { App: 'web' } };

  it('runs the script with every parameter as SSM_<name>, defaults filled in, values never read as shell text', async () => {
    const [result] = await runScript(fresh(), SCRIPT, { name: '$(touch /tmp/pwned) `id` "q"' }, HOSTS);
    expect(result).toMatchObject({ status: 'success', exitCode: 0, stderr: 'said on stderr\n' });
    expect(result!.stdout).toBe('{"name":"$(touch /tmp/pwned) `id` "q"","greeting":"hello"}\ndetail line\n');
    expect(result!.host).toBe(host);
  });

  it('an empty value means the default, as SSM treats an omitted parameter', async () => {
    const [result] = await runScript(fresh(), SCRIPT, { name: 'n', greeting: '' }, HOSTS);
    expect(result!.stdout.split('\n')[0]).toBe('{"name":"n","greeting":"hello"}');
  });

  it('a non-zero exit is a failed result carrying the exit status and stderr', async () => {
    const [result] = await runScript(fresh(), SCRIPT, { name: 'n', code: '3' }, HOSTS);
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, stderr: 'said on stderr\n' });
    expect(result!.stdout.split('\n')[0]).toBe('{"name":"n","greeting":"hello"}');
  });
}

describe('remote-execution contract: LocalBash', () => {
  remoteExecutionContract(() => new LocalBash({ host: 'laptop' }), 'laptop');
});

describe('remote-execution contract: SsmRunCommand against an agent that runs the script', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    fakeAgent(ssm);
  });
  remoteExecutionContract(
    () =>
      new SsmRunCommand({
        client: new SSMClient({ region: 'ap-northeast-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
        documents: [{ script: SCRIPT, name: 'OpsAutopilot-Echo', version: '1' }],
        sleep: async () => undefined,
        random: () => 0.5,
      }),
    'i-0contract',
  );
});
