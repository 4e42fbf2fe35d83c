import { execFile as execFileCb, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_BACKUP_SCRIPT } from '../../../functions/backup/ssm/host-backup-script.js';
import type { ShellScript } from '../../../functions/remote/port.js';
import { readScript } from '../../../functions/remote/script.js';
import { SERVER_CHECK_IDS, SERVER_CHECKS } from '../../../functions/ssm-checks/checks.js';
import { COMMON_SH } from '../../../functions/ssm-checks/server-check.js';
import { assembledScript, scratchDir } from './helpers.js';

const execFile = promisify(execFileCb);

function shellcheckVersion(): string | undefined {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' }).match(/version: (\S+)/)?.[1];
  } catch {
    return undefined;
  }
}

/** shellcheck's findings on `text` read from stdin as bash ("" when clean), and its exit status. */
function shellcheck(text: string, name: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('shellcheck', ['--severity=style', '--shell=bash', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.replaceAll('In - line', `In ${name} line`) }));
    child.stdin.end(text);
  });
}

const scratch = scratchDir('autopilot-shellcheck-');
afterAll(() => scratch.cleanup());

/** Every script the remote-execution port runs: each server check's, and the host backup's. */
const SCRIPTS: readonly ShellScript[] = [...SERVER_CHECK_IDS.map((id) => SERVER_CHECKS[id].script), HOST_BACKUP_SCRIPT];

describe('the scripts the remote-execution port runs, as their documents carry them', () => {
  it('covers every server check of the registry', () => {
    expect(SCRIPTS.map((s) => s.id).sort()).toEqual(['backup', 'disk', 'resources', 'security']);
  });

  for (const script of SCRIPTS) {
    const name = basename(script.file);
    it(`${name} (with its prelude) is shellcheck-clean`, async (ctx) => {
      if (!shellcheckVersion()) return ctx.skip('shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it)');
      const result = await shellcheck(readScript(script), name);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
    });

    it(`${name} parses as bash and never references SSM's {{ }} interpolation nor eval`, async () => {
      const file = assembledScript(script, scratch.dir);
      await expect(execFile('bash', ['-n', file])).resolves.toBeDefined();
      const text = readScript(script);
      expect(text).not.toContain('{{');
      expect(text).not.toMatch(/\beval\b/);
      expect(text).not.toMatch(/^\s*(source|\.)\s/m);
    });
  }

  it('lib/common.sh alone is shellcheck-clean', async (ctx) => {
    if (!shellcheckVersion()) return ctx.skip('shellcheck is not installed');
    const result = await shellcheck(readFileSync(COMMON_SH, 'utf8'), 'common.sh');
    expect(result.stdout).toBe('');
  });

  it('puts lib/common.sh in front of each check script once, with one #! line at the very top', () => {
    const common = readFileSync(COMMON_SH, 'utf8');
    for (const id of SERVER_CHECK_IDS) {
      const script = SERVER_CHECKS[id].script;
      const text = readScript(script);
      expect(text.startsWith(common), id).toBe(true);
      expect(text.match(/^#!/gm), id).toHaveLength(1);
      expect(text.endsWith(readFileSync(script.file, 'utf8').replace(/^#![^\n]*\n/, '')), id).toBe(true);
      // The helpers are defined in one place: no check script defines one again.
      for (const helper of ['json_str', 'json_list', 'is_uint', 'with_timeout', 'note_invalid', 'require_contract'])
        expect(readFileSync(script.file, 'utf8'), `${id} ${helper}`).not.toMatch(new RegExp(`^${helper}\\(\\)`, 'm'));
    }
    // The host backup script has no prelude: it is read as it is.
    expect(readScript(HOST_BACKUP_SCRIPT)).toBe(readFileSync(HOST_BACKUP_SCRIPT.file, 'utf8'));
  });

  it("common.sh's helpers escape JSON and keep lists and refused parameters whole", async () => {
    const probe = `${readFileSync(COMMON_SH, 'utf8')}
json_str "$1"; echo
json_list a 'b"c' $'d\\te' 1 2 3 4 5 6 7 8 9; echo
note_invalid paths "$1"; note_invalid paths "$(printf 'x%.0s' {1..300})"; invalid_json; echo
is_uint 123 && echo uint; is_uint 1234567890123 || echo long; is_uint -1 || echo negative
first_line $'one\\ntwo'; echo
`;
    const { stdout } = await execFile('bash', ['-c', probe, 'probe', 'a"b\\c\nd\u0001e']);
    const [str, listed, invalid, ...rest] = stdout.split('\n');
    expect(JSON.parse(str!)).toBe('a"b\\c\nde');
    expect(JSON.parse(listed!)).toEqual(['a', 'b"c', 'd\te', '1', '2', '3', '4', '5', '6', '7']);
    const parsed = JSON.parse(`{${invalid!.slice(1)}}`) as { invalid: Array<{ param: string; value: string }> };
    expect(parsed.invalid).toEqual([
      { param: 'paths', value: 'a"b\\c\nde' },
      { param: 'paths', value: 'x'.repeat(200) },
    ]);
    expect(rest.slice(0, 4)).toEqual(['uint', 'long', 'negative', 'one']);
  });
});
