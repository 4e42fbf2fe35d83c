import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { PROJECT_ROOT } from '../../lib/lambda/generated-entry.js';
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

/**
 * Reports on stderr every module resolved whose specifier starts with aws-cdk-lib (Node's synchronous
 * module hooks), so a test can tell whether the app loaded the CDK at all.
 */
const TRACE_CDK_LOADS =
  'data:text/javascript,' +
  encodeURIComponent(
    "import { registerHooks } from 'node:module';" +
      "registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('aws-cdk-lib')) " +
      "process.stderr.write('loaded ' + specifier + '\\n'); return next(specifier, context); } });",
  );

/** tsx's loader by path, since a test may run the app from a directory without node_modules. */
const TSX = pathToFileURL(join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs bin/app.ts as `cdk synth` does: cdk.json's context plus `-c config=...` in CDK_CONTEXT_JSON. */
function synthApp(configFile: string | undefined, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const context = configFile === undefined ? CDK_CONTEXT : { ...CDK_CONTEXT, config: configFile };
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(dir, 'out') };
  delete env.AUTOPILOT_CONFIG;
  Object.assign(env, options.env);
  const run = spawnSync(process.execPath, ['--import', TSX, '--import', TRACE_CDK_LOADS, join(PROJECT_ROOT, 'bin/app.ts')], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env,
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('bin/app.ts', () => {
  it('refuses to synthesize without a config: one line naming `npx autopilot init`, exit 2, before loading the CDK', () => {
    // No -c config, no AUTOPILOT_CONFIG, and no ops.config.ts in the working directory.
    const { status, stderr } = synthApp(undefined, { cwd: dir });
    expect(stderr).toBe(
      `autopilot: no config: no -c config=<file>, no AUTOPILOT_CONFIG and no ops.config.ts in ${dir}; run \`npx autopilot init\` to ` +
        'write one, or deploy the example on purpose with -c config=examples/runbooks.config.ts\n',
    );
    expect(status).toBe(2);
    expect(existsSync(join(dir, 'out', 'manifest.json'))).toBe(false);
  });

  it('takes AUTOPILOT_CONFIG when no -c config is given, and loads the CDK only then', () => {
    const file = join(dir, 'env-subscriber.json');
    writeFileSync(
      file,
      JSON.stringify({
        subscribers: { low: ['arn:aws:sns:us-east-1:123456789012:elsewhere'] },
        targets: { a: { servers: { tags: { A: 'a' } } } },
      }),
    );
    const { status, stderr } = synthApp(undefined, { cwd: dir, env: { AUTOPILOT_CONFIG: file } });
    // It got as far as the stack (the subscriber is refused while the topics are built).
    expect(stderr).toContain(`autopilot: invalid deployment config ${file}`);
    expect(stderr).toContain('subscribers.low[0]');
    expect(stderr).toMatch(/^loaded aws-cdk-lib/m);
    expect(status).toBe(2);
  });

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
