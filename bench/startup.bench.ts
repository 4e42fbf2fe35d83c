// Start-up of the `autopilot` command (issue 13): `help` and a one-endpoint `run health --local`,
// each run REPEAT times and reported as the median wall time, beside two baselines measured in the
// same run: bare `node -e 0`, and the CLI run from its sources through tsx (how it started before
// it was compiled). Usage: npm run bench:startup [-- REPEAT]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPEAT = Number(process.argv[2] ?? 15);
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'autopilot.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-startup-bench-'));
// Beside the package, so it resolves tsx from node_modules.
const tsxEntry = join(ROOT, 'dist', `bench-tsx-cli-${process.pid}.mjs`);
mkdirSync(join(ROOT, 'dist'), { recursive: true });
writeFileSync(
  tsxEntry,
  `import { register } from 'tsx/esm/api';\nregister();\nawait import(${JSON.stringify(join(ROOT, 'bin', 'autopilot.ts'))});\n`,
);

const server = createServer((_, res) => res.end('ok'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const config = join(scratch, 'one.json');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
writeFileSync(config, JSON.stringify({ targets: { one: { health: [{ name: 'one', url }] } } }));

/** One timed run under /usr/bin/time for its peak RSS; spawned, so this process keeps answering the probe. */
function timedRun(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('close', (code) => {
      if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${err.trim()}`);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, rssMb: Number(err.trim().split('\n').at(-1)) / 1024 });
    });
  });
}

async function median(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const runs: Array<{ ms: number; rssMb: number }> = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await timedRun(args));
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

spawnSync(process.execPath, [CLI, 'help']); // builds dist/ once, outside the measurement
const store = join(scratch, 'store');
const rows: Array<[string, { ms: number; rssMb: number }]> = [
  ['node -e 0 (baseline)', await median(['-e', '0'])],
  ['autopilot help (compiled)', await median([CLI, 'help'])],
  ['autopilot help (sources via tsx)', await median([tsxEntry, 'help'])],
  ['run health, 1 endpoint (compiled)', await median([CLI, 'run', 'health', '--local', '--config', config, '--store', store])],
  ['run health, 1 endpoint (sources via tsx)', await median([tsxEntry, 'run', 'health', '--local', '--config', config, '--store', store])],
];
const base = rows[0]![1].ms;
console.log(`start-up, median of ${REPEAT} runs each (wall ms; start-up = median - node baseline)`);
for (const [name, r] of rows) {
  console.log(
    `  ${name.padEnd(38)} ${r.ms.toFixed(0).padStart(6)} ms  start-up ${(r.ms - base).toFixed(0).padStart(5)} ms  peak RSS ` +
      `${r.rssMb.toFixed(0)} MB`,
  );
}
const ratio = (a: number, b: number) => ((rows[a]![1].ms - base) / (rows[b]![1].ms - base)).toFixed(2);
console.log(`  compiled / tsx: help ${ratio(1, 2)}, run health ${ratio(3, 4)}`);
server.close();
rmSync(scratch, { recursive: true, force: true });
rmSync(tsxEntry, { force: true });
