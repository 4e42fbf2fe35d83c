import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { progressFor } from '../../../bin/cli/progress.js';

function fakeTerminal(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, columns: 200, write: (text: string | Uint8Array) => written.push(String(text)) > 0 };
  return { stream, written };
}

describe('the progress line', () => {
  it('on a terminal: nothing for 2 s, then elapsed time and what the job waits on, oldest first; cleared at the end', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const { stream, written } = fakeTerminal(true);
      const progress = progressFor('security', { json: false, stream, now: () => now });
      const endScript = progress.activity!.begin('the security script for mycats');
      now = 1000;
      vi.advanceTimersByTime(1000);
      expect(written).toEqual([]);
      progress.activity!.begin('the security script for shop');
      now = 3000;
      vi.advanceTimersByTime(2000);
      expect(written.at(-1)).toBe(
        '\r\u001b[Kautopilot: security 3 s, waiting on the security script for mycats (3 s), the security script for shop (2 s)',
      );
      endScript();
      // Whatever else is written meanwhile starts on a clean line.
      stream.write('a notice\n');
      expect(written.slice(-2)).toEqual(['\r\u001b[K', 'a notice\n']);
      now = 64_000;
      vi.advanceTimersByTime(1000);
      expect(written.at(-1)).toBe('\r\u001b[Kautopilot: security 1 min 4 s, waiting on the security script for shop (1 min 3 s)');
      progress.stop();
      expect(written.at(-1)).toBe('\r\u001b[K');
      const count = written.length;
      vi.advanceTimersByTime(5000);
      expect(written.length).toBe(count);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a terminal, or with --json: no line at all, and the job is not even asked', () => {
    vi.useFakeTimers();
    try {
      for (const [isTTY, json] of [
        [false, false],
        [true, true],
      ] as const) {
        const { stream, written } = fakeTerminal(isTTY);
        const progress = progressFor('health', { json, stream, now: () => 10_000 });
        expect(progress.activity).toBeUndefined();
        vi.advanceTimersByTime(10_000);
        progress.stop();
        expect(written).toEqual([]);
      }
    } finally {
      vi.useRealTimers();
    }
  });
});

// A real terminal: `script` gives the CLI a pseudo-terminal (util-linux; Debian's bsdutils has it everywhere).
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-progress-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasScript)(`the CLI on a pseudo-terminal${hasScript ? '' : ' (skipped: needs script from util-linux)'}`, () => {
  it('a probe that hangs: the line names it after 2 s on the terminal; nothing of it through a pipe', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const config = join(scratch, 'slow.json');
    writeFileSync(
      config,
      JSON.stringify({ targets: { web: { health: [{ name: 'slow', url: `http://127.0.0.1:${port}/`, timeout: '5s' }] } } }),
    );
    const cli = new URL('../../../bin/autopilot.mjs', import.meta.url).pathname;
    const args = ['run', 'health', '--local', '--config', config, '--store', join(scratch, 'store')];
    const command = [process.execPath, cli, ...args].map((a) => `'${a}'`).join(' ');
    const run = (file: string, argv: string[]) =>
      new Promise<string>((resolve) => {
        const child = spawn(file, argv, { env: { ...process.env, TERM: 'dumb' } });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', () => resolve(out));
      });
    try {
      const onTerminal = await run('script', ['-qfec', command, '/dev/null']);
      expect(onTerminal).toMatch(/autopilot: health \d+ s, waiting on web\/slow \(\d+ s\)/);
      expect(onTerminal).toContain('CRITICAL web/slow');
      const piped = await run(process.execPath, [cli, ...args]);
      expect(piped).not.toContain('waiting on');
      expect(piped).toContain('CRITICAL web/slow');
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 120_000);
});
