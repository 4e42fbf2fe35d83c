import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entrySpecifier, starterConfig } from '../../bin/cli/init.js';
import { loadConfigFile } from '../../functions/kinds/config.js';
import { runAutopilot } from '../support/cli.js';
import { scratch, synthesizeApp } from '../lib/support/cdk-app.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('autopilot init', () => {
  it('writes a commented starter that validates for deployment where it was written, and refuses to overwrite it', async () => {
    const first = await runAutopilot(['init'], {}, { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^wrote ops\.config\.ts: target "web" with one HTTP check and one PostgreSQL database/);
    const file = join(dir, 'ops.config.ts');
    const text = readFileSync(file, 'utf8');
    // The import is this checkout's functions/index.js, relative to where the file is.
    expect(text).toContain(`import { defineConfig } from '${entrySpecifier(file)}';`);
    expect(entrySpecifier(file)).toMatch(/^\.\.\/.*\/functions\/index\.js$/);
    expect(text).toContain("passwordParameter: '/autopilot/web/db-password'");
    expect(text).not.toMatch(/password: '/);
    expect(text.split('\n').filter((line) => line.trim().startsWith('//')).length).toBeGreaterThan(15);

    const config = await loadConfigFile(file, { forDeployment: true });
    expect(Object.keys(config.targets)).toEqual(['web']);
    expect(config.targets.web!.health).toHaveLength(1);
    expect(config.targets.web!.postgres![0]).toMatchObject({ passwordParameter: '/autopilot/web/db-password', backup: { at: '02:00' } });
    expect(config.subscribers.critical).toEqual(['oncall@example.com']);

    // A second init leaves the file alone: exit 2 naming --config.
    writeFileSync(file, `${text}// edited by hand\n`);
    const second = await runAutopilot(['init'], {}, { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toBe('autopilot: --config: ops.config.ts exists; init leaves it alone (pass --force to overwrite it)\n');
    expect(readFileSync(file, 'utf8')).toContain('// edited by hand');

    const forced = await runAutopilot(['init', '--force'], {}, { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('--config elsewhere: the import path follows the file; not a .ts file or no such directory is exit 2', async () => {
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    const file = join(dir, 'deep', 'er', 'shop.config.ts');
    const result = await runAutopilot(['init', '--config', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`from '${entrySpecifier(file)}'`);
    await expect(loadConfigFile(file, { forDeployment: true })).resolves.toBeDefined();
    expect((await runAutopilot(['init', '--config', join(dir, 'x.json')])).stderr).toMatch(
      /^autopilot: --config: init writes a TypeScript config/,
    );
    const missing = await runAutopilot(['init', '--config', join(dir, 'nope', 'x.ts')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^autopilot: --config: cannot write .*nope\/x\.ts: ENOENT/);
  });

  it('synthesizes as it is: the CDK app builds the stack from the starter, cdk-nag clean', async () => {
    const file = join(dir, 'synth.config.ts');
    writeFileSync(file, starterConfig(file, { timezone: 'Asia/Tokyo', language: 'ja' }));
    const config = await loadConfigFile(file, { forDeployment: true });
    const dirs = scratch();
    try {
      const { resources } = synthesizeApp(config, dirs);
      const types = Object.values(resources).map((r) => r.Type);
      expect(types.filter((t) => t === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(3);
      expect(types).toContain('AWS::Scheduler::Schedule');
      expect(types.filter((t) => t === 'AWS::SNS::Subscription').length).toBeGreaterThan(0);
    } finally {
      dirs.cleanup();
    }
  }, 300_000);
});
