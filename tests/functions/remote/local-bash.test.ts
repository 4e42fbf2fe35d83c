import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { runScript, type ShellScript } from '../../../functions/remote/port.js';
import { scratchDir } from '../ssm-checks/helpers.js';

const scratch = scratchDir('autopilot-remote-');
afterAll(() => scratch.cleanup());

/** A throwaway script with two parameters, one required and one with a default. */
function script(body: string, executionTimeoutSeconds = 60): ShellScript {
  const file = join(scratch.dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`);
  return {
    id: 'probe',
    title: 'probe',
    file,
    description: 'test script',
    stepName: 'probe',
    executionTimeoutSeconds,
    parameters: [
      { name: 'name', description: 'required', allowedPattern: '^.*$' },
      { name: 'greeting', description: 'with a default', allowedPattern: '^.*$', default: 'hello' },
    ],
    outputComplete: () => true,
  };
}

const HOSTS = { target: 'web', tags: { App: 'web' } };

describe('LocalBash: the remote-execution port on this machine', () => {
  it('passes parameters as SSM_<name> with defaults filled in, never inherited SSM_ variables, and never as shell text', async () => {
    const probe = script('printf "%s|%s|%s\\n" "${SSM_greeting}" "${SSM_name}" "${SSM_stale-unset}"');
    process.env.SSM_stale = 'from the parent';
    try {
      const [result] = await runScript(new LocalBash({ host: 'laptop' }), probe, { name: '$(touch /tmp/pwned); `id`' }, HOSTS);
      expect(result).toEqual({
        host: 'laptop',
        status: 'success',
        exitCode: 0,
        stdout: 'hello|$(touch /tmp/pwned); `id`|unset\n',
        stderr: '',
      });
    } finally {
      delete process.env.SSM_stale;
    }
  });

  it('a non-zero exit is a failed result with the exit status and the first stderr line', async () => {
    const probe = script('echo partial; echo "first problem" >&2; echo "second" >&2; exit 3');
    const [result] = await runScript(new LocalBash({ host: 'laptop' }), probe, { name: 'x' }, HOSTS);
    expect(result).toMatchObject({
      status: 'failed',
      exitCode: 3,
      detail: 'exit status 3: first problem',
      stdout: 'partial\n',
      stderr: 'first problem\nsecond\n',
    });
  });

  it('stops a script that outlives its execution timeout', async () => {
    const probe = script('sleep 30', 60);
    const started = Date.now();
    const [result] = await runScript(new LocalBash({ host: 'laptop', timeoutMs: 300 }), probe, { name: 'x' }, HOSTS);
    expect(result).toMatchObject({ status: 'failed', detail: 'timed out after 0 s' });
    expect(result!.exitCode).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('collect gives up at the deadline or on abort without losing the run; cancel stops it', async () => {
    const marker = join(scratch.dir, 'finished');
    const probe = script(`sleep 2; touch "${marker}"`);
    const remote = new LocalBash({ host: 'laptop' });
    const sent = await remote.send(probe, { name: 'x' }, HOSTS);
    expect(sent).toMatchObject({ script: 'probe', target: 'web', awaited: ['laptop'], early: [] });
    expect(await remote.collect(sent, { deadline: Date.now() + 50 })).toBeUndefined();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await remote.collect(sent, { signal: controller.signal })).toBeUndefined();
    await remote.cancel(sent);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
  });

  it('a bash that cannot start is a failed result, not a crash', async () => {
    const [result] = await runScript(new LocalBash({ host: 'laptop', bash: '/nonexistent/bash' }), script('true'), { name: 'x' }, HOSTS);
    expect(result).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^cannot run bash: .*ENOENT/) });
  });
});
