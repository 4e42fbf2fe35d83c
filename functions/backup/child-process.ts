import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  readonly spawnError?: Error;
}

/** Keeps the last `limit` bytes a process wrote to stderr: its error is at the end. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly limit = 16 * 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length - this.chunks[0]!.length >= this.limit) this.length -= this.chunks.shift()!.length;
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly stderr: TailBuffer;
  /** Resolves (never rejects) once the process exited and its output streams closed. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
  terminate(graceMs?: number): void;
}

/**
 * Spawns without a shell: every value goes in as one argv element or an env var. `stdout`: a
 * socket the child writes to instead of a pipe (DumpOutput's child end); this side's copy of it is
 * closed once the child has its own, so the reader sees the end when the child exits.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin: 'pipe' | 'ignore' = 'ignore',
  stdout?: Socket,
): RunningProcess {
  let child: ChildProcess;
  try {
    child = spawn(command, args, { env, stdio: [stdin, stdout ?? 'pipe', 'pipe'] });
  } finally {
    stdout?.destroy();
  }
  const stderr = new TailBuffer();
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stderr,
    exited,
    terminate(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      timer.unref();
      void exited.then(() => clearTimeout(timer));
    },
  };
}

/** The lines of a tool's stderr that say what went wrong, on one line. */
export function errorSummary(stderr: string, max = 600): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /error|fatal|failed|could not|aborting/i.test(l) && !/^(pg_dump|pg_restore): warning/.test(l));
  const text = (errors.length ? errors : lines.slice(-3)).join(' | ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function describeExit(tool: string, status: ExitStatus, stderr: string): string {
  if (status.spawnError) return `${tool} could not be started: ${status.spawnError.message}`;
  const how = status.signal ? `was killed by ${status.signal}` : `exited with status ${status.code}`;
  const why = errorSummary(stderr);
  return why ? `${tool} ${how}: ${why}` : `${tool} ${how}`;
}

export function succeeded(status: ExitStatus): boolean {
  return status.code === 0 && !status.spawnError;
}
