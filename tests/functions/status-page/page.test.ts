import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { historyDayKey } from '../../../functions/core/layout.js';
import { gatherStatus } from '../../../functions/status-page/gather.js';
import { generateStatusPages } from '../../../functions/status-page/generate.js';
import { buildPageModel } from '../../../functions/status-page/page/build-model.js';
import { formatUptime } from '../../../functions/status-page/page/render-page.js';
import { shiftDay } from '../../../functions/status-page/history/rollup.js';
import { localDay } from '../../../functions/status-page/history/record-history.js';
import { type FixtureOptions, manyChecks, writeStatusFixture } from '../../support/status-fixture.js';

const NOW = new Date('2026-12-04T05:20:00Z');
const fixture: FixtureOptions = {
  now: NOW,
  checks: [
    { target: 'shop', name: 'storefront', url: 'https://shop.example.com/health', medianMs: 90 },
    { target: 'shop', name: 'checkout', url: 'https://pay.shop.example.com/health', failingNow: true, outageDays: [3], failRate: 0.001 },
    { target: 'shop', url: 'https://cdn.shop.example.com/ping', medianMs: 25 },
    { target: 'internal', name: 'admin', url: 'https://admin.corp.example.com/' },
  ],
  backups: [{ target: 'shop', database: 'orders', hoursAgo: 5, size: 12 * 1024 * 1024 }],
  disk: [{ target: 'shop', check: 'web-1:/', severity: 'medium', summary: '87% used on web-1 (10.0.3.7) /' }],
  openExtras: { 'shop/checkout': { acknowledged: { by: 'hanako', at: '2026-12-04T04:00:00Z' } } },
};

const dirs: string[] = [];
async function storeWith(options: FixtureOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-page-'));
  dirs.push(dir);
  const store = new LocalObjectStore(dir);
  const config = await writeStatusFixture(store, options);
  return { store, config };
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the private page', () => {
  let html: string;
  let model: ReturnType<typeof buildPageModel>;
  beforeAll(async () => {
    const { store, config } = await storeWith(fixture);
    // A history object that does not read: named on the page, the rest drawn.
    await store.put(historyDayKey(shiftDay(localDay(NOW, config.timezone), -1), '1m-part9'), '{"version":1,"day":"20');
    const pages = await generateStatusPages(store, config, NOW);
    html = pages.private;
    model = buildPageModel(config, await gatherStatus(store, NOW, config.timezone), 'private');
  });

  it('shows each check with its state, 90 daily bars with the uptime, and a 24-hour chart with points', () => {
    const checks = model.targets.flatMap((t) => t.checks);
    // The backed-up database is a probed check of its own, without history yet.
    expect(checks.map((c) => c.key)).toEqual([
      'shop/storefront',
      'shop/checkout',
      'shop/cdn.shop.example.com-ping',
      'shop/orders',
      'internal/admin',
    ]);
    expect(checks[3]!.severity).toBe('unknown');
    const [storefront, checkout] = checks;
    expect(storefront!.bars).toHaveLength(90);
    expect(storefront!.uptime).toBe(1);
    expect(checkout!.severity).toBe('critical');
    expect(checkout!.uptime!).toBeLessThan(1);
    expect(checkout!.bars.filter((b) => b.cls === 4 || b.cls === 3 || b.cls === 2).length).toBeGreaterThan(0);
    expect(html).toContain(`<span>${formatUptime(checkout!.uptime!)}</span>`);
    expect(html).toContain('<span>100%</span>');
    for (const name of ['storefront', 'checkout', 'cdn.shop.example.com-ping', 'admin']) expect(html).toContain(`<b>${name}</b>`);
    const polylines = [...html.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!.split(' ').length);
    expect(polylines.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...polylines)).toBeGreaterThanOrEqual(20);
    expect(storefront!.p50! / 90).toBeGreaterThan(0.7);
    expect(storefront!.p50! / 90).toBeLessThan(1.4);
  });

  it('lists the open incident with its severity, age and acknowledgement, and says since when each check has its state', () => {
    expect(model.incidents).toEqual([
      expect.objectContaining({
        target: 'shop',
        check: 'checkout',
        severity: 'critical',
        acknowledged: { by: 'hanako', at: new Date('2026-12-04T04:00:00Z') },
      }),
    ]);
    expect(html).toMatch(
      new RegExp(
        '<b class=s4>Critical</b> shop/checkout <span class=m>· <time datetime="[^"]+">open 2 hours 5 minutes</time> · ' +
          'acknowledged by hanako at 13:00',
      ),
    );
    expect(html).toContain('<b>storefront</b> <small>HTTP</small><td class=m><b class=s0>OK</b> since 2026-12-03 12:20 (1 day 2 hours)');
  });

  it('shows the newest backup per database and the servers, and names the history object it could not read', () => {
    expect(html).toMatch(/<b>orders<\/b>: newest 2026-12-04 09:20, 12 MiB \(5 hours ago\)/);
    expect(html).toContain('web-1:/ <small>disk</small>: 87% used on web-1 (10.0.3.7) /');
    expect(model.problems).toEqual([
      expect.stringMatching(/^history\/days\/2026-12-03\/1m-part9\.json: not JSON: .*the day's bars and hours of its checks are missing$/),
    ]);
    expect(html).toContain('Some of what this page is drawn from could not be read');
  });

  it('needs no script, font or file from anywhere else', () => {
    expect(html).not.toMatch(/<script|<link |@import|url\(|src=|https?:\/\/(?!shop|pay|cdn|admin)/i);
    expect(html.startsWith('<!doctype html><html lang=en>')).toBe(true);
  });
});

describe('the public page', () => {
  it('leaves out hidden targets, summaries, backups, servers and host names; checks named from a host are numbered', async () => {
    const { store, config } = await storeWith({ ...fixture, statusPage: { public: true, hide: ['internal', 'shop/storefront'] } });
    const pages = await generateStatusPages(store, config, NOW);
    const html = pages.public!;
    expect(html).toContain('<b>checkout</b>');
    expect(html).toContain('<b>HTTP 3</b>');
    expect(html).not.toContain('storefront');
    expect(html.match(/admin|internal|example\.com|10\.0\.3\.7|web-1|503 from/g)).toBeNull();
    // No backups or servers section (the database's own check, named in the config, is a check like the others).
    expect(html).not.toMatch(/<h3>|newest 2026|12 MiB/);
    // The incident of a visible check stays, without its summary.
    expect(html).toMatch(/<b class=s4>Critical<\/b> shop\/checkout/);
    // The private page of the same store keeps everything.
    expect(pages.private).toContain('cdn.shop.example.com-ping');
  });

  it('shows host-derived names with showHosts', async () => {
    const { store, config } = await storeWith({ ...fixture, statusPage: { public: true, showHosts: true } });
    expect((await generateStatusPages(store, config, NOW)).public).toContain('<b>cdn.shop.example.com-ping</b>');
  });
});

describe('language and edge cases', () => {
  it('speaks Japanese when the config does', async () => {
    const { store, config } = await storeWith({ ...fixture, language: 'ja' });
    const html = (await generateStatusPages(store, config, NOW)).private;
    expect(html).toContain('<html lang=ja>');
    expect(html).toContain('5件中1件のチェックが異常です');
    expect(html).toContain('<b class=s4>緊急</b>');
    expect(html).toContain('hanako が');
  });

  it('draws a page for an empty store instead of failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-page-'));
    dirs.push(dir);
    const { config } = await storeWith(fixture);
    const html = (await generateStatusPages(new LocalObjectStore(dir), config, NOW)).private;
    expect(html).toContain('No checks have run yet');
    expect(html).toContain('<b class=s9>No data</b>');
  });

  it('escapes what servers and configs wrote: a summary with markup stays text', async () => {
    const { store, config } = await storeWith(fixture);
    const state = JSON.parse((await store.get('state/alerts/health.json'))!.body.toString());
    state.entries['shop/checkout'].summary = '<img src=x onerror=alert(1)> & "quotes"';
    await store.put('state/alerts/health.json', JSON.stringify(state));
    const html = (await generateStatusPages(store, config, NOW)).private;
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<img');
  });
});

describe('size', () => {
  it('stays under 300 KB for 500 checks with 90 days of history', async () => {
    const { store, config } = await storeWith({ now: NOW, checks: manyChecks(500, 5) });
    const html = (await generateStatusPages(store, config, NOW)).private;
    expect((html.match(/<tr><td><b>/g) ?? []).length).toBe(500);
    expect(Buffer.byteLength(html)).toBeLessThan(300 * 1024);
  }, 120_000);
});
