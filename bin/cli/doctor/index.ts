import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ServiceFaultError } from '../../../functions/core/errors.js';
import { printable } from '../../../functions/core/text/printable.js';
import type { Config } from '../../../functions/kinds/config.js';
import { awsFault } from '../aws-fault.js';
import { configPath, DEFAULT_CONFIG, loadCliConfig } from '../config-file.js';
import { EXIT } from '../exit-status.js';
import type { DoctorClients } from './clients.js';
import { PATIENCE } from './patience.js';
import { type CheckLine, type DoctorContext, guarded, ok, type Status, warn } from './report.js';

export interface DoctorResult {
  readonly account: string;
  readonly region: string;
  readonly caller: string;
  readonly stack: string;
  readonly config?: string;
  readonly checks: readonly CheckLine[];
  readonly counts: Readonly<Record<Status, number>>;
}

/**
 * Reads the account in the environment and reports, check by check, what it lacks for this config. Throws a
 * ServiceFaultError (exit 4) when AWS cannot be reached at all: no region, no credentials, no network.
 */
export async function examine(options: {
  readonly config?: Config;
  readonly configFile?: string;
  readonly stack: string;
  readonly clients?: DoctorClients;
}): Promise<DoctorResult> {
  // Who and where first, with STS alone: without credentials, a region or a network this is the one line there is to
  // say, and it comes before the other eight SDK clients are even loaded (seconds of start-up on a small machine).
  const sts = options.clients?.sts ?? new STSClient(PATIENCE);
  let identity: { Account?: string; Arn?: string };
  try {
    identity = await sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    throw awsFault(error, 'doctor') ?? new ServiceFaultError(`doctor: AWS cannot be reached: ${(error as Error).message?.split('\n')[0]}`);
  }
  const region = await sts.config.region();
  // Every other client in the region STS answered in (the profile's, or AWS_REGION's).
  const clients = options.clients ?? (await import('./clients.js')).createClients(region);
  const { DOCTOR_CHECKS } = await import('./checks/index.js');
  const context: DoctorContext = { account: identity.Account ?? '?', region, stack: options.stack, config: options.config, clients };
  const found = await Promise.all(DOCTOR_CHECKS.map(([name, check]) => guarded(name, check, context)));
  const checks = [
    ok('credentials', `account ${context.account} as ${identity.Arn ?? '?'}, region ${region}`),
    ...(options.config
      ? []
      : [warn('config', `no ${DEFAULT_CONFIG} here: only the account was checked (autopilot init writes one; or pass --config)`)]),
    ...found.flat(),
  ];
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const line of checks) counts[line.status]++;
  return {
    account: context.account,
    region,
    caller: identity.Arn ?? '?',
    stack: options.stack,
    ...(options.configFile ? { config: options.configFile } : {}),
    checks,
    counts,
  };
}

const MARK: Record<Status, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** The human form: a line per check, `ok`/`WARN`/`FAIL`, its name, and what it found or what to do. */
export function formatDoctor(result: DoctorResult): string {
  const width = Math.max(...result.checks.map((c) => c.check.length));
  return [
    `autopilot doctor: account ${result.account}, region ${result.region}, stack ${result.stack}` +
      `${result.config ? `, config ${result.config}` : ''}`,
    ...result.checks.map((c) => `  ${MARK[c.status]}  ${c.check.padEnd(width)}  ${printable(c.detail, 2_000)}`),
    `${result.counts.ok} ok, ${result.counts.warn} warning(s), ${result.counts.fail} failed`,
  ].join('\n');
}

/** `autopilot doctor`: exit 0 when nothing failed, 3 when a check failed, 4 when AWS cannot be reached. */
export async function doctor(flags: { readonly config?: string; readonly stack: string; readonly json: boolean }): Promise<number> {
  const file = configPath(flags.config, { optional: true });
  const config = file ? await loadCliConfig(file) : undefined;
  const result = await examine({ config, configFile: file, stack: flags.stack });
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatDoctor(result)}\n`);
  return result.counts.fail ? EXIT.failOn : EXIT.ok;
}
