import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { PROJECT_ROOT } from '../../lib/lambda/generated-entry.js';
import { configFileFor } from '../../lib/ops-autopilot-app.js';
import { OpsAutopilotStack } from '../../lib/ops-autopilot-stack.js';
import { CDK_CONTEXT, testApp } from './support/cdk-app.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withPassword = {
  timezone: 'Asia/Tokyo',
  targets: {
    mycats: { postgres: [{ host: 'db.internal', database: 'mycats', user: 'autopilot', password: 'not-for-lambda' }] },
  },
};

/** Runs bin/app.ts as `cdk synth` does: cdk.json's context plus `-c config=...` in CDK_CONTEXT_JSON. */
function synthApp(configFile: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, config: configFile }), CDK_OUTDIR: join(dir, 'out') },
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('configFileFor', () => {
  it('takes -c config, then AUTOPILOT_CONFIG, then ops.config.ts when present, then the example', () => {
    expect(configFileFor({ context: 'a.ts', env: 'b.ts', cwd: '/x' })).toBe('/x/a.ts');
    expect(configFileFor({ context: undefined, env: 'b.ts', cwd: '/x' })).toBe('/x/b.ts');
    expect(configFileFor({ cwd: dir })).toBe(join(dir, 'examples/runbooks.config.ts'));
    writeFileSync(join(dir, 'ops.config.ts'), 'export default {};\n');
    expect(configFileFor({ cwd: dir })).toBe(join(dir, 'ops.config.ts'));
  });
});

describe('bin/app.ts', () => {
  it('refuses a password in the deployed config: exit 2 and the field path', () => {
    const file = join(dir, 'password.json');
    writeFileSync(file, JSON.stringify(withPassword));
    const { status, stderr } = synthApp(file);
    expect(stderr).toContain('targets.mycats.postgres[0].password: passwords are refused in deployed config');
    expect(stderr).not.toContain('not-for-lambda');
    expect(status).toBe(2);
  });

  it('refuses a check interval Scheduler cannot run: exit 2 and the field path', () => {
    const file = join(dir, 'seconds.json');
    writeFileSync(file, JSON.stringify({ targets: { mycats: { health: [{ url: 'https://mycats.example.com/', every: '30s' }] } } }));
    const { status, stderr } = synthApp(file);
    expect(stderr).toContain('targets.mycats.health[0].every: "30s" cannot be scheduled');
    expect(status).toBe(2);
  });

  it('refuses a subscriber ARN that is neither a queue nor a function: exit 2 and the field path', () => {
    const file = join(dir, 'subscriber.json');
    writeFileSync(
      file,
      JSON.stringify({
        subscribers: { low: ['arn:aws:sns:us-east-1:123456789012:elsewhere'] },
        targets: { mycats: { servers: { tags: { App: 'mycats' } } } },
      }),
    );
    const { status, stderr } = synthApp(file);
    expect(stderr).toContain('subscribers.low[0]: "arn:aws:sns:us-east-1:123456789012:elsewhere" is a sns ARN');
    expect(status).toBe(2);
  });
});

describe('OpsAutopilotStack', () => {
  it('validates the config again: a password given straight to the stack is refused with its path', () => {
    let error: unknown;
    try {
      new OpsAutopilotStack(testApp({ cfnValidation: false }), 'Direct', { config: withPassword as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      'targets.mycats.postgres[0].password: passwords are refused in deployed config; store it as an SSM SecureString and set ' +
        'passwordParameter (or use secret or iamAuth)',
    ]);
  });
});
