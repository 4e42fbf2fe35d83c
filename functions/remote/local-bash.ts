import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectOptions, HostResult, HostSelector, RemoteExecution, SentCommand, ShellScript } from './port.js';
import { readScript, scriptEnvironment } from './script.js';

export interface LocalBashOptions {
  /** Extra environment for the script (tests put a fake `sshd` on PATH or point AUTOPILOT_AUTH_LOG at a fixture). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the script's execution timeout */
  readonly timeoutMs?: number;
  /** @default `bash` on PATH */
  readonly bash?: string;
  /** @default this machine's hostname */
  readonly host?: string;
}

/** stdout kept per run; a script's report is a line or two, the rest is detail. */
const MAX_STDOUT = 8 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;
/** After SIGTERM, this long before SIGKILL. */
const KILL_GRACE_MS = 5_000;

interface Running {
  readonly done: Promise<HostResult>;
  stop(reason: string): void;
}

/**
 * The remote-execution port on this machine: the very scripts the SSM documents carry, run with
 * bash, the parameters as the same `SSM_<name>` environment variables SSM's ENV_VAR interpolation
 * sets (defaults filled in, inherited `SSM_` variables removed). The script runs as the document
 * carries it (`readScript`: its prelude, then the file), written to a private temporary file as the
 * SSM Agent writes a document's commands to a file; that path is an argv element (no shell), so no
 * value is ever read as shell text. The tags select this machine.
 */
export class LocalBash implements RemoteExecution {
  private readonly running = new Map<string, Running>();
  private sequence = 0;

  constructor(private readonly options: LocalBashOptions = {}) {}

  async send(script: ShellScript, params: Readonly<Record<string, string>>, hosts: HostSelector): Promise<SentCommand> {
    const host = this.options.host ?? hostname();
    const commandId = `local-${process.pid}-${++this.sequence}`;
    const sentAt = Date.now();
    const timeoutMs = this.options.timeoutMs ?? script.executionTimeoutSeconds * 1000;
    this.running.set(commandId, this.start(script, params, host, timeoutMs));
    return {
      script: script.id,
      target: hosts.target,
      commandId,
      sentAt,
      expiresAt: sentAt + timeoutMs,
      nodes: { [host]: {} },
      awaited: [host],
      early: [],
    };
  }

  async collect(sent: SentCommand, options: CollectOptions = {}): Promise<HostResult[] | undefined> {
    const run = sent.commandId ? this.running.get(sent.commandId) : undefined;
    if (!run) return sent.commandId ? undefined : [...sent.early];
    const waits: Promise<HostResult | undefined>[] = [run.done];
    const cleanups: Array<() => void> = [];
    if (options.deadline !== undefined) {
      waits.push(
        new Promise((resolve) => {
          const t = setTimeout(() => resolve(undefined), Math.max(0, options.deadline! - Date.now()));
          cleanups.push(() => clearTimeout(t));
        }),
      );
    }
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) return undefined;
      waits.push(
        new Promise((resolve) => {
          const onAbort = () => resolve(undefined);
          signal.addEventListener('abort', onAbort, { once: true });
          cleanups.push(() => signal.removeEventListener('abort', onAbort));
        }),
      );
    }
    const result = await Promise.race(waits);
    for (const cleanup of cleanups) cleanup();
    if (!result) return undefined;
    this.running.delete(sent.commandId!);
    return [...sent.early, result];
  }

  async cancel(sent: SentCommand): Promise<void> {
    const run = sent.commandId ? this.running.get(sent.commandId) : undefined;
    if (!run) return;
    run.stop('cancelled');
    await run.done;
    this.running.delete(sent.commandId!);
  }

  private start(script: ShellScript, params: Readonly<Record<string, string>>, host: string, timeoutMs: number): Running {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SSM_')));
    const env = { ...inherited, ...this.options.env, ...scriptEnvironment(script, params) };
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-script-'));
    const file = join(dir, `${script.id}.sh`);
    writeFileSync(file, readScript(script), { mode: 0o700 });
    liveScriptDirs.add(dir);
    const removeFile = () => {
      liveScriptDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    };
    // Its own process group, so stopping it stops what it started too (a pipeline, a sleeping child holding stdout).
    const child = spawn(this.options.bash ?? 'bash', [file], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const group = child.pid;
    if (group !== undefined) liveGroups.add(group);
    forwardInterrupts();
    const stdout = new Capped(MAX_STDOUT, 'head');
    const stderr = new Capped(MAX_STDERR, 'tail');
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let stopped: string | undefined;
    const stop = (reason: string) => {
      if (stopped || child.exitCode !== null || child.signalCode !== null) return;
      stopped = reason;
      killGroup(group, 'SIGTERM');
      setTimeout(() => killGroup(group, 'SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const done = new Promise<HostResult>((resolve) => {
      const finish = (status: { code: number | null; signal: NodeJS.Signals | null; error?: Error }) => {
        clearTimeout(timer);
        removeFile();
        if (group !== undefined) liveGroups.delete(group);
        forwardInterrupts();
        const out = { host, stdout: stdout.text(), stderr: stderr.text(), ...(stdout.cut ? { outputTruncated: true } : {}) };
        if (status.error) return resolve({ ...out, status: 'failed', detail: `cannot run bash: ${status.error.message}` });
        if (status.code === 0 && !stopped) return resolve({ ...out, status: 'success', exitCode: 0 });
        if (stopped || status.code === null) return resolve({ ...out, status: 'failed', detail: stopped ?? `killed by ${status.signal}` });
        const first = out.stderr.trim().split('\n')[0];
        resolve({ ...out, status: 'failed', exitCode: status.code, detail: `exit status ${status.code}${first ? `: ${first}` : ''}` });
      };
      child.once('error', (error) => finish({ code: null, signal: null, error }));
      child.once('close', (code, signal) => finish({ code, signal }));
    });
    return { done, stop };
  }
}

/** Process groups of scripts still running: an interrupted CLI stops them before it goes. */
const liveGroups = new Set<number>();
/** The temporary directories of those scripts' files: an interrupted CLI removes them (bash keeps what it opened). */
const liveScriptDirs = new Set<string>();

function killGroup(group: number | undefined, signal: NodeJS.Signals): void {
  if (group === undefined) return;
  try {
    process.kill(-group, signal);
  } catch {
    // Gone already.
  }
}

/** Ctrl-C reaches the terminal's foreground group only: pass it on to the scripts' own groups. */
function onInterrupt(signal: NodeJS.Signals): void {
  for (const group of liveGroups) killGroup(group, 'SIGTERM');
  liveGroups.clear();
  for (const dir of liveScriptDirs) rmSync(dir, { recursive: true, force: true });
  liveScriptDirs.clear();
  forwardInterrupts();
  // Nobody else handles it: die of it as a process without this listener would.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let forwarding = false;
function forwardInterrupts(): void {
  const wanted = liveGroups.size > 0;
  if (wanted === forwarding) return;
  forwarding = wanted;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (wanted) process.on(signal, onInterrupt);
    else process.off(signal, onInterrupt);
  }
}

/** Keeps the first (`head`) or last (`tail`) `limit` bytes of a stream. */
class Capped {
  private chunks: Buffer[] = [];
  private length = 0;
  cut = false;

  constructor(
    private readonly limit: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  push(chunk: Buffer): void {
    if (this.keep === 'head' && this.length >= this.limit) {
      this.cut = true;
      return;
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.keep === 'tail' && this.chunks.length > 1 && this.length - this.chunks[0]!.length >= this.limit) {
      this.length -= this.chunks.shift()!.length;
      this.cut = true;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = this.keep === 'head' ? all.subarray(0, this.limit) : all.subarray(Math.max(0, all.length - this.limit));
    if (kept.length < all.length) this.cut = true;
    return kept.toString('utf8');
  }
}
