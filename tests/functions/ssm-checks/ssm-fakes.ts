import type { CommandInvocation, InstanceInformation } from '@aws-sdk/client-ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmRunCommand, type SsmRunCommandOptions } from '../../../functions/remote/ssm-run-command.js';
import { SERVER_CHECK_IDS, SERVER_CHECKS } from '../../../functions/ssm-checks/checks.js';

export const DOCUMENTS = {
  disk: { name: 'OpsAutopilot-ServerChecksDocumentsDisk-AbC123', version: '1' },
  security: { name: 'OpsAutopilot-ServerChecksDocumentsSecurity-DeF456', version: '1' },
  resources: { name: 'OpsAutopilot-ServerChecksDocumentsResources-GhI789', version: '1' },
} as const;

export const T0 = Date.parse('2026-11-23T02:00:00Z');

/** A fake clock that the injected sleep advances: backoff never waits for real. */
export function fakeClock(start = T0) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

export function ssmRemote(options: Partial<SsmRunCommandOptions> & { clock: ReturnType<typeof fakeClock> }): SsmRunCommand {
  const { clock, ...rest } = options;
  return new SsmRunCommand({
    client: new SSMClient({ region: 'ap-northeast-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    documents: SERVER_CHECK_IDS.map((id) => ({ script: SERVER_CHECKS[id].script, ...DOCUMENTS[id] })),
    outputBucket: 'autopilot-bucket',
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    ...rest,
  });
}

export function node(id: string, ping = 'Online', extra: Partial<InstanceInformation> = {}): InstanceInformation {
  return {
    InstanceId: id,
    PingStatus: ping as InstanceInformation['PingStatus'],
    PlatformType: 'Linux',
    ComputerName: `${id}.internal`,
    ...extra,
  };
}

/** A disk script's JSON line for one filesystem. */
export function diskLine(host: string, usedPct: number, mount = '/'): string {
  return JSON.stringify({
    v: 1,
    job: 'disk',
    host,
    status: 'ok',
    entries: [{ mount, fs: 'ext4', source: '/dev/nvme0n1p1', sizeKb: 8_000_000, usedPct, inodesPct: 5 }],
    omitted: 0,
    omittedMaxPct: 0,
  });
}

/** A resources script's JSON line: CPU, memory, swap and load, and one PM2 app's entry. */
export function resourcesLine(
  host: string,
  cpuPct: number,
  app: { count: number; restarts: number; restartsBefore: number | null },
): string {
  return JSON.stringify({
    v: 1,
    job: 'resources',
    host,
    now: 1_790_000_000,
    cpu: { status: 'ok', pct: cpuPct, iowaitPct: 0.5, stealPct: 0, sample: 'interval', seconds: 3600 },
    memory: { status: 'ok', pct: 41.2, totalKb: 4_000_000, availableKb: 2_352_000, estimated: false },
    swap: { status: 'ok', pct: null, totalKb: 0, usedKb: 0 },
    load: { status: 'ok', cpus: 2, load1: 0.5, load5: 0.4, load15: 0.3, perCore: 0.15 },
    state: { status: 'ok', file: '/var/lib/ops-autopilot/resources-web.state' },
    processes: [{ i: 0, status: 'ok', daemons: 1, instances: app.count, states: [], rssKb: 90_000, totalRssKb: 90_000, ...app }],
    processesOmitted: 0,
  });
}

export function invocation(id: string, statusDetails: string, output = '', extra: Partial<CommandInvocation> = {}): CommandInvocation {
  const status =
    (
      {
        DeliveryTimedOut: 'TimedOut',
        ExecutionTimedOut: 'TimedOut',
        Undeliverable: 'Failed',
        InvalidPlatform: 'Failed',
        Terminated: 'Failed',
      } as Record<string, string>
    )[statusDetails] ?? statusDetails;
  return {
    CommandId: 'cmd-1',
    InstanceId: id,
    Status: status as CommandInvocation['Status'],
    StatusDetails: statusDetails,
    CommandPlugins: [
      {
        Name: 'diskCheck',
        Status: status as never,
        StatusDetails: statusDetails,
        Output: output,
        ResponseCode: statusDetails === 'Success' ? 0 : 1,
      },
    ],
    ...extra,
  };
}

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: name === 'ThrottlingException' ? 400 : 400 } });
}
