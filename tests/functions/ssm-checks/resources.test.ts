import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/domain/finding.js';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { runScript } from '../../../functions/remote/port.js';
import { readJsonLine } from '../../../functions/ssm-checks/host-report.js';
import { RESOURCES_SCRIPT } from '../../../functions/ssm-checks/resources/parameters.js';
import { runServerChecks } from '../../../functions/ssm-checks/run-server-checks.js';
import { byCheck, configWithServers, fakeTool, scratchDir } from './helpers.js';

const HOST = 'test-host';
const isRoot = process.getuid?.() === 0;
// Each test runs the script two to four times; one run takes 1-3 s alone but over 25 s when the whole suite shares
// two loaded cores (a two-run test passed in 4.7 s alone and ran past 60 s in the full suite): the timeouts below are
// room for that, not a measure. The script bounds its own waits (systemctl 20 s, pm2 jlist 30 s).
const scratch = scratchDir('autopilot-resources-');
afterAll(() => scratch.cleanup());

let sequence = 0;
/** A fresh directory under the scratch one. */
function dir(name: string): string {
  const path = join(scratch.dir, `${name}-${++sequence}`);
  mkdirSync(path, { recursive: true });
  return path;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A real process whose command line is `<argv0> 600` (bash's `exec -a`), killed after the test. */
async function startProcess(argv0: string, options: { uid?: number } = {}): Promise<number> {
  const args = ['-c', 'exec -a "$0" sleep 600', argv0];
  const child =
    options.uid === undefined
      ? spawn('bash', args, { stdio: 'ignore' })
      : spawn('setpriv', [`--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', 'bash', ...args], { stdio: 'ignore' });
  children.push(child);
  // Wait until the exec happened: the command line is the new one.
  for (let i = 0; i < 100; i++) {
    try {
      if (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith(`${argv0}\0`)) return child.pid!;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`process ${argv0} did not start`);
}

async function resourceFindings(servers: Record<string, unknown>, env: Record<string, string | undefined>): Promise<Finding[]> {
  const config = configWithServers(servers);
  const findings = await runServerChecks('disk', config, { remote: new LocalBash({ host: HOST, env }) });
  // The disk job runs the resources check beside disk; its own run finding says it reported.
  expect(byCheck(findings, 'run:resources').severity).toBe('ok');
  return findings.filter((f) => f.kind === 'resources' || f.kind === 'process');
}

/** A fixture /proc: the CPU counters (user nice system idle iowait irq softirq steal), meminfo lines and loadavg. */
function procFixture(root: string, fixture: { cpu: number[]; cpus: number; btime: number; meminfo: string; loadavg: string }): void {
  mkdirSync(root, { recursive: true });
  const perCpu = Array.from(
    { length: fixture.cpus },
    (_, i) => `cpu${i} ${fixture.cpu.map((n) => Math.floor(n / fixture.cpus)).join(' ')} 0 0`,
  );
  writeFileSync(
    join(root, 'stat'),
    [`cpu  ${fixture.cpu.join(' ')} 0 0`, ...perCpu, 'intr 1 2 3', 'ctxt 12345', `btime ${fixture.btime}`, 'processes 999', ''].join('\n'),
  );
  writeFileSync(join(root, 'meminfo'), fixture.meminfo);
  writeFileSync(join(root, 'loadavg'), `${fixture.loadavg}\n`);
}

const MEMINFO = [
  'MemTotal:        8000000 kB',
  'MemFree:          500000 kB',
  'MemAvailable:    2000000 kB',
  'Buffers:          100000 kB',
  'Cached:          1200000 kB',
  'SwapCached:            0 kB',
  'SwapTotal:       1000000 kB',
  'SwapFree:         750000 kB',
  '',
].join('\n');

describe('resources.sh against a fixture /proc: the arithmetic', () => {
  const T = 1_790_000_000;
  const levels = {
    cpu: { warning: 30, critical: 50 },
    memory: { warning: 70, critical: 74 },
    swap: { warning: 20, critical: 90 },
    load: { warning: 1, critical: 1.5 },
  };

  it('averages CPU over the whole interval since the previous run and rates memory, swap and load per CPU', async () => {
    const proc = dir('proc');
    const state = dir('state');
    chmodSync(state, 0o700);
    const base = { cpus: 2, btime: 1_700_000_000, meminfo: MEMINFO, loadavg: '1.50 2.00 3.10 1/100 123' };
    procFixture(proc, { ...base, cpu: [1000, 0, 500, 8000, 100, 0, 0, 0] });
    const env = { AUTOPILOT_PROC_ROOT: proc, AUTOPILOT_STATE_DIR: state };

    // First run: no earlier sample, so a short one; the fixture does not move, so no CPU figure, and it says why.
    const first = await resourceFindings({ resources: levels }, { ...env, AUTOPILOT_NOW: String(T) });
    const firstCpu = byCheck(first, 'cpu');
    expect(firstCpu.severity).toBe('low');
    expect(firstCpu.summary).toContain('no CPU time passed between the samples (a short sample: no earlier sample on this host)');
    expect(readFileSync(join(state, 'resources-web.state'), 'utf8')).toMatch(/^v 1\ncpu 1700000000 \d+ 9600 8000 100 0\n/);

    // An hour later: +2000 user, +1000 system, +6000 idle, +500 iowait, +500 steal = 10,000 ticks, 3,500 busy.
    procFixture(proc, { ...base, cpu: [3000, 0, 1500, 14000, 600, 0, 0, 500] });
    const findings = await resourceFindings({ resources: levels }, { ...env, AUTOPILOT_NOW: String(T + 3601) });
    const cpu = byCheck(findings, 'cpu');
    expect(cpu.observed).toMatchObject({
      cpuPct: 35,
      iowaitPct: 5,
      stealPct: 5,
      seconds: 3600,
      sample: 'interval',
      warning: 30,
      critical: 50,
    });
    expect(cpu.severity).toBe('medium');
    expect(cpu.summary).toBe('test-host: CPU 35% busy on average over the last 1h (warning 30%, critical 50%)');

    // MemAvailable 2,000,000 of 8,000,000 kB: 75 % in use, past critical 74.
    const memory = byCheck(findings, 'memory');
    expect(memory.observed).toMatchObject({ memoryPct: 75, totalKb: 8_000_000, availableKb: 2_000_000, estimated: false });
    expect(memory.severity).toBe('high');
    expect(memory.summary).toContain('memory 75% in use, 1.9 GiB available of 7.6 GiB (by MemAvailable)');

    const swap = byCheck(findings, 'swap');
    expect(swap.observed).toMatchObject({ swapPct: 25, totalKb: 1_000_000, usedKb: 250_000 });
    expect(swap.severity).toBe('medium');

    // The 15-minute load 3.10 on two CPUs: 1.55 per CPU, past critical 1.5.
    const load = byCheck(findings, 'load');
    expect(load.observed).toMatchObject({ perCore: 1.55, cpus: 2, load1: 1.5, load5: 2, load15: 3.1 });
    expect(load.severity).toBe('high');
    expect(load.summary).toContain('load 1.55 per CPU (15-minute average 3.1 on 2 CPUs');

    // The same counters with a new boot time: the host restarted, the old sample is not used.
    procFixture(proc, { ...base, btime: 1_700_000_999, cpu: [5000, 0, 1500, 14000, 600, 0, 0, 500] });
    const rebooted = await resourceFindings({ resources: levels }, { ...env, AUTOPILOT_NOW: String(T + 7202) });
    expect(byCheck(rebooted, 'cpu').summary).toContain('the host restarted since the previous sample');
  }, 240_000);

  it('estimates available memory on kernels without MemAvailable, says so, and reports a host without swap', async () => {
    const proc = dir('proc');
    procFixture(proc, {
      cpu: [1000, 0, 500, 8000, 100, 0, 0, 0],
      cpus: 4,
      btime: 1_700_000_000,
      meminfo: 'MemTotal: 8000000 kB\nMemFree: 1000000 kB\nBuffers: 500000 kB\nCached: 1500000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
      loadavg: '0.40 0.30 0.20 1/100 123',
    });
    const findings = await resourceFindings(
      { resources: { memory: { warning: 60 } } },
      { AUTOPILOT_PROC_ROOT: proc, AUTOPILOT_STATE_DIR: dir('state') },
    );
    const memory = byCheck(findings, 'memory');
    // 8,000,000 - (1,000,000 + 500,000 + 1,500,000) = 5,000,000 in use: 62.5 %.
    expect(memory.observed).toMatchObject({ memoryPct: 62.5, availableKb: 3_000_000, estimated: true });
    expect(memory.severity).toBe('medium');
    expect(memory.summary).toContain('estimated: this kernel has no MemAvailable');
    expect(byCheck(findings, 'swap')).toMatchObject({ severity: 'ok', observed: expect.objectContaining({ swapPct: null }) });
    expect(byCheck(findings, 'swap').summary).toContain('no swap configured');
    expect(byCheck(findings, 'load').observed).toMatchObject({ perCore: 0.05, cpus: 4 });
    // No levels for CPU: measured and shown, never an alert.
    expect(byCheck(findings, 'load').summary).toContain('(no levels set)');
  }, 180_000);
});

describe('resources.sh keeps its state only where it is safe', () => {
  it('refuses a state directory others can write, or a symbolic link, and says so in the CPU finding', async () => {
    const open = dir('open-state');
    chmodSync(open, 0o777);
    const findings = await resourceFindings({ resources: {} }, { AUTOPILOT_STATE_DIR: open });
    expect(byCheck(findings, 'cpu').observed).toMatchObject({ sample: 'short' });
    expect(byCheck(findings, 'cpu').summary).toContain(`state not kept: ${open} is writable by others (mode 777)`);
    expect(existsSync(join(open, 'resources-web.state'))).toBe(false);

    const real = dir('real-state');
    chmodSync(real, 0o700);
    const link = join(scratch.dir, `link-${++sequence}`);
    symlinkSync(real, link);
    const linked = await resourceFindings({ resources: {} }, { AUTOPILOT_STATE_DIR: link });
    expect(byCheck(linked, 'cpu').summary).toContain(`${link} is a symbolic link`);
    expect(existsSync(join(real, 'resources-web.state'))).toBe(false);
  }, 180_000);

  it('creates a missing state directory 0700 and keeps one state file per target', async () => {
    const parent = dir('parent');
    const state = join(parent, 'ops-autopilot');
    const config = configWithServers({ resources: {} });
    const two = { ...config, targets: { web: config.targets.web!, api: config.targets.web! } };
    await runServerChecks('disk', two, { remote: new LocalBash({ host: HOST, env: { AUTOPILOT_STATE_DIR: state } }) });
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(state, 'resources-web.state'), 'utf8')).toMatch(/^v 1\ncpu /);
    expect(readFileSync(join(state, 'resources-api.state'), 'utf8')).toMatch(/^v 1\ncpu /);
  }, 180_000);
});

describe('resources.sh with real processes', () => {
  const tag = `autopilot-test-${process.pid}-${Date.now().toString(36)}`;

  it('counts a running process by its command line, rates a missing one High and a large one Medium', async () => {
    const pid = await startProcess(`${tag}-worker`);
    const env = { AUTOPILOT_STATE_DIR: dir('state') };
    const findings = await resourceFindings(
      {
        processes: [
          { name: 'worker', match: `${tag}-worker 600` },
          { name: 'gone', match: `${tag}-no-such-process` },
          { name: 'fat', match: `${tag}-worker`, maxRss: '1MB' },
          { name: 'pair', match: `${tag}-worker`, min: 2 },
        ],
      },
      env,
    );
    const worker = byCheck(findings, 'process:worker');
    expect(worker.severity).toBe('ok');
    expect(worker.kind).toBe('process');
    expect(worker.observed).toMatchObject({ count: 1, match: `${tag}-worker 600` });
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(worker.observed!.rssKb).toBeGreaterThan(0);
    expect(Math.abs((worker.observed!.rssKb as number) - rss)).toBeLessThan(1024);

    const gone = byCheck(findings, 'process:gone');
    expect(gone.severity).toBe('high');
    expect(gone.summary).toBe(`${HOST}: processes matching "${tag}-no-such-process": none running`);

    const fat = byCheck(findings, 'process:fat');
    expect(fat.severity).toBe('medium');
    expect(fat.summary).toMatch(/largest resident size [\d.]+ MiB is over maxRss 1MB/);

    expect(byCheck(findings, 'process:pair')).toMatchObject({ severity: 'high' });
    expect(byCheck(findings, 'process:pair').summary).toContain('1 running, fewer than 2');
  }, 180_000);

  it('matches $(...), backticks and quotes in a configured command line as text: nothing runs, the process is found', async () => {
    // Short paths: a configured command line is at most 200 characters.
    const short = mkdtempSync('/tmp/ap-');
    const marker = join(short, 'p');
    const hostile = `ap${process.pid} $(touch ${marker}) \`touch ${marker}-2\` "q" 'x'; touch ${marker}-3 | tee ${marker}-4`;
    await startProcess(hostile);
    const findings = await resourceFindings(
      {
        processes: [
          { name: 'hostile', match: hostile },
          { name: 'app', pm2: `$(touch ${marker}-5)` },
        ],
      },
      { AUTOPILOT_STATE_DIR: dir('state') },
    );
    expect(byCheck(findings, 'process:hostile')).toMatchObject({
      severity: 'ok',
      observed: expect.objectContaining({ count: 1, match: hostile }),
    });
    expect(byCheck(findings, 'process:app').observed).toMatchObject({ pm2: `$(touch ${marker}-5)` });
    for (const suffix of ['', '-2', '-3', '-4', '-5']) expect(existsSync(`${marker}${suffix}`), suffix).toBe(false);
    rmSync(short, { recursive: true, force: true });
  }, 180_000);

  it('takes raw parameters as data: a list that is not base64 is refused and echoed, nothing runs', async () => {
    const marker = join(scratch.dir, `raw-${tag}`);
    const [result] = await runScript(
      new LocalBash({ host: HOST, env: { AUTOPILOT_STATE_DIR: dir('state') } }),
      RESOURCES_SCRIPT,
      { contract: '1', stateKey: `../x$(touch ${marker})`, processes: `match $(touch ${marker}-2);unit \`id\`` },
      { target: 'web', tags: {} },
    );
    expect(existsSync(marker) || existsSync(`${marker}-2`)).toBe(false);
    const line = readJsonLine(result!.stdout) as { ok: true; value: { invalid: Array<{ param: string; value: string }>; state: object } };
    expect(line.ok).toBe(true);
    expect(line.value.invalid).toEqual([
      { param: 'stateKey', value: `../x$(touch ${marker})` },
      { param: 'processes', value: `match $(touch ${marker}-2)` },
      { param: 'processes', value: 'unit `id`' },
    ]);
    expect(line.value.state).toEqual({ status: 'unavailable', reason: 'the stateKey parameter was refused' });
    expect(result!.stdout.split('\n')[0]!.length).toBeLessThan(2500);
  }, 180_000);
});

describe('resources.sh and PM2 (a fake pm2 on PATH, a real process titled as its daemon)', () => {
  /** A PM2 home whose fake `pm2 jlist` prints `<home>/jlist.json` and logs who ran it with which PM2_HOME. */
  function pm2Home(owner?: number): { home: string; bin: string; calls: string; jlist: (apps: unknown[]) => void } {
    const root = dir('pm2');
    chmodSync(scratch.dir, 0o755);
    chmodSync(root, 0o755);
    const home = join(root, '.pm2');
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    const calls = join(home, 'calls.log');
    const bin = fakeTool(
      root,
      'pm2',
      [
        `echo "uid=$(id -u) home=$PM2_HOME args=$*" >> '${calls}'`,
        '[ "$1" = jlist ] || exit 3',
        `echo '[PM2][WARN] Current process list is not synchronized with saved list. "x" differs'`,
        'cat "$PM2_HOME/jlist.json"',
      ].join('\n'),
    );
    chmodSync(bin, 0o755);
    if (owner !== undefined) chmodSync(root, 0o755);
    const jlist = (apps: unknown[]) => writeFileSync(join(home, 'jlist.json'), `${JSON.stringify(apps)}\n`, { mode: 0o644 });
    return { home, bin, calls, jlist };
  }

  const app = (name: string, status: string, restarts: number, memory: number, extra: Record<string, unknown> = {}) => ({
    pid: 4242,
    name,
    pm2_env: {
      name: 'not-the-app-name',
      status,
      restart_time: restarts,
      env: { SECRET: 'a "quoted" {value} with [brackets], \\ and "name":"stock-import"', name: 'stock-import' },
      ...extra,
    },
    monit: { memory, cpu: 1 },
  });

  it('reads every instance of an app, and a restart count that grew since the last run is a restart loop (High)', async () => {
    const pm2 = pm2Home();
    await startProcess(`PM2 v5.3.0: God Daemon (${pm2.home})`);
    const env = { PATH: `${pm2.bin}:${process.env.PATH}`, AUTOPILOT_STATE_DIR: dir('state') };
    const servers = {
      processes: [
        { name: 'stock-import', pm2: 'stock-import', min: 2, maxRss: '150MB' },
        { name: 'api', pm2: 'system-gear-api' },
      ],
    };
    pm2.jlist([
      app('stock-import', 'online', 3, 100 * 1024 * 1024),
      app('stock-import', 'online', 0, 50 * 1024 * 1024),
      app('other', 'online', 9, 1),
    ]);
    const first = await resourceFindings(servers, env);
    const stock = byCheck(first, 'process:stock-import');
    expect(stock.severity).toBe('ok');
    expect(stock.observed).toMatchObject({
      count: 2,
      instances: 2,
      restarts: 3,
      restartsBefore: null,
      rssKb: 102_400,
      totalRssKb: 153_600,
    });
    expect(stock.summary).toContain('2 of 2 instances online, restart count 3');
    // Not in pm2's list: down.
    expect(byCheck(first, 'process:api')).toMatchObject({ severity: 'high' });
    expect(byCheck(first, 'process:api').summary).toBe(`${HOST}: PM2 app system-gear-api: not in pm2's list`);
    expect(readFileSync(pm2.calls, 'utf8')).toContain(`home=${pm2.home} args=jlist`);

    pm2.jlist([app('stock-import', 'online', 5, 100 * 1024 * 1024), app('stock-import', 'online', 0, 50 * 1024 * 1024)]);
    const looping = byCheck(await resourceFindings(servers, env), 'process:stock-import');
    expect(looping.severity).toBe('high');
    expect(looping.summary).toContain('restarted 2 times since the previous run (restart count 5): a restart loop');

    const steady = byCheck(await resourceFindings(servers, env), 'process:stock-import');
    expect(steady.severity).toBe('ok');
    expect(steady.summary).toContain('restart count 5 (unchanged)');

    pm2.jlist([app('stock-import', 'errored', 5, 0), app('stock-import', 'online', 0, 200 * 1024 * 1024)]);
    const errored = byCheck(await resourceFindings(servers, env), 'process:stock-import');
    expect(errored.severity).toBe('high');
    expect(errored.summary).toContain('1 of 2 instances online (errored)');
    expect(errored.summary).toContain('largest resident size 200 MiB is over maxRss 150MB');
  }, 240_000);

  it('never runs pm2 where no PM2 daemon runs (it would start one): the app is down', async () => {
    const pm2 = pm2Home();
    pm2.jlist([app('stock-import', 'online', 0, 1)]);
    const findings = await resourceFindings(
      { processes: [{ name: 'stock-import', pm2: 'stock-import' }] },
      { PATH: `${pm2.bin}:${process.env.PATH}`, AUTOPILOT_STATE_DIR: dir('state') },
    );
    expect(byCheck(findings, 'process:stock-import')).toMatchObject({ severity: 'high' });
    expect(byCheck(findings, 'process:stock-import').summary).toContain('no PM2 daemon runs on this host');
    expect(existsSync(pm2.calls)).toBe(false);
  }, 180_000);

  it('asks a daemon of another user as that user (runuser), and says so when pm2 cannot be found', async (ctx) => {
    if (!isRoot) return ctx.skip('running a process as another user needs root');
    const pm2 = pm2Home(65534);
    pm2.jlist([app('stock-import', 'online', 1, 1024 * 1024)]);
    await startProcess(`PM2 v5.3.0: God Daemon (${pm2.home})`, { uid: 65534 });
    const servers = { processes: [{ name: 'stock-import', pm2: 'stock-import' }] };
    const findings = await resourceFindings(servers, { PATH: `${pm2.bin}:${process.env.PATH}`, AUTOPILOT_STATE_DIR: dir('state') });
    expect(byCheck(findings, 'process:stock-import')).toMatchObject({ severity: 'ok', observed: expect.objectContaining({ count: 1 }) });
    expect(readFileSync(pm2.calls, 'utf8')).toContain(`uid=65534 home=${pm2.home} args=jlist`);

    const missing = await resourceFindings(servers, { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', AUTOPILOT_STATE_DIR: dir('state') });
    expect(byCheck(missing, 'process:stock-import')).toMatchObject({ severity: 'low' });
    expect(byCheck(missing, 'process:stock-import').summary).toContain('pm2 is not on PATH nor beside its node');
  }, 180_000);
});

describe('resources.sh and systemd (a systemctl stub on PATH)', () => {
  it('reads a unit by systemctl show: active is ok, inactive or not found is High, a growing NRestarts is a restart loop', async () => {
    const root = dir('systemd');
    const units = join(root, 'units');
    mkdirSync(units);
    const argsLog = join(root, 'args.log');
    const bin = fakeTool(
      root,
      'systemctl',
      [
        `printf '%s|' "$@" >> '${argsLog}'; echo >> '${argsLog}'`,
        'for a; do u=$a; done',
        `cat "${units}/$u" 2>/dev/null ||`,
        "  printf 'LoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nMainPID=0\\nNRestarts=0\\nControlGroup=\\n'",
      ].join('\n'),
    );
    const pid = await startProcess(`autopilot-unit-${process.pid}`);
    const unit = (active: string, sub: string, restarts: number) =>
      writeFileSync(
        join(units, 'puma.service'),
        [
          'LoadState=loaded',
          `ActiveState=${active}`,
          `SubState=${sub}`,
          `MainPID=${active === 'active' ? pid : 0}`,
          `NRestarts=${restarts}`,
          'ControlGroup=',
          '',
        ].join('\n'),
      );
    const servers = {
      processes: [
        { name: 'puma', unit: 'puma.service', maxRss: '1GB' },
        { name: 'ghost', unit: 'ghost' },
      ],
    };
    const env = { PATH: `${bin}:${process.env.PATH}`, AUTOPILOT_STATE_DIR: dir('state') };

    unit('active', 'running', 2);
    const first = await resourceFindings(servers, env);
    expect(byCheck(first, 'process:puma')).toMatchObject({
      severity: 'ok',
      observed: expect.objectContaining({ count: 1, active: 'active', sub: 'running', restarts: 2, restartsBefore: null }),
    });
    expect(byCheck(first, 'process:puma').observed!.rssKb).toBeGreaterThan(0);
    expect(byCheck(first, 'process:ghost')).toMatchObject({ severity: 'high' });
    expect(byCheck(first, 'process:ghost').summary).toBe(`${HOST}: systemd unit ghost: not loaded (not-found: no such unit)`);
    // The unit name arrives as one argument after "--".
    expect(readFileSync(argsLog, 'utf8')).toContain(
      'show|--property=LoadState,ActiveState,SubState,MainPID,NRestarts,ControlGroup|--|puma.service|',
    );

    unit('active', 'running', 6);
    const looping = byCheck(await resourceFindings(servers, env), 'process:puma');
    expect(looping.severity).toBe('high');
    expect(looping.summary).toContain('restarted 4 times since the previous run (restart count 6)');

    unit('failed', 'failed', 6);
    const failed = byCheck(await resourceFindings(servers, env), 'process:puma');
    expect(failed.severity).toBe('high');
    expect(failed.summary).toContain('systemd unit puma.service: not active: failed (failed)');
  }, 240_000);
});

describe('resources.sh on this machine: the CPU figure is the average since the previous run', () => {
  /** All CPUs' ticks and the busy ones, from this machine's /proc/stat. */
  function cpuTicks(): { total: number; busy: number } {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
    const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
    return { total, busy: total - idle! - iowait! };
  }
  /** A process's own CPU ticks (utime + stime) from /proc/<pid>/stat. */
  function processTicks(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  }

  it('a busy loop started between two runs 5 s apart raises the second figure by at least its own share', async () => {
    const env = { AUTOPILOT_STATE_DIR: dir('state') };
    await resourceFindings({ resources: {} }, env);
    const before = cpuTicks();
    const loop = spawn('bash', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    children.push(loop);
    await sleep(5_000);
    const loopTicks = processTicks(loop.pid!);
    loop.kill('SIGKILL');
    const after = cpuTicks();
    const findings = await resourceFindings({ resources: {} }, env);
    const cpu = byCheck(findings, 'cpu').observed as { cpuPct: number; seconds: number; sample: string };
    expect(cpu.sample).toBe('interval');
    // The interval is the time since the previous run's sample: the 5 s, plus the runs' own start-up on a loaded machine.
    expect(cpu.seconds).toBeGreaterThanOrEqual(4);
    expect(cpu.seconds).toBeLessThan(20);
    const measured = (100 * (after.busy - before.busy)) / (after.total - before.total);
    const loopShare = (100 * loopTicks) / (after.total - before.total);
    // Every tick of the loop fell inside the script's window; the window is a little longer than the test's.
    expect(cpu.cpuPct).toBeGreaterThanOrEqual(loopShare * 0.6 - 3);
    expect(Math.abs(cpu.cpuPct - measured)).toBeLessThan(25);
    expect(cpu.cpuPct).toBeLessThanOrEqual(100);
  }, 240_000);
});
