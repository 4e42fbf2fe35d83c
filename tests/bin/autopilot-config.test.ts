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
  ];

  it.concurrent.each(cases)('%s', async (_name, text, line) => {
    expectConfigError(await runWith(file('bad.json', text)), line);
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
