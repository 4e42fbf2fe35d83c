import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
  type InstanceInformation,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/domain/finding.js';
import { DISK_SCRIPT } from '../../../functions/ssm-checks/disk/parameters.js';
import { runServerChecks } from '../../../functions/ssm-checks/run-server-checks.js';
import { byCheck, configWithServers } from './helpers.js';
import { awsError, diskLine, DOCUMENTS, fakeClock, invocation, node, ssmRemote, T0 } from './ssm-fakes.js';

const ssm = mockClient(SSMClient);
const WEB = configWithServers({ tags: { App: 'web', Env: 'prod' }, disk: { warning: 80, critical: 90, paths: ['/var/lib/app'] } });

function pages<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}

/** DescribeInstanceInformation answered in pages of 50, following NextToken. */
function describeReturns(nodes: readonly InstanceInformation[]) {
  const chunks = pages(nodes, 50);
  ssm.on(DescribeInstanceInformationCommand).callsFake((input: { NextToken?: string }) => {
    const i = Number(input.NextToken ?? 0);
    return { InstanceInformationList: chunks[i], NextToken: i + 1 < chunks.length ? String(i + 1) : undefined };
  });
}

/** ListCommandInvocations answered in pages of 50. */
function invocationsReturn(invocations: readonly CommandInvocation[]) {
  const chunks = pages(invocations, 50);
  ssm.on(ListCommandInvocationsCommand).callsFake((input: { NextToken?: string }) => {
    const i = Number(input.NextToken ?? 0);
    return { CommandInvocations: chunks[i], NextToken: i + 1 < chunks.length ? String(i + 1) : undefined };
  });
}

function commandSent(commandId = 'cmd-1', expiresInSeconds = 60 + 120) {
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: commandId, ExpiresAfter: new Date(T0 + expiresInSeconds * 1000) } });
}

/** ListCommands answers these statuses in turn, the last one from then on. */
function commandStatuses(...statuses: Array<[status: string, completed: number, targets: number]>) {
  let call = 0;
  ssm.on(ListCommandsCommand).callsFake(() => {
    const [Status, CompletedCount, TargetCount] = statuses[Math.min(call++, statuses.length - 1)]!;
    return { Commands: [{ CommandId: 'cmd-1', Status, CompletedCount, TargetCount }] };
  });
}

const callsOf = (command: unknown) => ssm.commandCalls(command as never).length;
const runFinding = (findings: Finding[], host: string) => byCheck(findings, `${host}/run`);

beforeEach(() => ssm.reset());

describe('SsmRunCommand: one command per target group', () => {
  it('sends one SendCommand addressed by the tags, pinned to the document version, with explicit rate controls', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02'), node('mi-0123456789abcdef0')]);
    commandSent();
    commandStatuses(['InProgress', 1, 3], ['Success', 3, 3]);
    invocationsReturn(
      ['i-01', 'i-02', 'mi-0123456789abcdef0'].map((id, n) =>
        invocation(id, 'Success', `${diskLine(`${id}.internal`, [40, 85, 95][n]!)}\n--- df -h ---\n`),
      ),
    );

    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });

    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input).toEqual({
      DocumentName: DOCUMENTS.disk.name,
      DocumentVersion: '1',
      Targets: [
        { Key: 'tag:App', Values: ['web'] },
        { Key: 'tag:Env', Values: ['prod'] },
      ],
      Parameters: { contract: ['1'], paths: ['/var/lib/app'] },
      MaxConcurrency: '100%',
      MaxErrors: '100%',
      TimeoutSeconds: 60,
      Comment: 'ops-autopilot disk check of web',
      OutputS3BucketName: 'autopilot-bucket',
      OutputS3KeyPrefix: 'ssm-output/disk/web',
    });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]!.args[0].input).toEqual({
      Filters: [
        { Key: 'tag:App', Values: ['web'] },
        { Key: 'tag:Env', Values: ['prod'] },
      ],
      MaxResults: 50,
      NextToken: undefined,
    });
    expect(ssm.commandCalls(ListCommandInvocationsCommand)[0]!.args[0].input).toMatchObject({
      CommandId: 'cmd-1',
      Details: true,
      MaxResults: 50,
    });

    expect(byCheck(findings, 'instances')).toMatchObject({ severity: 'ok', observed: expect.objectContaining({ hosts: 3, reached: 3 }) });
    expect(byCheck(findings, 'i-01/disk:/')).toMatchObject({ severity: 'ok', target: 'web', kind: 'disk' });
    expect(byCheck(findings, 'i-02/disk:/').severity).toBe('medium');
    expect(byCheck(findings, 'mi-0123456789abcdef0/disk:/').severity).toBe('high');
    expect(byCheck(findings, 'i-02/disk:/').summary).toMatch(/^i-02\.internal \(i-02\): \/ 85% space, 5% inodes used \(warning at 80%\)$/);
    // Polls backed off: no real time passed, but the fake clock did.
    expect(clock.clock.sleeps.length).toBeGreaterThan(0);
  });

  it('treats InvocationDoesNotExist right after sending as "not yet", then InProgress, then Success', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01')]);
    commandSent();
    // The command list says done before the invocation listing has caught up.
    commandStatuses(['Pending', 0, 0], ['Success', 1, 1]);
    invocationsReturn([]);
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Status: 'InProgress', StatusDetails: 'InProgress' })
      .resolves({
        Status: 'Success',
        StatusDetails: 'Success',
        ResponseCode: 0,
        StandardOutputContent: `${diskLine('web-1', 50)}\ndetail\n`,
        StandardErrorContent: '',
      });

    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });

    expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ CommandId: 'cmd-1', InstanceId: 'i-01' }),
    );
    expect(runFinding(findings, 'i-01').severity).toBe('ok');
    expect(byCheck(findings, 'i-01/disk:/')).toMatchObject({ severity: 'ok', observed: expect.objectContaining({ usedPct: 50 }) });
    // Backoff with jitter between polls, growing and capped.
    const sleeps = clock.clock.sleeps;
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(20_000);
  });

  it('rides out throttling (ThrottlingException, then success) with backoff', async () => {
    const clock = fakeClock();
    ssm
      .on(DescribeInstanceInformationCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ InstanceInformationList: [node('i-01')] });
    commandSent();
    ssm
      .on(ListCommandsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'Success', CompletedCount: 1, TargetCount: 1 }] });
    ssm
      .on(ListCommandInvocationsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ CommandInvocations: [invocation('i-01', 'Success', `${diskLine('web-1', 30)}\n`)] });

    const run = ssmRemote({ clock });
    const findings = await runServerChecks('disk', WEB, { remote: run });

    expect(run.calls).toEqual({ DescribeInstanceInformation: 2, SendCommand: 1, ListCommands: 2, ListCommandInvocations: 2 });
    expect(byCheck(findings, 'i-01/disk:/').severity).toBe('ok');
    expect(clock.clock.sleeps.filter((ms) => ms >= 500 && ms <= 1000)).toHaveLength(3);
  });

  it('turns throttling that never ends into a High finding for the target, not a crash', async () => {
    const clock = fakeClock();
    ssm.on(DescribeInstanceInformationCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ target: 'web', check: 'instances', kind: 'server', severity: 'high' });
    expect(findings[0]!.summary).toContain('ThrottlingException');
    expect(callsOf(DescribeInstanceInformationCommand)).toBe(8);
    expect(callsOf(SendCommandCommand)).toBe(0);
  });
});

describe('SsmRunCommand: hosts that do not report are High findings, never a pass', () => {
  it('DeliveryTimedOut', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02')]);
    commandSent();
    commandStatuses(['InProgress', 1, 2], ['Success', 2, 2]);
    invocationsReturn([invocation('i-01', 'Success', `${diskLine('a', 10)}\n`), invocation('i-02', 'DeliveryTimedOut')]);
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(runFinding(findings, 'i-02')).toMatchObject({ severity: 'high', kind: 'server' });
    expect(runFinding(findings, 'i-02').summary).toContain('DeliveryTimedOut');
    expect(findings.filter((f) => f.check.startsWith('i-02/disk'))).toEqual([]);
    expect(runFinding(findings, 'i-01').severity).toBe('ok');
  });

  it('Undeliverable, an instance not managed by SSM, and one offline (ConnectionLost)', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02', 'ConnectionLost'), node('i-03', 'Online', { PlatformType: 'Windows' })]);
    commandSent();
    commandStatuses(['Success', 4, 4]);
    invocationsReturn([
      invocation('i-01', 'Success', `${diskLine('a', 10)}\n`),
      invocation('i-02', 'DeliveryTimedOut'),
      invocation('i-0unmanaged', 'Undeliverable'),
      invocation('i-03', 'InvalidPlatform'),
    ]);
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });

    expect(runFinding(findings, 'i-0unmanaged')).toMatchObject({ severity: 'high' });
    expect(runFinding(findings, 'i-0unmanaged').summary).toContain('not managed by SSM');
    expect(runFinding(findings, 'i-02').summary).toContain('ConnectionLost');
    expect(findings.filter((f) => f.check === 'i-02/run')).toHaveLength(1);
    expect(runFinding(findings, 'i-03')).toMatchObject({ severity: 'high' });
    expect(runFinding(findings, 'i-03').summary).toContain('Windows');
    expect(byCheck(findings, 'instances').observed).toMatchObject({ hosts: 4, reached: 1 });
  });

  it('no managed instance with the tags: no command, one High finding', async () => {
    const clock = fakeClock();
    describeReturns([]);
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(callsOf(SendCommandCommand)).toBe(0);
    expect(findings).toEqual([expect.objectContaining({ target: 'web', check: 'instances', severity: 'high' })]);
    expect(findings[0]!.summary).toContain('App=web, Env=prod');
  });

  it('Failed and ExecutionTimedOut', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02')]);
    commandSent();
    commandStatuses(['Success', 2, 2]);
    invocationsReturn([
      invocation('i-01', 'Failed', `\n----------ERROR-------\nbash: line 1: df: command not found\n`, {
        CommandPlugins: [
          {
            StatusDetails: 'Failed',
            Status: 'Failed',
            ResponseCode: 127,
            Output: '\n----------ERROR-------\nbash: df: command not found\n',
          },
        ],
      }),
      invocation('i-02', 'ExecutionTimedOut'),
    ]);
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 127,
      StandardOutputContent: '',
      StandardErrorContent: 'bash: df: command not found',
    });
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(runFinding(findings, 'i-01')).toMatchObject({ severity: 'high' });
    expect(runFinding(findings, 'i-01').summary).toContain('exit status 127');
    expect(runFinding(findings, 'i-02').summary).toContain('ExecutionTimedOut');
  });

  it('SendCommand refused (AccessDenied): every awaited host is a High finding', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02')]);
    ssm.on(SendCommandCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform ssm:SendCommand'));
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    for (const host of ['i-01', 'i-02']) {
      expect(runFinding(findings, host).severity).toBe('high');
      expect(runFinding(findings, host).summary).toContain('AccessDeniedException');
    }
  });

  it('a command that never settles: after its expiry, the hosts still open are High', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01'), node('i-02')]);
    commandSent('cmd-1', 180);
    commandStatuses(['InProgress', 1, 2]);
    invocationsReturn([invocation('i-01', 'Success', `${diskLine('a', 10)}\n`), invocation('i-02', 'InProgress')]);
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', StatusDetails: 'InProgress' });
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(runFinding(findings, 'i-02').severity).toBe('high');
    expect(runFinding(findings, 'i-02').summary).toContain('no final status after the command expired');
    expect(clock.clock.now).toBeGreaterThan(T0 + 180_000 + 60_000);
    expect(clock.clock.now).toBeLessThan(T0 + 180_000 + 60_000 + 25_000);
  });
});

describe('SsmRunCommand: truncated output', () => {
  /** A disk JSON line of `n` filesystems: longer than the listing's 2,500-character cap. */
  const longLine = (n: number) =>
    JSON.stringify({
      v: 1,
      job: 'disk',
      host: 'big',
      status: 'ok',
      entries: Array.from({ length: n }, (_, i) => ({
        mount: `/data/volume-${i}`,
        fs: 'xfs',
        source: `/dev/sd${i}`,
        sizeKb: 1000,
        usedPct: i === n - 1 ? 97 : 10,
        inodesPct: 1,
      })),
      omitted: 0,
      omittedMaxPct: 0,
    });

  it('only the detail lines cut: the JSON line still parses, no extra call', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01')]);
    commandSent();
    commandStatuses(['Success', 1, 1]);
    invocationsReturn([invocation('i-01', 'Success', `${diskLine('a', 95)}\n${'x'.repeat(5000)}`.slice(0, 2500))]);
    const findings = await runServerChecks('disk', WEB, { remote: ssmRemote({ clock }) });
    expect(byCheck(findings, 'i-01/disk:/').severity).toBe('high');
    expect(callsOf(GetCommandInvocationCommand)).toBe(0);
  });

  /** One host whose listed output is `line` cut at 2,500 characters, and whose fetched copy is `fetched`. */
  async function cutListing(line: string, fetched: string) {
    describeReturns([node('i-01')]);
    commandSent();
    commandStatuses(['Success', 1, 1]);
    invocationsReturn([invocation('i-01', 'Success', line.slice(0, 2500))]);
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Success', StatusDetails: 'Success', StandardOutputContent: fetched, ResponseCode: 0 });
    return runServerChecks('disk', WEB, { remote: ssmRemote({ clock: fakeClock() }) });
  }

  it('the listed output cut inside the JSON line: the 24,000-character copy is fetched and parsed', async () => {
    const line = longLine(40);
    expect(line.length).toBeGreaterThan(2500);
    const findings = await cutListing(line, `${line}\n`);
    expect(callsOf(GetCommandInvocationCommand)).toBe(1);
    expect(byCheck(findings, 'i-01/disk:/data/volume-39').severity).toBe('high');
    expect(findings.filter((f) => f.check.startsWith('i-01/disk:'))).toHaveLength(40);
  });

  it('the JSON line itself cut even in the long copy: a High finding saying so', async () => {
    const line = longLine(400);
    expect(line.length).toBeGreaterThan(24_000);
    const findings = await cutListing(line, line.slice(0, 24_000));
    expect(findings.filter((f) => f.check.startsWith('i-01/'))).toEqual([expect.objectContaining({ check: 'i-01/run', severity: 'high' })]);
    expect(runFinding(findings, 'i-01').summary).toContain('output truncated inside the JSON line');
  });
});

describe('SsmRunCommand: a 300-instance fleet', () => {
  async function runFleet(size: number, offline: number) {
    ssm.reset();
    const clock = fakeClock();
    const nodes = Array.from({ length: size }, (_, i) =>
      node(`i-${String(i).padStart(17, '0')}`, i < offline ? 'ConnectionLost' : 'Online'),
    );
    describeReturns(nodes);
    commandSent();
    // Still running for three polls (the offline nodes wait for their delivery timeout), then final.
    commandStatuses(
      ['InProgress', 0, size],
      ['InProgress', size - offline - 40, size],
      ['InProgress', size - offline, size],
      ['Success', size, size],
    );
    invocationsReturn(
      nodes.map((n, i) =>
        i < offline
          ? invocation(n.InstanceId!, 'DeliveryTimedOut')
          : invocation(n.InstanceId!, 'Success', `${diskLine(n.ComputerName!, i % 100)}\n--- detail ---\n`),
      ),
    );
    const run = ssmRemote({ clock });
    const findings = await runServerChecks('disk', WEB, { remote: run });
    return { run, findings };
  }

  it('makes SSM API calls that grow with pages of results, not with instances × polls', async () => {
    const small = await runFleet(300, 5);
    const calls300 = { ...small.run.calls };
    const total300 = small.run.totalCalls;
    expect(small.findings.filter((f) => f.check.endsWith('/run') && f.severity === 'high')).toHaveLength(5);
    expect(small.findings.filter((f) => f.check.endsWith('/run') && f.severity === 'ok')).toHaveLength(295);
    expect(small.findings.filter((f) => f.check.endsWith('/disk:/'))).toHaveLength(295);

    const large = await runFleet(600, 5);
    const calls600 = { ...large.run.calls };
    const total600 = large.run.totalCalls;

    console.log(
      `SSM API calls for one disk run: 300 instances -> ${total300} ${JSON.stringify(calls300)}; 600 instances -> ${total600} ` +
        `${JSON.stringify(calls600)}`,
    );

    expect(calls300).toEqual({ DescribeInstanceInformation: 6, SendCommand: 1, ListCommands: 4, ListCommandInvocations: 6 });
    expect(total300).toBe(17);
    // Doubling the fleet adds exactly its extra pages (6 describe + 6 invocation pages), nothing per instance.
    expect(calls600).toEqual({ DescribeInstanceInformation: 12, SendCommand: 1, ListCommands: 4, ListCommandInvocations: 12 });
    expect(callsOf(GetCommandInvocationCommand)).toBe(0);
  });
});

describe('SsmRunCommand: send and collect split across invocations', () => {
  it('gives up at the deadline without losing the command, and a later collect finishes it', async () => {
    const clock = fakeClock();
    describeReturns([node('i-01')]);
    commandSent();
    commandStatuses(['InProgress', 0, 1], ['InProgress', 0, 1], ['InProgress', 0, 1], ['Success', 1, 1]);
    invocationsReturn([invocation('i-01', 'Success', `${diskLine('a', 10)}\n`)]);
    const first = ssmRemote({ clock });
    const sent = await first.send(DISK_SCRIPT, { contract: '1' }, { target: 'web', tags: { App: 'web' } });
    expect(sent).toMatchObject({ commandId: 'cmd-1', awaited: ['i-01'], expiresAt: T0 + 180_000 });
    expect(await first.collect(sent, { deadline: T0 + 5_000 })).toBeUndefined();
    expect(callsOf(ListCommandInvocationsCommand)).toBe(0);

    // A JSON round trip, as through state/ssm-pending/.
    const restored = JSON.parse(JSON.stringify(sent));
    const results = await ssmRemote({ clock }).collect(restored);
    expect(results).toEqual([expect.objectContaining({ host: 'i-01', status: 'success' })]);
  });
});
