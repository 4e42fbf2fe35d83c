import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../child-process.js';

/** The document parameters of the backup script (each reaches it as SSM_<name>). */
export type BackupScriptParameters = Record<'kind' | 'partSize' | 'partUrls', string> &
  Partial<Record<'dbHost' | 'dbPort' | 'dbUser' | 'dbName' | 'sqlitePath', string>>;

export interface HostRunResult {
  readonly ok: boolean;
  /** `Success`, `Failed`, `TimedOut`, ... for SSM; `exit 1` for a local run. */
  readonly status: string;
  readonly stdout: string;
  readonly stderr: string;
  /** The instance that ran it. */
  readonly host: string;
}

/** Runs scripts/ssm-backup.sh on the server of a target: through SSM Run Command, or with local bash. */
export interface HostRunner {
  run(
    tags: Readonly<Record<string, string>>,
    parameters: BackupScriptParameters,
    options: { timeoutSeconds: number; signal?: AbortSignal },
  ): Promise<HostRunResult>;
}

export const BACKUP_SCRIPT_PATH = fileURLToPath(new URL('../scripts/ssm-backup.sh', import.meta.url));

/** --local runs and tests: the same script under this machine's bash, parameters as SSM_ variables. */
export class LocalBashRunner implements HostRunner {
  constructor(
    private readonly script = BACKUP_SCRIPT_PATH,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async run(
    _tags: Readonly<Record<string, string>>,
    parameters: BackupScriptParameters,
    options: { timeoutSeconds: number; signal?: AbortSignal },
  ): Promise<HostRunResult> {
    const env: NodeJS.ProcessEnv = { ...this.env };
    for (const [name, value] of Object.entries(parameters)) if (value !== undefined) env[`SSM_${name}`] = value;
    const run = startProcess('bash', [this.script], env);
    const stdout: Buffer[] = [];
    run.child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    const timer = setTimeout(() => run.terminate(), options.timeoutSeconds * 1000);
    const onAbort = () => run.terminate();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const status = await run.exited;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    const ok = status.code === 0;
    return {
      ok,
      status: status.spawnError
        ? `not started: ${status.spawnError.message}`
        : status.signal
          ? `killed by ${status.signal}`
          : `exit ${status.code}`,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: run.stderr.toString(),
      host: 'localhost',
    };
  }
}

const TERMINAL = new Set([
  'Success',
  'Failed',
  'Cancelled',
  'TimedOut',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'Undeliverable',
  'Terminated',
  'InvalidPlatform',
  'AccessDenied',
]);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * SSM Run Command with the stack's backup document (the script, its parameters interpolated
 * as environment variables). The target's `servers.tags` must select exactly one online
 * managed instance: the database lives on one host.
 */
export class SsmHostRunner implements HostRunner {
  constructor(
    private readonly ssm: SSMClient,
    private readonly documentName: string,
    private readonly pollMs = 3_000,
  ) {}

  async resolveInstance(tags: Readonly<Record<string, string>>): Promise<string> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [
            ...Object.entries(tags).map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] })),
            { Key: 'PingStatus', Values: ['Online'] },
          ],
          NextToken: token,
        }),
      );
      for (const info of page.InstanceInformationList ?? []) if (info.InstanceId) ids.push(info.InstanceId);
      token = page.NextToken;
    } while (token);
    const selector = Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    if (ids.length === 0) throw new Error(`no online SSM managed instance has the tags ${selector}`);
    if (ids.length > 1)
      throw new Error(`the tags ${selector} select ${ids.length} instances (${ids.sort().join(', ')}); a backup via ssm needs exactly one`);
    return ids[0]!;
  }

  async run(
    tags: Readonly<Record<string, string>>,
    parameters: BackupScriptParameters,
    options: { timeoutSeconds: number; signal?: AbortSignal },
  ): Promise<HostRunResult> {
    const instance = await this.resolveInstance(tags);
    const sent = await this.ssm.send(
      new SendCommandCommand({
        DocumentName: this.documentName,
        InstanceIds: [instance],
        Parameters: Object.fromEntries(
          Object.entries(parameters)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, [v!]]),
        ),
        TimeoutSeconds: 60,
        Comment: 'ops-autopilot backup',
      }),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw new Error('SendCommand returned no CommandId');
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      await sleep(this.pollMs, options.signal);
      try {
        const invocation = await this.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instance }));
        const status = invocation.Status ?? 'Pending';
        if (TERMINAL.has(status)) {
          return {
            ok: status === 'Success',
            status: `${status}${invocation.ResponseCode !== undefined && invocation.ResponseCode >= 0 ? ` (exit ${invocation.ResponseCode})` : ''}`,
            stdout: invocation.StandardOutputContent ?? '',
            stderr: invocation.StandardErrorContent ?? '',
            host: instance,
          };
        }
      } catch (error) {
        // Right after SendCommand the invocation may not exist yet.
        if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
      }
      if (options.signal?.aborted || Date.now() > deadline) {
        // Stop the script too: its parts would go to an upload that is about to be aborted.
        await this.ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instance] })).catch(() => undefined);
        return { ok: false, status: `no result within ${options.timeoutSeconds} s`, stdout: '', stderr: '', host: instance };
      }
    }
  }
}
