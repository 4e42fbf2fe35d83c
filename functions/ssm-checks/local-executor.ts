import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import type { Executor, HostResult, ServerJob, TargetGroup } from './executor.js';
import { EXECUTION_TIMEOUT_SECONDS, scriptEnvironment } from './parameters.js';
import { scriptPath } from './scripts.js';

export interface LocalBashExecutorOptions {
  /** Extra environment for the script (tests put a fake `sshd` on PATH or point AUTOPILOT_AUTH_LOG at a fixture). */
  readonly env?: Readonly<Record<string, string>>;
  /** @default the document's execution timeout */
  readonly timeoutMs?: number;
  /** @default `bash` on PATH */
  readonly bash?: string;
  /** @default this machine's hostname */
  readonly host?: string;
}

/**
 * Runs the very scripts the SSM documents carry on this machine with bash, the parameters as
 * the same `SSM_<name>` environment variables SSM's ENV_VAR interpolation sets. The script path
 * is an argv element (execFile, no shell), so no value is ever read as shell text.
 */
export class LocalBashExecutor implements Executor {
  constructor(private readonly options: LocalBashExecutorOptions = {}) {}

  async runScript(job: ServerJob, params: Readonly<Record<string, string>>, _group: TargetGroup): Promise<HostResult[]> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SSM_')));
    const env = { ...inherited, ...this.options.env, ...scriptEnvironment(job, params) };
    const host = this.options.host ?? hostname();
    const timeout = this.options.timeoutMs ?? EXECUTION_TIMEOUT_SECONDS[job] * 1000;
    return new Promise((resolve) => {
      execFile(
        this.options.bash ?? 'bash',
        [scriptPath(job)],
        { env, timeout, maxBuffer: 8 * 1024 * 1024, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          if (!error) return resolve([{ host, status: 'success', stdout, stderr }]);
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          const detail = e.killed
            ? `timed out after ${Math.round(timeout / 1000)} s`
            : typeof e.code === 'number'
              ? `exit status ${e.code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`
              : `cannot run bash: ${e.message}`;
          resolve([{ host, status: 'failed', detail, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') }]);
        },
      );
    });
  }
}
