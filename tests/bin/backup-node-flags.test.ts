import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_NODE_FLAGS, backupRelaunchArgs } from '../../bin/backup-node-flags.mjs';
import { runAutopilot } from '../support/cli.js';

// A backup through the CLI runs with the backup image's V8 flags (the CLI starts itself again with them): a 1 GiB
// backup through the CLI peaked at 220-253 MB without them, where the function stays under 150 MB.
const CLI = new URL('../../bin/autopilot.mjs', import.meta.url).pathname;
const DOCKERFILE = new URL('../../lib/backup/docker/Dockerfile', import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-node-flags-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which commands start again with the flags', () => {
  it('are the backup image flags, so the CLI and the function run the backup alike', () => {
    const image = /^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];
    expect(image?.split(' ')).toEqual(BACKUP_NODE_FLAGS);
  });

  it.each([
    [['run', 'backup', '--local'], [], {}, [...BACKUP_NODE_FLAGS]],
    [['run', 'all', '--local', '--json'], [], {}, [...BACKUP_NODE_FLAGS]],
    [['run', 'backup'], ['--enable-source-maps'], {}, [...BACKUP_NODE_FLAGS, '--enable-source-maps']],
    [['run', 'health', '--local'], [], {}, undefined],
    [['restore', '--target', 'backup', '--list'], [], {}, undefined],
    [['help'], [], {}, undefined],
    [['run', 'backup'], ['--max-semi-space-size=8'], {}, undefined],
    [['run', 'backup'], [], { NODE_OPTIONS: '--max-semi-space-size=2 --enable-source-maps' }, undefined],
  ])('%j with node %j and env %j: %j', (argv, execArgv, env, expected) => {
    expect(backupRelaunchArgs(argv, execArgv, env)).toEqual(expected);
  });
});

describe('the started-again CLI', () => {
  it('runs the backup with the flags; the first process ends with its exit status and output', async () => {
    // A preload in both processes records each one's node arguments; the config is broken, so the run stops at it.
    const seen = join(dir, 'seen.jsonl');
    const preload = join(dir, 'record.cjs');
    writeFileSync(preload, `require('fs').appendFileSync(${JSON.stringify(seen)}, JSON.stringify(process.execArgv) + '\\n');`);
    const config = join(dir, 'bad.config.json');
    writeFileSync(config, JSON.stringify({ targets: { db: { postgres: [{ host: 'h', database: 'd', user: 'u', port: 'x' }] } } }));
    const result = await runAutopilot(['run', 'backup', '--local', '--config', config, '--store', join(dir, 'store')], {
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/port/);
    const processes = readFileSync(seen, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    expect(processes).toEqual([[], BACKUP_NODE_FLAGS]);
  });

  it('a SIGTERM to the first process stops the run as before: one line, exit 143', async () => {
    // `run all` starts again (it includes the backup); a port that accepts and never answers keeps its health run busy.
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const slow = join(dir, 'slow.config.json');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    writeFileSync(slow, JSON.stringify({ targets: { web: { health: [{ url, timeout: '50s' }] } } }));
    const child = spawn(process.execPath, [CLI, 'run', 'all', '--local', '--json', '--config', slow, '--store', join(dir, 'store')]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    for (const socket of sockets) socket.destroy();
    server.close();
    expect(code, stderr).toBe(143);
    expect(stderr.trim().split('\n')).toEqual(['autopilot: stopped by SIGTERM']);
  });
});
