import { DELIVERY_TIMEOUT_SECONDS, type DocumentRef } from './boundary.js';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  CancelCommandCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
} from '@aws-sdk/client-ssm';
import { ConfigError } from '../core/errors.js';
import { SSM_OUTPUT_PREFIX } from '../core/layout.js';
import type {
  CollectOptions,
  HostResult,
  HostSelector,
  ManagedNode,
  RemoteExecution,
  SendOptions,
  SentCommand,
  ShellScript,
} from './port.js';
import { backoffDelay, errorName, realSleep, retryThrottled, type Sleep } from './retry.js';
import { commandParameters } from './script.js';

/** A script's Command document and the version every command runs (a changed document is replaced, so it stays "1"). */

/** A script this adapter can send, with the stack's document that carries it. */
export interface SsmDocument extends DocumentRef {
  readonly script: ShellScript;
}

export interface SsmRunCommandOptions {
  readonly client?: SSMClient;
  /** The scripts this adapter sends, each with its document. */
  readonly documents: readonly SsmDocument[];
  /** The suite's bucket: full stdout/stderr go to `<outputPrefix><script>/<target>/…`. @default not kept */
  readonly outputBucket?: string;
  /** @default "ssm-output/" */
  readonly outputPrefix?: string;
  /** How long a node has to pick the command up (SendCommand TimeoutSeconds, at least 30). @default 60 */
  readonly deliveryTimeoutSeconds?: number;
  /** @default "100%": the checks only read, and waves of a big fleet would run into the delivery timeout */
  readonly maxConcurrency?: string;
  /** @default "100%": one broken host never stops the rest of the fleet */
  readonly maxErrors?: string;
  /** Injectable for tests: no real waiting. */
  readonly sleep?: Sleep;
  readonly now?: () => number;
  readonly random?: () => number;
  /** First and longest pause between polls. @default 2 s and 20 s */
  readonly pollBaseMs?: number;
  readonly pollMaxMs?: number;
  readonly log?: (message: string, data?: Record<string, unknown>) => void;
}

/** Page size of DescribeInstanceInformation and ListCommandInvocations (both allow at most 50). */
const PAGE_SIZE = 50;
/** Once this few hosts are outstanding, GetCommandInvocation per host is cheaper than re-listing pages. */
const STRAGGLER_LIMIT = 5;
/** Statuses settle shortly after a command expires; after this much more, what is still open is reported. */
const EXPIRY_GRACE_MS = 60_000;
/** Right after SendCommand the command may not be visible yet. */
const NOT_YET_ERRORS = new Set(['InvocationDoesNotExist', 'InvalidCommandId']);
const FINAL_COMMAND_STATUSES = new Set(['Success', 'Cancelled', 'Failed', 'TimedOut']);
const ERROR_MARKER = '\n----------ERROR-------\n';
/** GetCommandInvocation's StandardOutputContent holds the first 24,000 characters of stdout. */
const GET_OUTPUT_CAP = 24_000;

/** An SSM client that retries throttled calls in adaptive mode (client-side rate limiting). */
export function createSsmClient(): SSMClient {
  return new SSMClient({ retryMode: 'adaptive', maxAttempts: 6 });
}

type Invocation = Pick<HostResult, 'status' | 'detail'> | 'pending';

/** What an invocation's detailed status means for its host. */
function classifyInvocation(
  statusDetails: string | undefined,
  status: string | undefined,
  managed: boolean,
  executionSeconds: number,
  deliverySeconds: number,
  responseCode?: number,
): Invocation {
  switch (statusDetails ?? status) {
    case 'Success':
      return { status: 'success' };
    case 'Pending':
    case 'InProgress':
    case 'Delayed':
    case 'Cancelling':
    case undefined:
      return 'pending';
    case 'DeliveryTimedOut':
      return { status: 'unreachable', detail: `the SSM Agent did not pick the command up within ${deliverySeconds} s (DeliveryTimedOut)` };
    case 'Undeliverable':
      return {
        status: 'unreachable',
        detail: managed
          ? 'the command could not be delivered (Undeliverable): the node does not respond'
          : 'not managed by SSM: the instance carries the tags but no SSM Agent is registered for it (Undeliverable)',
      };
    case 'InvalidPlatform':
      return { status: 'unreachable', detail: 'not a Linux node: the shell script cannot run there (InvalidPlatform)' };
    case 'ExecutionTimedOut':
      return { status: 'failed', detail: `the script did not finish within ${executionSeconds} s (ExecutionTimedOut)` };
    case 'Failed':
      return {
        status: 'failed',
        detail: `the script failed${responseCode !== undefined && responseCode >= 0 ? ` with exit status ${responseCode}` : ''} (Failed)`,
      };
    case 'Cancelled':
    case 'Terminated':
    case 'AccessDenied':
      return { status: 'failed', detail: `the command ended ${statusDetails ?? status}` };
    default:
      return status === 'Success' ? { status: 'success' } : { status: 'failed', detail: `the command ended ${statusDetails ?? status}` };
  }
}

/** The exit status of a host that ran the script (SSM reports -1 when there is none). */
function exitCodeOf(verdict: Exclude<Invocation, 'pending'>, responseCode: number | undefined): { exitCode?: number } {
  return verdict.status !== 'unreachable' && responseCode !== undefined && responseCode >= 0 ? { exitCode: responseCode } : {};
}

/**
 * For `exactlyOne`: the one online node the tags select. Offline nodes are left out, as the
 * command goes to the online one alone; none or several is an error naming the tags.
 */
function onlyOne(nodes: Record<string, ManagedNode>, group: HostSelector, purpose: string): Record<string, ManagedNode> {
  const online = Object.keys(nodes)
    .filter((id) => nodes[id]!.ping === 'Online')
    .sort();
  const selector = Object.entries(group.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (online.length === 0) throw new Error(`no online SSM managed instance has the tags ${selector}`);
  if (online.length > 1)
    throw new Error(`the tags ${selector} select ${online.length} instances (${online.join(', ')}); ${purpose} needs exactly one`);
  return { [online[0]!]: nodes[online[0]!]! };
}

function splitOutput(output: string): { stdout: string; stderr: string } {
  const at = output.indexOf(ERROR_MARKER);
  return at < 0 ? { stdout: output, stderr: '' } : { stdout: output.slice(0, at), stderr: output.slice(at + ERROR_MARKER.length) };
}

/**
 * The remote-execution port through SSM Run Command: DescribeInstanceInformation first (offline,
 * non-Linux nodes are results at once), then ONE SendCommand per target addressed by its tags (or
 * by the one instance, `exactlyOne`), then collection: ListCommands until the command is final
 * (one call per poll whatever the fleet size), ListCommandInvocations pages with the plugin output
 * for every host, and GetCommandInvocation only for the last few stragglers or a cut output. Polls
 * back off with jitter; throttled calls are retried.
 */
export class SsmRunCommand implements RemoteExecution {
  private readonly client: SSMClient;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly deliverySeconds: number;
  /** SSM API calls made, by operation (retries included). */
  readonly calls: Record<string, number> = {};

  private readonly documents: ReadonlyMap<string, SsmDocument>;

  constructor(private readonly options: SsmRunCommandOptions) {
    this.documents = new Map(options.documents.map((d) => [d.script.id, d]));
    this.client = options.client ?? createSsmClient();
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.deliverySeconds = Math.max(30, options.deliveryTimeoutSeconds ?? DELIVERY_TIMEOUT_SECONDS);
  }

  get totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  /** Finds the target's nodes and sends one command to all of them (or to the one, `exactlyOne`). */
  async send(
    script: ShellScript,
    params: Readonly<Record<string, string>>,
    group: HostSelector,
    options: SendOptions = {},
  ): Promise<SentCommand> {
    const document = this.documents.get(script.id);
    if (!document) throw new Error(`no SSM document for the ${script.id} script`);
    const tags = Object.entries(group.tags);
    if (tags.length > 5)
      throw new ConfigError(`targets.${group.target}.servers.tags: at most 5 tags (SSM Run Command targets); got ${tags.length}`);
    const nodes = options.exactlyOne ? onlyOne(await this.describeNodes(tags), group, options.exactlyOne) : await this.describeNodes(tags);
    const early: HostResult[] = [];
    const awaited: string[] = [];
    for (const [id, node] of Object.entries(nodes)) {
      if (node.ping !== 'Online')
        early.push({
          host: id,
          name: node.name,
          status: 'unreachable',
          detail: `SSM ping status ${node.ping ?? 'unknown'} (the agent is not connected)`,
          stdout: '',
          stderr: '',
        });
      else if (node.platform && node.platform !== 'Linux')
        early.push({
          host: id,
          name: node.name,
          status: 'unreachable',
          detail: `platform ${node.platform}: the shell scripts run on Linux only`,
          stdout: '',
          stderr: '',
        });
      else awaited.push(id);
    }
    const sentAt = this.now();
    const base = { script: script.id, target: group.target, sentAt, nodes, early };
    if (awaited.length === 0) return { ...base, expiresAt: sentAt, awaited };

    try {
      const response = await this.call('SendCommand', () =>
        this.client.send(
          new SendCommandCommand({
            DocumentName: document.name,
            DocumentVersion: document.version,
            ...(options.exactlyOne
              ? { InstanceIds: awaited }
              : { Targets: tags.map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] })) }),
            Parameters: commandParameters(params),
            MaxConcurrency: this.options.maxConcurrency ?? '100%',
            MaxErrors: this.options.maxErrors ?? '100%',
            TimeoutSeconds: this.deliverySeconds,
            Comment: `ops-autopilot ${script.title} of ${group.target}`.slice(0, 100),
            ...(this.options.outputBucket
              ? {
                  OutputS3BucketName: this.options.outputBucket,
                  OutputS3KeyPrefix: `${this.options.outputPrefix ?? SSM_OUTPUT_PREFIX}${script.id}/${group.target}`,
                }
              : {}),
          }),
        ),
      );
      const commandId = response.Command?.CommandId;
      if (!commandId) throw new Error('SendCommand returned no command id');
      const expiresAt =
        response.Command?.ExpiresAfter?.getTime() ?? sentAt + (this.deliverySeconds + script.executionTimeoutSeconds) * 1000;
      this.options.log?.('sent', {
        script: script.id,
        target: group.target,
        commandId,
        nodes: Object.keys(nodes).length,
        awaited: awaited.length,
      });
      return { ...base, commandId, expiresAt, awaited };
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const detail = `SendCommand failed: ${errorName(error) || 'Error'}: ${(error as Error).message}`;
      return {
        ...base,
        expiresAt: sentAt,
        awaited: [],
        early: [
          ...early,
          ...awaited.map((id): HostResult => ({ host: id, name: nodes[id]?.name, status: 'failed', detail, stdout: '', stderr: '' })),
        ],
      };
    }
  }

  /**
   * Collects a sent command's results. Returns undefined when `deadline` (epoch ms) or the signal
   * comes first; call again later (the command keeps running on the servers meanwhile).
   */
  async collect(sent: SentCommand, options: CollectOptions = {}): Promise<HostResult[] | undefined> {
    const commandId = sent.commandId;
    if (!commandId) return [...sent.early];
    if (options.signal?.aborted) return undefined;
    const early = new Set(sent.early.map((r) => r.host));
    const open = new Set(sent.awaited);
    const results = new Map<string, HostResult>();
    /** Final, but the listed output was cut before the end of the JSON line: fetch the longer copy. */
    const needOutput = new Map<string, HostResult>();
    let commandFinal = false;
    let listed = false;

    for (let attempt = 0; ; attempt++) {
      const expired = this.now() > sent.expiresAt + EXPIRY_GRACE_MS;
      if (!commandFinal && !expired) commandFinal = await this.commandFinal(commandId, sent);
      if (commandFinal || expired) {
        if (!listed || open.size > STRAGGLER_LIMIT) {
          const seen = await this.listInvocations(commandId, sent);
          listed = true;
          for (const invocation of seen) {
            const id = invocation.InstanceId;
            if (!id || early.has(id) || results.has(id) || needOutput.has(id)) continue;
            this.settle(sent, id, invocation, open, results, needOutput);
          }
        } else {
          for (const id of [...open]) await this.fetchInvocation(commandId, sent, id, open, results);
        }
        for (const [id, partial] of [...needOutput]) await this.fetchOutput(commandId, id, partial, results, needOutput);
        if (open.size === 0 && needOutput.size === 0) return [...sent.early, ...results.values()];
        if (expired) return [...sent.early, ...results.values(), ...this.giveUp(sent, open, needOutput)];
      }
      const delay = backoffDelay(attempt, {
        baseMs: this.options.pollBaseMs ?? 2_000,
        maxMs: this.options.pollMaxMs ?? 20_000,
        random: this.random,
      });
      if (options.deadline !== undefined && this.now() + delay > options.deadline) return undefined;
      await this.pause(delay, options.signal);
      if (options.signal?.aborted) return undefined;
    }
  }

  /** CancelCommand for the hosts still running it; a command already finished is left alone. */
  async cancel(sent: SentCommand): Promise<void> {
    if (!sent.commandId || sent.awaited.length === 0) return;
    await this.call('CancelCommand', () =>
      this.client.send(new CancelCommandCommand({ CommandId: sent.commandId, InstanceIds: [...sent.awaited] })),
    ).catch((error: unknown) => this.options.log?.('cancel failed', { commandId: sent.commandId, error: errorName(error) }));
  }

  /** The injected sleep, cut short by an abort. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([this.sleep(ms), aborted]);
    signal.removeEventListener('abort', onAbort!);
  }

  /** The script a sent command runs, for its timeout and what a complete output is. */
  private scriptOf(sent: SentCommand): ShellScript {
    const document = this.documents.get(sent.script);
    if (!document) throw new Error(`no SSM document for the ${sent.script} script`);
    return document.script;
  }

  private giveUp(sent: SentCommand, open: ReadonlySet<string>, needOutput: ReadonlyMap<string, HostResult>): HostResult[] {
    return [
      ...[...open].map(
        (id): HostResult => ({
          host: id,
          name: sent.nodes[id]?.name,
          status: 'unreachable',
          detail: 'no final status after the command expired: the command did not reach this node',
          stdout: '',
          stderr: '',
        }),
      ),
      ...needOutput.values(),
    ];
  }

  private settle(
    sent: SentCommand,
    id: string,
    invocation: Pick<CommandInvocation, 'Status' | 'StatusDetails' | 'CommandPlugins' | 'InstanceName'>,
    open: Set<string>,
    results: Map<string, HostResult>,
    needOutput: Map<string, HostResult>,
  ): void {
    const plugin = invocation.CommandPlugins?.[0];
    const script = this.scriptOf(sent);
    const verdict = classifyInvocation(
      invocation.StatusDetails,
      invocation.Status,
      id in sent.nodes,
      script.executionTimeoutSeconds,
      this.deliverySeconds,
      plugin?.ResponseCode,
    );
    if (verdict === 'pending') {
      open.add(id);
      return;
    }
    open.delete(id);
    const { stdout, stderr } = splitOutput(plugin?.Output ?? '');
    const result: HostResult = {
      host: id,
      name: sent.nodes[id]?.name ?? (invocation.InstanceName || undefined),
      ...verdict,
      ...exitCodeOf(verdict, plugin?.ResponseCode),
      stdout,
      stderr,
    };
    if (verdict.status !== 'unreachable' && !script.outputComplete(stdout)) needOutput.set(id, { ...result, outputTruncated: true });
    else results.set(id, result);
  }

  private async fetchInvocation(
    commandId: string,
    sent: SentCommand,
    id: string,
    open: Set<string>,
    results: Map<string, HostResult>,
  ): Promise<void> {
    const response = await this.notYetAsUndefined(() =>
      this.call('GetCommandInvocation', () => this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }))),
    );
    if (!response) return;
    const verdict = classifyInvocation(
      response.StatusDetails,
      response.Status,
      id in sent.nodes,
      this.scriptOf(sent).executionTimeoutSeconds,
      this.deliverySeconds,
      response.ResponseCode,
    );
    if (verdict === 'pending') return;
    open.delete(id);
    const stdout = response.StandardOutputContent ?? '';
    results.set(id, {
      host: id,
      name: sent.nodes[id]?.name,
      ...verdict,
      ...exitCodeOf(verdict, response.ResponseCode),
      stdout,
      stderr: response.StandardErrorContent ?? '',
      outputTruncated: stdout.length >= GET_OUTPUT_CAP,
    });
  }

  /** The 24,000-character copy of a host's stdout, for an output the listing cut at its 2,500. */
  private async fetchOutput(
    commandId: string,
    id: string,
    partial: HostResult,
    results: Map<string, HostResult>,
    needOutput: Map<string, HostResult>,
  ): Promise<void> {
    const response = await this.notYetAsUndefined(() =>
      this.call('GetCommandInvocation', () => this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }))),
    );
    if (!response || classifyInvocation(response.StatusDetails, response.Status, true, 0, this.deliverySeconds) === 'pending') return;
    needOutput.delete(id);
    const stdout = response.StandardOutputContent ?? '';
    results.set(id, {
      ...partial,
      stdout: stdout || partial.stdout,
      stderr: response.StandardErrorContent ?? partial.stderr,
      outputTruncated: stdout.length >= GET_OUTPUT_CAP,
    });
  }

  private async commandFinal(commandId: string, sent: SentCommand): Promise<boolean> {
    const response = await this.notYetAsUndefined(() =>
      this.call('ListCommands', () => this.client.send(new ListCommandsCommand({ CommandId: commandId }))),
    );
    const command = response?.Commands?.[0];
    if (!command) return false;
    const targets = command.TargetCount ?? 0;
    const final = FINAL_COMMAND_STATUSES.has(command.Status ?? '') || (targets > 0 && (command.CompletedCount ?? 0) >= targets);
    this.options.log?.('poll', { target: sent.target, commandId, status: command.Status, completed: command.CompletedCount, targets });
    return final;
  }

  private async listInvocations(commandId: string, sent: SentCommand): Promise<CommandInvocation[]> {
    const all: CommandInvocation[] = [];
    let token: string | undefined;
    do {
      const response = await this.notYetAsUndefined(() =>
        this.call('ListCommandInvocations', () =>
          this.client.send(
            new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, MaxResults: PAGE_SIZE, NextToken: token }),
          ),
        ),
      );
      if (!response) break;
      all.push(...(response.CommandInvocations ?? []));
      token = response.NextToken;
    } while (token);
    this.options.log?.('listed', { target: sent.target, commandId, invocations: all.length });
    return all;
  }

  private async describeNodes(tags: ReadonlyArray<[string, string]>): Promise<Record<string, ManagedNode>> {
    const nodes: Record<string, ManagedNode> = {};
    let token: string | undefined;
    do {
      const response = await this.call('DescribeInstanceInformation', () =>
        this.client.send(
          new DescribeInstanceInformationCommand({
            Filters: tags.map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] })),
            MaxResults: PAGE_SIZE,
            NextToken: token,
          }),
        ),
      );
      for (const node of response.InstanceInformationList ?? []) {
        if (node.InstanceId)
          nodes[node.InstanceId] = {
            name: node.ComputerName || node.Name || undefined,
            ping: node.PingStatus,
            platform: node.PlatformType,
          };
      }
      token = response.NextToken;
    } while (token);
    return nodes;
  }

  private async notYetAsUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (NOT_YET_ERRORS.has(errorName(error))) return undefined;
      throw error;
    }
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return retryThrottled(
      () => {
        this.calls[operation] = (this.calls[operation] ?? 0) + 1;
        return send();
      },
      { sleep: this.sleep, attempts: 8, baseMs: 1_000, maxMs: 20_000, random: this.random },
    );
  }
}

export { DELIVERY_TIMEOUT_SECONDS, type DocumentRef };
