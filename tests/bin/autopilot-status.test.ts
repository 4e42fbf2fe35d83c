import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';

/**
 * `autopilot status` as a user runs it (issue 23): a few `run health --local` runs with a failing and a passing
 * check, then the page written from the same store.
 */
let dir: string;
let http: TestHttpServer;
let config: string;
let store: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-status-cli-'));
  http = await startHttpServer({
    '/ok': (_req, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('OK'), 15),
    '/fail': (_req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('down'),
  });
  config = join(dir, 'ops.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      timezone: 'Asia/Tokyo',
      statusPage: { public: true, hide: ['shop/checkout'] },
      targets: {
        shop: {
          health: [{ name: 'storefront', url: http.url('/ok') }, { name: 'checkout', url: http.url('/fail') }, { url: http.url('/ok') }],
        },
      },
    }),
  );
  store = join(dir, 'store');
  for (let i = 0; i < 3; i++) {
    const run = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', store]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.warnings ?? []).toEqual([]);
  }
}, 180_000);

afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('autopilot status', () => {
  it('writes the page from the local store: both checks, their uptime and a chart, and says where', async () => {
    const out = join(dir, 'page.html');
    const result = await runAutopilot(['status', '--local', '--config', config, '--store', store, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^wrote ${out} \\(\\d+(\\.\\d)? KiB\\) from ${store}\\n`));
    expect(result.stdout).toContain(`wrote ${join(dir, 'page.public.html')}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<b>storefront<\/b> <small>HTTP<\/small><td class=m><b class=s0>OK<\/b>/);
    expect(html).toMatch(/<b>checkout<\/b> <small>HTTP<\/small><td class=m><b class=s4>Critical<\/b>/);
    expect(html).toMatch(/<b>storefront<\/b>(?:(?!<tr>).)*<span>100%<\/span>/s);
    expect(html).toMatch(/<b>checkout<\/b>(?:(?!<tr>).)*<span>0\.00%<\/span>/s);
    // Every check answered (the 503 too, with its time), so each has a point in this hour's chart (a lone hour is a dot).
    expect((html.match(/<polyline points="\d+,\d+ \d+,\d+"\/>/g) ?? []).length).toBe(3);
    expect(html).toMatch(/Open incidents \(1\)/);
    // The public variant: the hidden check left out, the unnamed one numbered, no host or URL.
    const published = readFileSync(join(dir, 'page.public.html'), 'utf8');
    expect(published).toContain('<b>storefront</b>');
    expect(published).toContain('<b>HTTP 3</b>');
    expect(published).not.toMatch(/checkout|127\.0\.0\.1|expected 200/);
  });

  it('is the page the health runs keep in the store, regenerated when a check changed', () => {
    const kept = readFileSync(join(store, 'status', 'index.html'), 'utf8');
    expect(kept).toContain('<b>checkout</b>');
    expect(existsSync(join(store, 'status', 'public', 'index.html'))).toBe(true);
    const history = readdirSync(join(store, 'history', 'days'));
    expect(history).toHaveLength(1);
    const day = JSON.parse(readFileSync(join(store, 'history', 'days', history[0]!, 'all.json'), 'utf8'));
    expect(day.checks['shop/checkout']).toMatchObject({ runs: 3, failures: 3, notOkSeconds: 900 });
    expect(day.checks['shop/storefront']).toMatchObject({ runs: 3, failures: 0 });
  });

  it('names a history object it cannot read, on the page and on stderr, and still writes the page', async () => {
    const copy = join(dir, 'damaged-store');
    const { cpSync } = await import('node:fs');
    cpSync(store, copy, { recursive: true });
    const day = readdirSync(join(copy, 'history', 'days'))[0]!;
    writeFileSync(join(copy, 'history', 'days', day, 'all.json'), '{"version":1,');
    const out = join(dir, 'damaged.html');
    const result = await runAutopilot(['status', '--local', '--config', config, '--store', copy, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`autopilot: status: history/days/${day}/all.json: not JSON`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`history/days/${day}/all.json: not JSON`);
    expect(html).toContain('<b>storefront</b>');
  });

  it('refuses, naming the flag: --target, an --out in no directory, --out on another command', async () => {
    let result = await runAutopilot(['status', '--local', '--config', config, '--store', store, '--target', 'shop']);
    expect([result.code, result.stderr]).toEqual([
      2,
      expect.stringMatching(/^autopilot: --target: not a flag of status, only of run and restore and invoke/),
    ]);
    result = await runAutopilot(['status', '--local', '--config', config, '--store', store, '--out', join(dir, 'no', 'such', 'p.html')]);
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/^autopilot: --out .*: .* is not a directory/)]);
    result = await runAutopilot(['run', 'health', '--local', '--config', config, '--out', 'x.html']);
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/^autopilot: --out: not a flag of run, only of status/)]);
    result = await runAutopilot(['status', 'health', '--local', '--config', config]);
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/^autopilot: usage: status: unexpected argument "health"/)]);
    result = await runAutopilot(['status', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^usage: autopilot status \[--config <file>\] \[--local\] \[--store <dir>\] \[--out <file>\] \[--stack <name>\]/,
    );
  });
});
