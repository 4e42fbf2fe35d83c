import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot, type CliResult } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';
import { PostgresCluster } from '../support/postgres-cluster.js';

/**
 * Issue 12 item 3: a store that is full, read-only, not a directory or locked ends the run
 * cleanly: the report where findings exist, one clear line, the documented exit status, within
 * seconds, nothing left behind. Full and read-only are real mounts (root ignores chmod).
 */
const isRoot = process.getuid?.() === 0;
let http: TestHttpServer;
let dir: string;
let config: string;
const mounts: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-store-faults-'));
  http = await startHttpServer({ '/down': { status: 503, body: 'down' } });
  config = join(dir, 'ops.config.json');
  // One failing check that alerts on its first run, so every fault below meets a notice to send.
  writeFileSync(
    config,
    JSON.stringify({ alerting: { consecutiveFailures: 1 }, targets: { web: { health: [{ name: 'api', url: http.url('/down') }] } } }),
  );
});

afterAll(async () => {
  for (const mount of mounts.reverse()) spawnSync('umount', ['-l', mount]);
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

function tmpfs(name: string, size: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  mounts.push(path);
  return path;
}

async function timedRun(store: string, ...extra: string[]): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', store, ...extra]);
  return { ...result, ms: Date.now() - started };
}

/** Every file below `root`, relative. */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(root, '');
  return out.sort();
}

function expectCleanFault(result: CliResult & { ms: number }, line: RegExp, topics = ['critical']): void {
  expect(result.code, result.stderr).toBe(4);
  // The findings stand: the report is printed, with the notice that did go out.
  const report = JSON.parse(result.stdout) as Report;
  expect(report.findings.map((f) => [f.check, f.severity])).toEqual([['api', 'critical']]);
  expect(report.notifications.map((n) => n.topic)).toEqual(topics);
  const last = result.stderr.trim().split('\n').at(-1)!;
  expect(last).toMatch(line);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(result.ms).toBeLessThan(20_000);
}

describe.skipIf(!isRoot)('store faults end cleanly', () => {
  it('a full store (a 64 KiB tmpfs, filled): exit 4, one line, the report, no lock or partial file left', async () => {
    const store = tmpfs('full', '64k');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    spawnSync('dd', ['if=/dev/zero', `of=${join(store, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    const result = await timedRun(store);
    expectCleanFault(result, /^autopilot: store .*full: no space left on device \(ENOSPC\)/);
    // No lock or partial file; only the delivery record of the notice that went out, as an empty file whose name
    // carries it (the one thing a full disk still takes), so the next run does not send it again (issue 19).
    expect(files(store)).toEqual(['filler', expect.stringMatching(/^state\/alerts\/health\.delivery\..*-console\.c0\.[0-9a-f]{12}occ$/)]);
  });

  it('a read-only store (a tmpfs remounted ro) with state in it: exit 4 within seconds, no hang', async () => {
    const store = tmpfs('readonly', '1m');
    const first = await timedRun(store);
    expect(first.code, first.stderr).toBe(0);
    const before = files(store);
    execFileSync('mount', ['-o', 'remount,ro', store]);
    const result = await timedRun(store);
    // The alert opened on the first run is inside its repeat interval: nothing to send this time.
    expectCleanFault(result, /^autopilot: store .*readonly: read-only file system \(EROFS\)/, []);
    expect(files(store)).toEqual(before);
  });

  it('a read-only store with nothing in it yet: exit 4, one line', async () => {
    const store = tmpfs('readonly-empty', '1m');
    execFileSync('mount', ['-o', 'remount,ro', store]);
    const result = await timedRun(store);
    expectCleanFault(result, /read-only file system \(EROFS\)/);
  });

  it('a state file that cannot be replaced (bind-mounted read-only onto itself): exit 4, one line, state untouched', async () => {
    const store = join(dir, 'pinned-state');
    const first = await timedRun(store);
    expect(first.code, first.stderr).toBe(0);
    const state = join(store, 'state', 'alerts', 'health.json');
    execFileSync('mount', ['--bind', '-o', 'ro', state, state]);
    mounts.push(state);
    const before = files(store);
    const result = await timedRun(store);
    // Before: an internal error (EXDEV from linking the previous version aside), with a stack.
    expectCleanFault(result, /^autopilot: store .*pinned-state: a key is a mount of its own and cannot be replaced \(EXDEV\)/, []);
    // No state file added or left behind (a partial, a lock). The status page's history did take the run's
    // observations (the probes ran; its day document replaced, with the earlier copy kept as for any local object).
    const outsideHistory = (names: string[]) => names.filter((name) => !name.startsWith('history/'));
    expect(outsideHistory(files(store))).toEqual(outsideHistory(before));
  });
});

describe.skipIf(!isRoot)('a backup into a full store', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await cluster.createDatabase('shop');
    // About 1 MB of barely compressible rows: far more than the 128 KiB store holds once compressed.
    await cluster.query(
      'create table orders as select g as id, md5(random()::text) || md5(random()::text) || md5(random()::text) as ref ' +
        'from generate_series(1, 20000) g',
      'shop',
    );
  });
  afterAll(() => cluster?.stop());

  it("ends with exit 4 naming the full disk (not pg_dump's SIGPIPE), after the High finding is reported and sent", async () => {
    const store = tmpfs('full-backup', '128k');
    const backupConfig = join(dir, 'backup.config.json');
    writeFileSync(
      backupConfig,
      JSON.stringify({
        targets: {
          shop: {
            postgres: [
              {
                name: 'shop',
                host: '127.0.0.1',
                port: cluster.port,
                database: 'shop',
                user: cluster.superuser,
                password: cluster.password,
                ssl: false,
                backup: {},
              },
            ],
          },
        },
      }),
    );
    const started = Date.now();
    const result = await runAutopilot(['run', 'backup', '--local', '--json', '--config', backupConfig, '--store', store]);
    expect(result.code, result.stderr).toBe(4);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.check, f.severity])).toEqual([['shop', 'high']]);
    expect(report.findings[0]?.summary).toMatch(/^backup failed \(upload\): .*no space left on device \(ENOSPC\)/);
    expect(report.notifications.map((n) => n.topic)).toEqual(['high']);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^autopilot: store .*full-backup: full: no space left on device \(ENOSPC\)/);
    expect(result.stderr).not.toMatch(/SIGPIPE|internal error|\n\s+at /);
    expect(result.stderr).not.toContain(cluster.password);
    // Nothing half-written is left under backups/.
    expect(files(store).filter((f) => f.startsWith('backups/'))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('store paths and locks', () => {
  it('a state file that is a FIFO: exit 4 with one line at once, where the read blocked for ever', async () => {
    const store = join(dir, 'fifo-state');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    execFileSync('mkfifo', [join(store, 'state', 'alerts', 'health.json')]);
    const result = await timedRun(store);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^autopilot: store .*fifo-state: a key is not a regular file \(a pipe or a device\) \(EFTYPE\) reading state\/alerts\/health\.json$/,
    );
    expect(result.ms).toBeLessThan(20_000);
  });

  it('--store pointing at a file: a usage error naming the flag (exit 2), before any check runs', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const result = await timedRun(file);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`autopilot: --store ${file}: not a directory`);
    expect(result.stdout).toBe('');
  });

  it('a lock left by a dead process is broken at once (not after 30 s) and the run says so', async () => {
    const store = join(dir, 'stale');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const lock = join(store, 'state', 'alerts', 'health.json.lock');
    writeFileSync(lock, JSON.stringify({ pid: Number(dead), host: hostname(), at: new Date().toISOString() }));
    const result = await timedRun(store);
    expect(result.code, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(15_000);
    expect(result.stderr).toContain(`removed a stale lock ${lock} (pid ${dead} on ${hostname()} is gone)`);
    expect(() => statSync(lock)).toThrow();
  });

  it('an old lock file from before (bare pid, an hour old) expires and is broken', async () => {
    const store = join(dir, 'expired');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    const lock = join(store, 'state', 'alerts', 'health.json.lock');
    writeFileSync(lock, '1');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    execFileSync('touch', ['-d', anHourAgo.toISOString(), lock]);
    const result = await timedRun(store);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/removed a stale lock .* \(held since .*, expired\)/);
  });

  it('a damaged alert state with no earlier copy: the report warns and a critical notice says so, never a silent "0 open"', async () => {
    const store = join(dir, 'damaged');
    mkdirSync(join(store, 'state', 'alerts'), { recursive: true });
    writeFileSync(join(store, 'state', 'alerts', 'health.json'), '{"version": 1, "entries": {"web/api": {"target"');
    const result = await timedRun(store);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.warnings).toEqual([expect.stringMatching(/health\.json: alert state is not JSON.*nothing recoverable/)]);
    expect(report.notifications.map((n) => [n.topic, n.subject])).toEqual([
      ['critical', '[CRITICAL] alert state lost: health job'],
      ['critical', '[CRITICAL] 1 alert: web/api - 503 (expected 200-299)'],
    ]);
  });
});
