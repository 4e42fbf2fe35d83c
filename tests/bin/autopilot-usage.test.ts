import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAutopilot } from '../support/cli.js';

// Command lines a tired operator or a broken cron line produces: one line naming the flag, the right exit status,
// never a trace, and nothing written where it was not asked for.
const CLI = new URL('../../bin/autopilot.mjs', import.meta.url).pathname;
let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-usage-'));
  config = join(dir, 'ops.config.json');
  writeFileSync(config, JSON.stringify({ targets: { web: { health: [{ url: 'http://127.0.0.1:9/ok' }] } } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLine(result: { code: number; stderr: string }, code: number, line: string | RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(line);
}

describe('an empty flag value (an unset shell variable) is a usage error naming the flag', () => {
  it.concurrent.each([
    ['--store', ['--store', ''], /^autopilot: --store: empty value$/],
    ['--config', ['--config', ''], /^autopilot: --config: empty value$/],
    ['--target', ['--target', 'web', '--target', ''], /^autopilot: --target\[1\]: empty value$/],
  ])('%s ""', async (_name, flags, line) => {
    // Before, --store "" wrote the state into the working directory and --config "" ran the example config.
    const args = ['run', 'health', '--local', '--json', ...(flags.includes('--config') ? [] : ['--config', config]), ...flags];
    const result = await runAutopilot(args);
    expectOneLine(result, 2, line);
    expect(result.stdout).toBe('');
  });
});

describe('invoke where AWS is not set up: one line, exit 4 (a fault outside the suite), not an internal error', () => {
  const noAws = {
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };

  it('no region', async () => {
    const result = await runAutopilot(['invoke', 'health', '--config', config], noAws);
    expectOneLine(result, 4, /^autopilot: invoke: stack OpsAutopilot: no AWS region \(set AWS_REGION or AWS_PROFILE\)$/);
  });

  it('a region but no credentials', async () => {
    const result = await runAutopilot(['invoke', 'health', '--config', config], { ...noAws, AWS_REGION: 'ap-northeast-1' });
    expectOneLine(result, 4, /^autopilot: invoke: stack OpsAutopilot: no AWS credentials found .*CredentialsProviderError/);
  });
});

describe('a run stopped from outside', () => {
  it('SIGTERM (cron, systemd, a CI timeout): one line, exit 143, no trace', async () => {
    // A port that accepts and never answers keeps the health run busy until the signal comes.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const slow = join(dir, 'slow.config.json');
    writeFileSync(slow, JSON.stringify({ targets: { web: { health: [{ url: `http://127.0.0.1:${port}/`, timeout: '50s' }] } } }));
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'run', 'health', '--local', '--json', '--config', slow, '--store', join(dir, 'store')]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Signal once the probe is in flight (the server saw the connection).
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    for (const socket of sockets) socket.destroy();
    server.close();
    expect(code, stderr).toBe(143);
    expect(stderr.trim().split('\n')).toEqual(['autopilot: stopped by SIGTERM']);
  });
});

describe('restore with flags that contradict each other is a usage error, not a silent choice', () => {
  it.concurrent.each([
    [
      '--list and --to',
      ['--list', '--to', 'postgres://me@127.0.0.1:9/copy'],
      /^autopilot: usage: restore takes --to <postgres url> or --list, not both$/,
    ],
    ['--list and --clean', ['--list', '--clean'], /^autopilot: usage: --clean is for a restore \(--to\), not --list$/],
  ])('%s', async (_name, flags, line) => {
    // Before, `--list --to x` listed and exited 0: the restore the operator also asked for silently did not happen.
    const result = await runAutopilot([
      'restore',
      '--local',
      '--config',
      config,
      '--store',
      join(dir, 'store'),
      '--target',
      'web',
      ...flags,
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(line);
    expect(result.stdout).toBe('');
  });
});
