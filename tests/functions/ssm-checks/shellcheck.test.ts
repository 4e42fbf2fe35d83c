import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scriptPath } from '../../../functions/ssm-checks/scripts.js';

const execFile = promisify(execFileCb);

function shellcheckVersion(): string | undefined {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' }).match(/version: (\S+)/)?.[1];
  } catch {
    return undefined;
  }
}

describe('the check scripts', () => {
  for (const job of ['disk', 'security'] as const) {
    it(`${job}.sh is shellcheck-clean`, async (ctx) => {
      if (!shellcheckVersion()) return ctx.skip('shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it)');
      const result = await execFile('shellcheck', ['--severity=style', '--external-sources', scriptPath(job)]).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
    });

    it(`${job}.sh parses as bash and never references SSM's {{ }} interpolation`, async () => {
      await expect(execFile('bash', ['-n', scriptPath(job)])).resolves.toBeDefined();
      const text = execFileSync('cat', [scriptPath(job)], { encoding: 'utf8' });
      expect(text).not.toContain('{{');
      expect(text).not.toMatch(/\beval\b/);
    });
  }
});
