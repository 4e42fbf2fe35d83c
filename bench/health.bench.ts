/**
 * Health probe bench: 500 HTTP checks against 500 loopback ports that each answer after 200 ms.
 *
 * The servers run in a child process (this file with --serve) so their event loop does not share a
 * thread with the probes'; the machine has 2 cores, so the probing process and the server process
 * each get about one (other work on the machine shows in the load average printed at the end).
 * Each server measures its own handling time, from accepting the connection to handing over the
 * answer; the probe's responseTimeMs minus that is the timing error the probe adds (connect, our
 * own event loop). The baseline is the same error for one probe at a time, measured in the same run.
 *
 * Without --checks it runs two sizes in one go: 500 checks (goal: wall under 1.5 s, timing error under 10 ms)
 * and 5,000 (a 500-target fleet's worth; goal: wall at most 6 s, p95 timing error at most 5 ms).
 *
 *   npm run bench:health [-- --checks 500 --delay 200 --concurrency 500 --servers 1 --runs 5 --spacing 1 --pin --localhost]
 *
 * --spacing: least ms between probe starts (the product default is DEFAULT_START_SPACING_MS; 0 = one per
 * event-loop turn); --pin: probing process on core 0, servers on the others; --localhost: resolve a name.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fixedPassword } from '../functions/core/adapters/local/local-secrets.js';
import type { Finding } from '../functions/core/domain/finding.js';
import { collectHealthFindings, DEFAULT_START_SPACING_MS } from '../functions/health/collect-health-findings.js';
import { probeHttp } from '../functions/kinds/http/probe.js';
import { healthCheckSchema } from '../functions/kinds/http/schema.js';
import { validateConfig } from '../functions/kinds/config.js';

type Handled = Array<[port: number, ms: number]>;
interface RunFigures {
  readonly wallMs: number;
  readonly serverMs: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly cpuUsPerCheck: number;
}
type FromServer = { ports: number[] } | { handled: Handled };

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 5_000) throw new Error(`--${name} must be an integer 1..5000`);
  return value;
}

async function serve(count: number, delayMs: number): Promise<void> {
  let handled: Handled = [];
  const servers: http.Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = http.createServer();
    // One request per connection (the probe does not keep connections alive): time from accept.
    server.on('connection', (socket) => ((socket as { acceptedAt?: number }).acceptedAt = performance.now()));
    server.on('request', (req, res) => {
      const acceptedAt = (req.socket as { acceptedAt?: number }).acceptedAt ?? performance.now();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('OK');
        handled.push([req.socket.localPort ?? 0, performance.now() - acceptedAt]);
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 511, resolve));
    servers.push(server);
  }
  process.on('message', (message: string) => {
    if (message === 'report') {
      process.send?.({ handled });
      handled = [];
    } else if (message === 'exit') {
      for (const server of servers) server.close();
      process.exit(0);
    }
  });
  process.send?.({ ports: servers.map((s) => (s.address() as AddressInfo).port) });
}

function ask<T extends FromServer>(child: ChildProcess, message: string | undefined, key: keyof T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromServer): void => {
      if (key in reply) {
        child.off('message', onMessage);
        resolve(reply as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    if (message) child.send(message);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const f1 = (n: number): string => n.toFixed(1);

function portOf(finding: Finding): number {
  return Number(new URL(String(finding.observed?.url)).port);
}

/** Probe time minus server time, per probe answered by a server that recorded the request. */
function errors(findings: readonly Finding[], handled: Handled): number[] {
  const byPort = new Map(handled);
  return findings.flatMap((f) => {
    const server = byPort.get(portOf(f));
    const probe = f.observed?.responseTimeMs;
    return typeof probe === 'number' && server !== undefined ? [probe - server] : [];
  });
}

/** The goals of issue 12 for a bench size. */
function goalsFor(checks: number): { wallMs: number; errorMs: number; errorStat: 'mean' | 'p95' } {
  return checks > 500 ? { wallMs: 6000, errorMs: 5, errorStat: 'p95' } : { wallMs: 1500, errorMs: 10, errorStat: 'mean' };
}

async function main(checks: number, runs: number): Promise<void> {
  const delayMs = flag('delay', 200);
  const concurrency = flag('concurrency', 500);
  const serverProcesses = flag('servers', 1);
  const spacingArg = process.argv.indexOf('--spacing');
  const spacingMs = spacingArg >= 0 ? Number(process.argv[spacingArg + 1]) : DEFAULT_START_SPACING_MS;
  if (!(spacingMs >= 0 && spacingMs <= 100)) throw new Error('--spacing must be 0..100 ms');
  // --localhost: name the servers "localhost", so every probe resolves a host name first.
  const host = process.argv.includes('--localhost') ? 'localhost' : '127.0.0.1';
  const perProcess = Math.ceil(checks / serverProcesses);
  const pin = process.argv.includes('--pin') && cpus().length > 1;
  if (pin) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

  const children = Array.from({ length: serverProcesses }, (_, i) =>
    fork(process.argv[1] as string, ['--serve', String(Math.min(perProcess, checks - i * perProcess)), String(delayMs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(pin
        ? { execPath: 'taskset', execArgv: ['-c', String(1 + (i % (cpus().length - 1))), process.execPath, ...process.execArgv] }
        : {}),
    }),
  );
  try {
    const ports = (await Promise.all(children.map((c) => ask<{ ports: number[] }>(c, undefined, 'ports')))).flatMap((r) => r.ports);
    const collectAll = async (): Promise<Handled> =>
      (await Promise.all(children.map((c) => ask<{ handled: Handled }>(c, 'report', 'handled')))).flatMap((r) => r.handled);

    // Baseline in the same process: the same probe, one at a time, so nothing competes with it.
    const baselineFindings: Finding[] = [];
    for (let i = 0; i < 20; i++)
      baselineFindings.push(await probeHttp('bench', healthCheckSchema.parse({ url: `http://${host}:${ports[i % ports.length]}/` })));
    const baseline = errors(baselineFindings, await collectAll()).sort((a, b) => a - b);
    const baselineMedian = percentile(baseline, 50);

    const config = validateConfig({
      targets: { bench: { health: ports.map((port, i) => ({ name: `c${i}`, url: `http://${host}:${port}/`, timeout: '10s' })) } },
    });
    console.log(
      `health bench: ${checks} HTTP checks, servers answer after ${delayMs} ms; ${serverProcesses} server ` +
        `process(es)${pin ? ' pinned to other cores' : ''}, ${cpus().length} cores, concurrency ${concurrency}, start spacing ` +
        `${spacingMs} ms, ${runs} runs, host ${host}`,
    );
    console.log(
      `baseline (one probe at a time, 20 probes): timing error p50 ${f1(baselineMedian)} ms, max ${f1(percentile(baseline, 100))} ms`,
    );
    console.log('run  wall ms  x ideal  server ms  err mean  p50    p95    max   CPU µs/check  findings');
    const rows: RunFigures[] = [];
    for (let run = 1; run <= runs; run++) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const findings = await collectHealthFindings(config, {
        secrets: fixedPassword(undefined),
        concurrency,
        startSpacingMs: spacingMs,
      });
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const handled = await collectAll();
      const measured = errors(findings, handled).sort((a, b) => a - b);
      const row: RunFigures = {
        wallMs,
        serverMs: handled.reduce((sum, [, ms]) => sum + ms, 0) / Math.max(1, handled.length),
        mean: measured.reduce((sum, e) => sum + e, 0) / Math.max(1, measured.length),
        p50: percentile(measured, 50),
        p95: percentile(measured, 95),
        max: percentile(measured, 100),
        cpuUsPerCheck: (cpu.user + cpu.system) / checks,
      };
      rows.push(row);
      const bySeverity = Object.entries(
        findings.reduce<Record<string, number>>((acc, f) => {
          acc[f.severity] = (acc[f.severity] ?? 0) + 1;
          return acc;
        }, {}),
      )
        .map(([severity, n]) => `${n} ${severity}`)
        .join(', ');
      console.log(
        `${String(run).padStart(3)}  ${f1(row.wallMs).padStart(7)}  ${(row.wallMs / delayMs).toFixed(2).padStart(7)}  ` +
          `${f1(row.serverMs).padStart(9)}  ${f1(row.mean).padStart(8)}  ${f1(row.p50).padStart(5)}  ${f1(row.p95).padStart(5)}  ` +
          `${f1(row.max).padStart(5)}  ${String(Math.round(row.cpuUsPerCheck)).padStart(12)}  ` +
          `${bySeverity}${measured.length < checks ? ` (${measured.length} paired)` : ''}`,
      );
    }
    const median = (pick: (r: RunFigures) => number): number =>
      percentile(
        rows.map(pick).sort((a, b) => a - b),
        50,
      );
    const wall = median((r) => r.wallMs);
    const mean = median((r) => r.mean);
    const p95 = median((r) => r.p95);
    const max = median((r) => r.max);
    const goals = goalsFor(checks);
    console.log(
      `median of ${runs} runs: wall ${f1(wall)} ms = ${(wall / delayMs).toFixed(2)}x the ${delayMs} ms ideal (goal <= ${goals.wallMs} ` +
        `ms: ${wall <= goals.wallMs ? 'met' : 'MISSED'})`,
    );
    console.log(
      `median of ${runs} runs: timing error mean ${f1(mean)} ms (${(mean / baselineMedian).toFixed(1)}x baseline), p95 ${f1(p95)} ms ` +
        `(${(p95 / baselineMedian).toFixed(1)}x), max ${f1(max)} ms (goal ${goals.errorStat} <= ${goals.errorMs} ms: ` +
        `${(goals.errorStat === 'p95' ? p95 : mean) <= goals.errorMs ? 'met' : 'MISSED'})`,
    );
    console.log(
      `load average during the bench: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    for (const child of children) if (child.connected) child.send('exit');
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]), Number(process.argv[4]));
else if (process.argv.includes('--checks')) await main(flag('checks', 500), flag('runs', 5));
else {
  await main(500, flag('runs', 5));
  await main(5000, flag('runs', 3));
}
