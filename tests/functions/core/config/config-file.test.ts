import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseConfigFile, EMBEDDED_EXAMPLE, noConfigMessage } from '../../../../functions/core/config/config-file.js';
import { ConfigError } from '../../../../functions/core/errors.js';

const empty = mkdtempSync(join(tmpdir(), 'autopilot-config-file-'));
const withOwn = mkdtempSync(join(tmpdir(), 'autopilot-config-file-'));
writeFileSync(join(withOwn, 'ops.config.ts'), 'export default {};\n');
afterAll(() => {
  rmSync(empty, { recursive: true, force: true });
  rmSync(withOwn, { recursive: true, force: true });
});

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('chooseConfigFile: the one rule the CLI and the CDK app share', () => {
  it('takes the given file first, then AUTOPILOT_CONFIG, then ops.config.ts', () => {
    expect(chooseConfigFile({ given: 'a.ts', env: 'b.ts', option: '-c config=', cwd: withOwn })).toEqual({
      path: join(withOwn, 'a.ts'),
      shown: 'a.ts',
      source: 'given',
    });
    expect(chooseConfigFile({ given: undefined, env: 'b.ts', option: '-c config=', cwd: withOwn })).toMatchObject({
      path: join(withOwn, 'b.ts'),
      source: 'env',
    });
    expect(chooseConfigFile({ option: '-c config=', cwd: withOwn })).toEqual({
      path: join(withOwn, 'ops.config.ts'),
      shown: 'ops.config.ts',
      source: 'default',
    });
    // A context value that is not a non-empty string (`-c config=` with nothing, a number) is not a file.
    for (const given of ['', 42, null]) expect(chooseConfigFile({ given, option: '-c config=', cwd: withOwn }).source).toBe('default');
  });

  it('refuses a deploy without a config in one line naming `npx autopilot init` and the example to use on purpose', () => {
    const error = refusal(() => chooseConfigFile({ option: '-c config=', cwd: empty }));
    expect(error.message).toBe(
      `no config: no -c config=<file>, no AUTOPILOT_CONFIG and no ops.config.ts in ${empty}; run \`npx autopilot init\` to write ` +
        'one, or deploy the example on purpose with -c config=examples/runbooks.config.ts',
    );
    expect(error.message).not.toContain('\n');
    expect(error.issues).toEqual([error.message]);
  });

  it('never falls back to the example for a deploy, only for a local run, and says so', () => {
    expect(() => chooseConfigFile({ option: '-c config=', cwd: empty, exampleFallback: false })).toThrow(ConfigError);
    const local = chooseConfigFile({ option: '--config', cwd: empty, exampleFallback: true });
    expect(local).toMatchObject({ path: EMBEDDED_EXAMPLE, source: 'example' });
    expect(local.notice).toBe(`no ops.config.ts here; using the embedded example of the five runbook systems (${EMBEDDED_EXAMPLE})`);
    expect(existsSync(EMBEDDED_EXAMPLE)).toBe(true);
    // ops.config.ts wins over the example.
    expect(chooseConfigFile({ option: '--config', cwd: withOwn, exampleFallback: true }).source).toBe('default');
  });

  it('names the CLI flag in the message the CLI prints', () => {
    const error = refusal(() => chooseConfigFile({ option: '--config', cwd: empty }));
    expect(error.message).toBe(`--config: no ops.config.ts in ${empty}; run \`npx autopilot init\` to write one, or pass --config <file>`);
    expect(noConfigMessage({ option: '--config', cwd: empty })).toBe(error.message);
  });
});
