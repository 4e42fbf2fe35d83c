import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';

// Config loading and validation through the real CLI, as users run it: every bad config exits 2 with one line naming
// the field, and no stack trace; configs from outside the repository load.
let dir: string;
let server: TestHttpServer;

beforeAll(async () => {
  // Under /tmp, far from the repository: no package.json, no node_modules above it.
  dir = mkdtempSync(join(tmpdir(), 'autopilot-config-'));
  server = await startHttpServer({ '/ok': { body: 'OK' } });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

async function runWith(config: string, env: Record<string, string> = {}) {
  return runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', join(dir, 'store')], env);
}

function expectConfigError(result: { code: number; stderr: string }, line: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const health = (check: Record<string, unknown>) => ({ targets: { web: { health: [{ url: 'http://127.0.0.1:9/ok', ...check }] } } });
const json = (value: unknown) => JSON.stringify(value);

describe('autopilot rejects bad config with exit 2 and the field path', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'a duplicate target key (JSON would keep only the last)',
      '{ "targets": { "web": { "health": [{ "url": "http://a.example/" }] }, "web": { "health": [{ "url": "http://b.example/" }] } } }',
      /^autopilot: .*targets\.web: duplicate key .*line 1/,
    ],
    [
      'a duplicate key deep inside a check',
      '{ "targets": { "web": { "health": [\n  { "url": "http://a.example/", "timeout": "5s",\n    "timeout": "1s" }\n] } } }',
      /^autopilot: .*targets\.web\.health\[0\]\.timeout: duplicate key .*lines? 2.*3/,
    ],
    [
      'responseTime warning above critical',
      json(health({ responseTime: { warning: '2s', critical: '1s' } })),
      /^autopilot: .*targets\.web\.health\[0\]\.responseTime\.warning: .*critical/,
    ],
    [
      'certificate warningDays below criticalDays',
      json(health({ url: 'https://a.example/', certificate: { warningDays: 5, criticalDays: 10 } })),
      /^autopilot: .*targets\.web\.health\[0\]\.certificate\.warningDays: .*criticalDays/,
    ],
    [
      'failedLogins warning above critical',
      json({ targets: { web: { servers: { tags: { a: 'b' }, security: { failedLogins: { warning: 50, critical: 10 } } } } } }),
      /^autopilot: .*targets\.web\.servers\.security\.failedLogins\.warning: .*critical/,
    ],
    [
      'a log pattern warning above critical',
      json({
        targets: {
          web: {
            servers: { tags: { a: 'b' }, security: { logPatterns: [{ path: '/var/log/x', pattern: 'x', warning: 9, critical: 3 }] } },
          },
        },
      }),
      /^autopilot: .*targets\.web\.servers\.security\.logPatterns\[0\]\.warning: .*critical/,
    ],
    [
      'backup.at cron(garbage)',
      json({ targets: { db: { postgres: [{ host: 'h', database: 'd', user: 'u', backup: { at: 'cron(garbage)' } }] } } }),
      /^autopilot: .*targets\.db\.postgres\[0\]\.backup\.at: .*cron.*6 fields/,
    ],
    [
      'backup.at cron with both day fields set',
      json({ targets: { db: { postgres: [{ host: 'h', database: 'd', user: 'u', backup: { at: 'cron(0 2 * * MON *)' } }] } } }),
      /^autopilot: .*targets\.db\.postgres\[0\]\.backup\.at: .*\?/,
    ],
    [
      'backup.at cron with an hour out of range',
      json({ targets: { db: { postgres: [{ host: 'h', database: 'd', user: 'u', backup: { at: 'cron(0 24 * * ? *)' } }] } } }),
      /^autopilot: .*targets\.db\.postgres\[0\]\.backup\.at: .*hours.*0-23/,
    ],
    ['timeout: "0s"', json(health({ timeout: '0s' })), /^autopilot: .*targets\.web\.health\[0\]\.timeout: .*greater than 0/],
    [
      'a timeout under a millisecond (a timer of 0: every answer too slow)',
      json(health({ timeout: '0.0001ms' })),
      /^autopilot: .*targets\.web\.health\[0\]\.timeout: invalid duration "0\.0001ms": must be at least 1ms$/,
    ],
    [
      'a 25-day timeout (Node timers overflow and fire at once)',
      json(health({ every: '30d', timeout: '25d' })),
      /^autopilot: .*targets\.web\.health\[0\]\.timeout: .*at most/,
    ],
    [
      'a timeout longer than the check interval',
      json(health({ every: '1m', timeout: '2m' })),
      /^autopilot: .*targets\.web\.health\[0\]\.timeout: .*every/,
    ],
    [
      'a duration beyond the documented maximum',
      json(health({ every: '9999w' })),
      /^autopilot: .*targets\.web\.health\[0\]\.every: .*at most/,
    ],
    [
      'a CRLF in a header value',
      json(health({ headers: { 'X-Token': 'abc\r\nX-Injected: 1' } })),
      /^autopilot: .*targets\.web\.health\[0\]\.headers\.X-Token: .*control character/,
    ],
    [
      'HEAD with bodyContains',
      json(health({ method: 'HEAD', expect: { bodyContains: 'OK' } })),
      /^autopilot: .*targets\.web\.health\[0\]\.expect\.bodyContains: .*HEAD/,
    ],
    [
      'HEAD with json',
      json(health({ method: 'HEAD', expect: { json: { status: 'OK' } } })),
      /^autopilot: .*targets\.web\.health\[0\]\.expect\.json: .*HEAD/,
    ],
  ];

  it.concurrent.each(cases)('%s', async (_name, text, line) => {
    expectConfigError(await runWith(file('bad.json', text)), line);
  });

  it('names the field of a .ts config too', async () => {
    const config = file('bad.ts', `export default ${json(health({ timeout: '0s' }))};\n`);
    expectConfigError(await runWith(config), /^autopilot: .*targets\.web\.health\[0\]\.timeout: /);
  });
});

describe('autopilot loads configs as written', () => {
  const good = () => json({ targets: { web: { health: [{ name: 'ok', url: server.url('/ok'), expect: { bodyContains: 'OK' } }] } } });

  async function expectOk(config: string, env: Record<string, string> = {}): Promise<void> {
    const result = await runWith(config, env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.check, f.severity])).toEqual([['ok', 'ok']]);
  }

  it('tolerates a byte order mark in a JSON config', async () => {
    await expectOk(file('bom.json', `\uFEFF${good()}`));
  });

  it('loads a .ts config outside the repository that imports defineConfig from ops-autopilot', async () => {
    await expectOk(file('ops.config.ts', `import { defineConfig } from 'ops-autopilot';\nexport default defineConfig(${good()});\n`));
  });

  it('loads a .ts config outside the repository with a top-level await', async () => {
    await expectOk(file('await.config.ts', `const config = await Promise.resolve(${good()});\nexport default config;\n`));
  });

  it('gives up on a .ts config whose top-level await never settles, with exit 2 and words', async () => {
    const config = file('never.config.ts', `await new Promise(() => {});\nexport default ${good()};\n`);
    const result = await runWith(config, { AUTOPILOT_CONFIG_TIMEOUT: '1s' });
    expectConfigError(result, /^autopilot: config: .*never\.config\.ts did not finish loading within 1s/);
  });

  it('gives up on a .ts config that never settles and keeps a timer alive', async () => {
    const config = file('busy.config.ts', `setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default ${good()};\n`);
    const result = await runWith(config, { AUTOPILOT_CONFIG_TIMEOUT: '1s' });
    expectConfigError(result, /did not finish loading within 1s/);
  });
});

describe('a config whose code misbehaves is a config error (exit 2, one line), never a trace or a hang', () => {
  const good = json({ targets: { web: { health: [{ url: 'http://127.0.0.1:9/ok' }] } } });
  const cases: Array<[string, string, RegExp]> = [
    [
      'a getter that throws while the config is read',
      `export default { get targets() { throw new Error('getter boom'); } };\n`,
      /getter boom/,
    ],
    ['a proxy that throws on every read', `export default new Proxy({}, { get() { throw new Error('proxy boom'); } });\n`, /proxy boom/],
    ['a default export that is a rejecting promise', `export default Promise.reject(new Error('nope'));\n`, /cannot load .*: nope$/],
    ['a thenable whose then throws', `export default { then() { throw new Error('then boom'); } };\n`, /then boom/],
    ['a throw of a value that cannot be printed', `throw Object.create(null);\n`, /cannot load .*: a value that cannot be shown$/],
    [
      'a timer that throws while the config is loading',
      `setTimeout(() => { throw new Error('later boom'); }, 10);\nawait new Promise((r) => setTimeout(r, 500));\nexport default ${good};\n`,
      /cannot load .*: later boom$/,
    ],
    // Before, process.exit(0) ended the run with exit 0 and no report: a cron line would read it as success.
    ['a config that calls process.exit(0)', `process.exit(0);\nexport default ${good};\n`, /called process\.exit\(0\) while loading/],
    [
      'a config that exits from a timer while it loads',
      `setTimeout(() => process.exit(3), 10);\nawait new Promise((r) => setTimeout(r, 500));\nexport default ${good};\n`,
      /called process\.exit\(3\) while loading/,
    ],
    [
      'a promise left rejecting, noticed only after the load',
      `Promise.reject(new Error('stray rejection'));\nexport default ${good};\n`,
      /^autopilot: config: stray rejection \(thrown by the config's own code\)$/,
    ],
  ];

  it.concurrent.each(cases)('%s', async (_name, text, line) => {
    const result = await runWith(file('code.config.ts', text));
    expectConfigError(result, line);
    expect(result.stdout).toBe('');
  });

  it('gives up on a default export that is a promise never settling', async () => {
    const config = file('never-default.config.ts', 'setInterval(() => {}, 1000);\nexport default new Promise(() => {});\n');
    expectConfigError(await runWith(config, { AUTOPILOT_CONFIG_TIMEOUT: '1s' }), /did not finish loading within 1s/);
  });

  it('interrupts a config stuck in a loop that never yields, at the top level or in a getter', async () => {
    for (const text of ['while (true) {}\nexport default {};\n', 'export default { get targets() { for (;;) {} } };\n']) {
      const result = await runWith(file('loop.config.ts', text), { AUTOPILOT_CONFIG_TIMEOUT: '1s' });
      expectConfigError(result, /did not finish loading within 1s .*loop that never ends/);
    }
  });

  it('keeps what a config logs off stdout, which holds the --json report alone', async () => {
    const config = file('noisy.config.ts', `console.log('noise from the config');\nconsole.info('more');\nexport default ${good};\n`);
    const result = await runWith(config);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Report).findings).toHaveLength(1);
    expect(result.stderr).toContain('noise from the config');
  });
});

describe('a JSON config written to hurt', () => {
  it('refuses nesting past 64 levels by path, where the duplicate-key scan would overflow the stack', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectConfigError(await runWith(file('deep.json', deep)), /^autopilot: invalid config: (\[0\]){64}: nested deeper than 64 levels$/);
  });

  it('shows control characters in a key name escaped, on one line, and cuts a huge key name', async () => {
    const check = { url: 'http://127.0.0.1:9/ok', '\u001b[2Jtimout\n\nx': '5s' };
    const escaped = await runWith(file('ctrl.json', json({ targets: { web: { health: [check] } } })));
    expectConfigError(escaped, /^autopilot: invalid config: targets\.web\.health\[0\]: Unrecognized key: "\\u001b\[2Jtimout\\n\\nx"$/);
    expect(escaped.stderr).not.toContain('\u001b');
    const long = await runWith(
      file('long.json', json({ targets: { web: { health: [{ url: 'http://127.0.0.1:9/ok', ['k'.repeat(100_000)]: 1 }] } } })),
    );
    expectConfigError(long, /Unrecognized key: "k+… \(\d+ characters\)$/);
    expect(long.stderr.length).toBeLessThan(1_000);
  });

  it('names each field once, with its first issue', async () => {
    const result = await runWith(file('twice.json', json({ targets: { web: { tcp: [{ host: '', port: 80 }] } } })));
    expectConfigError(result, /^autopilot: invalid config: targets\.web\.tcp\[0\]\.host: /);
  });
});
