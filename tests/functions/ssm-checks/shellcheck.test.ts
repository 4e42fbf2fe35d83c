import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HOST_BACKUP_SCRIPT } from '../../../functions/backup/ssm/host-backup-script.js';
import { SERVER_CHECKS } from '../../../functions/ssm-checks/checks.js';

const execFile = promisify(execFileCb);

function shellcheckVersion(): string | undefined {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' }).match(/version: (\S+)/)?.[1];
  } catch {
    return undefined;
  }
}

describe('the scripts the remote-execution port runs', () => {
  for (const script of [SERVER_CHECKS.disk.script, SERVER_CHECKS.security.script, HOST_BACKUP_SCRIPT]) {
    const name = basename(script.file);
    it(`${name} is shellcheck-clean`, async (ctx) => {
      if (!shellcheckVersion()) return ctx.skip('shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it)');
      const result = await execFile('shellcheck', ['--severity=style', '--external-sources', script.file]).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
    });

    it(`${name} parses as bash and never references SSM's {{ }} interpolation`, async () => {
      await expect(execFile('bash', ['-n', script.file])).resolves.toBeDefined();
      const text = execFileSync('cat', [script.file], { encoding: 'utf8' });
      expect(text).not.toContain('{{');
      expect(text).not.toMatch(/\beval\b/);
    });
  }
});
