import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeInstanceInformationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import type { Notification } from '../../../functions/core/domain/report.js';
import { ConfigError } from '../../../functions/core/errors.js';
import type { Notifier } from '../../../functions/core/ports/notifier.js';
import { LambdaContinuation } from '../../../functions/ssm-checks/continuation.js';
import {
  handleServerCheckEvent,
  parseServerCheckEvent,
  ssmSettingsFromEnv,
  type ServerCheckDeps,
} from '../../../functions/ssm-checks/handler.js';
import { PENDING_PREFIX } from '../../../functions/ssm-checks/pending-store.js';
import { scratchDir } from './helpers.js';
import { DOCUMENTS, diskLine, fakeClock, invocation, node, resourcesLine, ssmRemote, T0 } from './ssm-fakes.js';
import type { Config } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);

const CONFIG: Config = validateConfig(
  {
    alerting: { consecutiveFailures: 1 },
    targets: {
      web: { servers: { tags: { App: 'web' }, disk: { warning: 80, critical: 90 } } },
      site: { health: [{ url: 'https://example.com/health' }] },
    },
  },
  { forDeployment: true },
);

class RecordingNotifier implements Notifier {
  readonly published: Notification[] = [];
  async publish(notification: Notification): Promise<void> {
    this.published.push(notification);
  }
}

/** ListCommands answers these statuses in turn, the last one from then on. */
function commandStatuses(...statuses: string[]) {
  let call = 0;
  ssm.on(ListCommandsCommand).callsFake(() => {
    const status = statuses[Math.min(call++, statuses.length - 1)]!;
    return { Commands: [{ CommandId: 'cmd-1', Status: status, CompletedCount: status === 'Success' ? 1 : 0, TargetCount: 1 }] };
  });
}

describe('the server-check handler', () => {
  const scratch = scratchDir();
  let clock: ReturnType<typeof fakeClock>;
  let notifier: RecordingNotifier;
  let store: LocalObjectStore;
  let deps: ServerCheckDeps;
  const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

  beforeEach(() => {
    ssm.reset();
    lambda.reset();
    clock = fakeClock();
    notifier = new RecordingNotifier();
    store = new LocalObjectStore(join(scratch.dir, `store-${Math.random().toString(36).slice(2)}`));
    deps = {
      context: { config: CONFIG, store, notifier, now: () => new Date(clock.now()) },
      remote: ssmRemote({ clock }),
      continuation: new LambdaContinuation(
        'autopilot-disk',
        new LambdaClient({ region: 'ap-northeast-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
      ),
    };
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [node('i-01')] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1', ExpiresAfter: new Date(T0 + 180_000) } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-01', 'Success', `${diskLine('web-1', 95)}\n`)] });
  });
  afterAll(() => scratch.cleanup());

  it('runs a console test event and alerts through the engine, returning the CONTRACT report', async () => {
    commandStatuses('InProgress', 'Success');
    const report = await handleServerCheckEvent({ job: 'disk', targets: ['web'] }, remaining(300_000), CONFIG, deps);
    expect(Object.keys(report).sort()).toEqual(['findings', 'finishedAt', 'job', 'notifications', 'startedAt']);
    expect(report.job).toBe('disk');
    expect(report.findings).toContainEqual(
      expect.objectContaining({ target: 'web', check: 'i-01/disk:/', kind: 'disk', severity: 'high' }),
    );
    expect(report.notifications.map((n) => n.topic)).toEqual(['high']);
    expect(notifier.published).toHaveLength(1);
    expect(notifier.published[0]!.attributes.check).toContain('i-01/disk:/');
    expect(await store.list(PENDING_PREFIX)).toEqual([]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('runs the resources check in the disk job: a second document, names and patterns as base64 data, one report', async () => {
    const config = validateConfig(
      {
        alerting: { consecutiveFailures: 1 },
        targets: {
          web: {
            servers: {
              tags: { App: 'web' },
              disk: { warning: 80, critical: 90 },
              resources: { cpu: { warning: 70, critical: 85 } },
              processes: [{ name: 'stock-import', pm2: 'stock-$(reboot)' }],
            },
          },
        },
      },
      { forDeployment: true },
    );
    ssm.on(SendCommandCommand).callsFake((input: { DocumentName: string }) => ({
      Command: { CommandId: input.DocumentName === DOCUMENTS.resources.name ? 'cmd-2' : 'cmd-1', ExpiresAfter: new Date(T0 + 180_000) },
    }));
    ssm.on(ListCommandsCommand).callsFake((input: { CommandId: string }) => ({
      Commands: [{ CommandId: input.CommandId, Status: 'Success', CompletedCount: 1, TargetCount: 1 }],
    }));
    ssm.on(ListCommandInvocationsCommand).callsFake((input: { CommandId: string }) => ({
      CommandInvocations: [
        input.CommandId === 'cmd-2'
          ? invocation('i-01', 'Success', `${resourcesLine('web-1', 91.5, { count: 1, restarts: 9, restartsBefore: 4 })}\n`)
          : invocation('i-01', 'Success', `${diskLine('web-1', 40)}\n`),
      ],
    }));
    const report = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(300_000), config, {
      ...deps,
      context: { ...deps.context, config },
    });
    const sends = ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
    expect(sends.map((s) => s.DocumentName).sort()).toEqual([DOCUMENTS.disk.name, DOCUMENTS.resources.name].sort());
    const resourcesSend = sends.find((s) => s.DocumentName === DOCUMENTS.resources.name)!;
    expect(resourcesSend.Parameters).toEqual({
      contract: ['1'],
      stateKey: ['web'],
      processes: [`pm2 ${Buffer.from('stock-$(reboot)').toString('base64')}`],
    });
    expect(resourcesSend.DocumentVersion).toBe('1');
    const byCheck = (check: string) => report.findings.find((f) => f.check === check);
    expect(byCheck('instances')).toMatchObject({ severity: 'ok' });
    expect(byCheck('instances:resources')).toMatchObject({ severity: 'ok' });
    expect(byCheck('i-01/run')).toMatchObject({ severity: 'ok' });
    expect(byCheck('i-01/run:resources')).toMatchObject({ severity: 'ok', kind: 'server' });
    expect(byCheck('i-01/disk:/')).toMatchObject({ severity: 'ok', kind: 'disk' });
    expect(byCheck('i-01/cpu')).toMatchObject({ severity: 'high', kind: 'resources' });
    expect(byCheck('i-01/cpu')!.summary).toBe(
      'i-01.internal (i-01): CPU 91.5% busy on average over the last 1h (warning 70%, critical 85%)',
    );
    expect(byCheck('i-01/process:stock-import')).toMatchObject({ severity: 'high', kind: 'process' });
    expect(byCheck('i-01/process:stock-import')!.summary).toContain('restarted 5 times since the previous run (restart count 9)');
    // One report, one alert per topic.
    expect(report.notifications.map((n) => n.topic)).toEqual(['high']);
    expect(notifier.published).toHaveLength(1);
  });

  it('accepts the scheduler event', async () => {
    commandStatuses('Success');
    const report = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(300_000), CONFIG, deps);
    expect(report.findings.filter((f) => f.target === 'web').length).toBeGreaterThan(1);
    expect(report.findings.every((f) => f.target === 'web')).toBe(true);
  });

  it('splits send and collect when the invocation runs out of time, and the continuation alerts once', async () => {
    commandStatuses('InProgress', 'InProgress', 'InProgress', 'InProgress', 'InProgress', 'Success');
    // 70 s left, 60 s kept back: about 10 s of collecting.
    const first = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(70_000), CONFIG, deps);
    expect(first.pending).toMatchObject({ commands: 1, continuation: 'scheduled' });
    expect(first.pending!.key).toMatch(/^state\/ssm-pending\/disk\/[0-9-]+-[0-9a-f]{8}\.json$/);
    expect(first.notifications).toEqual([]);
    expect(notifier.published).toEqual([]);
    expect((await store.list(PENDING_PREFIX)).map((o) => o.key)).toEqual([first.pending!.key]);
    expect(clock.clock.now - T0).toBeLessThanOrEqual(10_000);

    const invoke = lambda.commandCalls(InvokeCommand);
    expect(invoke).toHaveLength(1);
    const input = invoke[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'autopilot-disk', InvocationType: 'Event' });
    const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
    expect(event).toEqual({ source: 'ssm-collect', job: 'disk', pending: first.pending!.key });

    const second = await handleServerCheckEvent(event, remaining(900_000), CONFIG, { ...deps, remote: ssmRemote({ clock }) });
    expect(second.pending).toBeUndefined();
    expect(second.startedAt).toBe(first.startedAt);
    expect(second.findings).toContainEqual(expect.objectContaining({ check: 'i-01/disk:/', severity: 'high' }));
    expect(notifier.published).toHaveLength(1);
    expect(await store.list(PENDING_PREFIX)).toEqual([]);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);

    // The same event delivered again finds nothing left to do, and alerts nothing twice.
    const again = await handleServerCheckEvent(event, remaining(900_000), CONFIG, deps);
    expect(again.findings).toEqual([]);
    expect(notifier.published).toHaveLength(1);
  });

  it('collects a run saved before the remote-execution port, whose commands name their script `job`', async () => {
    commandStatuses('InProgress', 'InProgress', 'InProgress', 'InProgress', 'InProgress', 'Success');
    const first = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(70_000), CONFIG, deps);
    const key = first.pending!.key;
    const saved = JSON.parse((await store.get(key))!.body.toString('utf8'));
    const old = { ...saved, commands: saved.commands.map(({ script, ...rest }: { script: string }) => ({ ...rest, job: script })) };
    await store.put(key, JSON.stringify(old));

    const event = { source: 'ssm-collect', job: 'disk', pending: key };
    const second = await handleServerCheckEvent(event, remaining(900_000), CONFIG, { ...deps, remote: ssmRemote({ clock }) });
    expect(second.pending).toBeUndefined();
    expect(second.findings).toContainEqual(expect.objectContaining({ check: 'i-01/disk:/', severity: 'high' }));
    expect(notifier.published).toHaveLength(1);
  });

  it('keeps a run whose continuation could not be started, and the next scheduled run collects it first', async () => {
    commandStatuses('InProgress', 'InProgress', 'InProgress', 'InProgress', 'InProgress', 'Success');
    lambda.on(InvokeCommand).rejects(new Error('Lambda unavailable'));
    const first = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(70_000), CONFIG, deps);
    expect(first.pending).toMatchObject({ continuation: 'failed' });
    const key = first.pending!.key;
    utimesSync(join(store.root, ...key.split('/')), new Date(clock.now() / 1000), new Date(clock.now() / 1000));

    clock.clock.now += 20 * 60_000;
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1', ExpiresAfter: new Date(clock.now() + 180_000) } });
    const next = await handleServerCheckEvent({ source: 'schedule', job: 'disk' }, remaining(900_000), CONFIG, {
      ...deps,
      remote: ssmRemote({ clock }),
    });
    expect(next.pending).toBeUndefined();
    expect(await store.list(PENDING_PREFIX)).toEqual([]);
    // One alert for the recovered run; the new run's identical observation does not alert again.
    expect(notifier.published).toHaveLength(1);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(2);
  });
});

describe('server-check events: bad input names the field', () => {
  const cases: Array<[event: unknown, field: string, fixedJob?: 'disk' | 'security']> = [
    [{ job: 'disk', targets: ['nope'] }, 'event.targets[0]: unknown target "nope"'],
    [{ job: 'disk', targets: ['site'] }, 'event.targets[0]: target "site" has no servers'],
    [{ targets: ['web'] }, 'event.job: give "disk" or "security"'],
    [{ job: 'health' }, 'event.job: give "disk" or "security" (this function runs the server checks), not "health"'],
    [{ job: 'security' }, 'event.job: this function runs the "disk" check, not "security"', 'disk'],
    [{ job: 'disk', targets: [] }, 'event.targets'],
    [{ source: 'ssm-collect', job: 'disk', pending: '../../etc/passwd' }, 'event.pending: not a pending run key'],
    [{ source: 'ssm-collect', job: 'disk' }, 'event.pending'],
    [{ source: 'ssm-collect', job: 'backup', pending: 'state/ssm-pending/disk/x.json' }, 'event.job'],
  ];
  for (const [event, field, fixedJob] of cases) {
    it(`${JSON.stringify(event)} -> ${field}`, () => {
      let error: unknown;
      try {
        parseServerCheckEvent(event, CONFIG, fixedJob);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.join('\n')).toContain(field);
    });
  }

  it('a per-job function takes an event without "job"', () => {
    expect(parseServerCheckEvent({ targets: ['web'] }, CONFIG, 'security')).toEqual({ kind: 'run', job: 'security', targets: ['web'] });
  });

  it('reads its settings from the environment the stack sets, and says what is missing', () => {
    const documents = JSON.stringify({ disk: { name: 'D', version: '1' }, security: { name: 'S', version: '1' } });
    expect(
      ssmSettingsFromEnv({
        AUTOPILOT_SSM_DOCUMENTS: documents,
        AWS_LAMBDA_FUNCTION_NAME: 'f',
        AUTOPILOT_BUCKET: 'b',
        AUTOPILOT_SERVER_JOB: 'disk',
      }),
    ).toEqual({
      documents: JSON.parse(documents),
      outputBucket: 'b',
      outputPrefix: 'ssm-output/',
      functionName: 'f',
      job: 'disk',
    });
    expect(() => ssmSettingsFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toThrow(/AUTOPILOT_SSM_DOCUMENTS/);
    expect(() =>
      ssmSettingsFromEnv({ AUTOPILOT_SSM_DOCUMENTS: documents, AWS_LAMBDA_FUNCTION_NAME: 'f', AUTOPILOT_SERVER_JOB: 'backup' }),
    ).toThrow(/AUTOPILOT_SERVER_JOB/);
    // The resources document exists where a target configures resources or processes.
    const withResources = JSON.stringify({ ...JSON.parse(documents), resources: { name: 'R', version: '1' } });
    expect(ssmSettingsFromEnv({ AUTOPILOT_SSM_DOCUMENTS: withResources, AWS_LAMBDA_FUNCTION_NAME: 'f' }).documents.resources).toEqual({
      name: 'R',
      version: '1',
    });
    const unknown = JSON.stringify({ ...JSON.parse(documents), other: { name: 'O', version: '1' } });
    expect(() => ssmSettingsFromEnv({ AUTOPILOT_SSM_DOCUMENTS: unknown, AWS_LAMBDA_FUNCTION_NAME: 'f' })).toThrow(
      /AUTOPILOT_SSM_DOCUMENTS/,
    );
  });
});
