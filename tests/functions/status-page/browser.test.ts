import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { gatherStatus } from '../../../functions/status-page/gather.js';
import { buildPageModel } from '../../../functions/status-page/page/build-model.js';
import { formatUptime, renderPage } from '../../../functions/status-page/page/render-page.js';
import { chromiumMissing, dumpDom, screenshot } from '../../support/chromium.js';
import { countColour, decodePng } from '../../support/png.js';
import { writeStatusFixture } from '../../support/status-fixture.js';

/**
 * The page as a person sees it (issue 23): rendered from a fixture history, opened in headless Chromium, read back
 * from the DOM Chromium built (names, percentages, the charts' points) and from a screenshot's pixels (the bars' and
 * the chart's colours are on screen, the page is not blank).
 */
const NOW = new Date('2026-12-04T05:20:00Z');
let dir: string;
let file: string;
let storefrontUptime: string;
let checkoutUptime: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-browser-'));
  const store = new LocalObjectStore(join(dir, 'store'));
  const config = await writeStatusFixture(store, {
    now: NOW,
    checks: [
      { target: 'shop', name: 'storefront', url: 'https://shop.example.com/health', medianMs: 90 },
      {
        target: 'shop',
        name: 'checkout',
        url: 'https://pay.example.com/health',
        failingNow: true,
        outageDays: [3, 20, 40],
        failRate: 0.01,
      },
    ],
  });
  const model = buildPageModel(config, await gatherStatus(store, NOW, config.timezone), 'private');
  const [storefront, checkout] = model.targets[0]!.checks;
  storefrontUptime = formatUptime(storefront!.uptime!);
  checkoutUptime = formatUptime(checkout!.uptime!);
  file = join(dir, 'status.html');
  writeFileSync(file, renderPage(model));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(chromiumMissing)(`the status page in headless Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  it('shows both checks by name with their uptime, and a 24-hour chart with points for each', async () => {
    const dom = await dumpDom(file);
    expect(dom).toContain('<b>storefront</b>');
    expect(dom).toContain('<b>checkout</b>');
    expect(storefrontUptime).toBe('100%');
    expect(Number.parseFloat(checkoutUptime)).toBeLessThan(100);
    // Chromium's own serialisation: the row's cells as it parsed them (end tags it added itself).
    const cell = (uptime: string) => new RegExp(`<td class="u">(?:(?!</td>)[\\s\\S])*<span>${uptime.replace('.', '\\.')}</span></td>`);
    expect(dom).toMatch(cell(storefrontUptime));
    expect(dom).toMatch(cell(checkoutUptime));
    const charts = [...dom.matchAll(/<svg class="ch"[^>]*>(.*?)<\/svg>/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    for (const chart of charts) {
      const points = [...chart.matchAll(/<polyline points="([^"]+)"/g)].flatMap((m) => m[1]!.split(' '));
      expect(points.length).toBeGreaterThanOrEqual(12);
      for (const point of points) expect(point).toMatch(/^\d+,\d+$/);
    }
    expect(dom).toMatch(/Critical<\/b> shop\/checkout/);
  });

  it('draws them: a screenshot has the red header, green bars, the failing days and the chart lines on screen', async () => {
    const png = decodePng(await screenshot(file, 1100, 700));
    expect([png.width, png.height]).toEqual([1100, 700]);
    const all = png.width * png.height;
    const background = countColour(png, [0xf1, 0xf3, 0xf5], 2) + countColour(png, [0xff, 0xff, 0xff], 2);
    const header = countColour(png, [0xc9, 0x2a, 0x2a], 8);
    const greenBars = countColour(png, [0x40, 0xc0, 0x57], 12);
    const redBars = countColour(png, [0xf0, 0x3e, 0x3e], 12);
    const chartLine = countColour(png, [0x1c, 0x7e, 0xd6], 30);
    // Not blank: a good share of the window is neither the page background nor white.
    expect((all - background) / all).toBeGreaterThan(0.15);
    expect(header).toBeGreaterThan(png.width * 60);
    expect(greenBars).toBeGreaterThan(1_000);
    expect(redBars).toBeGreaterThan(40);
    expect(chartLine).toBeGreaterThan(100);
    process.stdout.write(
      `status page screenshot ${png.width}x${png.height}: ${(((all - background) / all) * 100).toFixed(1)}% drawn, header ${header} px, ` +
        `green bars ${greenBars} px, red bars and marks ${redBars} px, chart lines ${chartLine} px; uptime ${storefrontUptime} and ` +
        `${checkoutUptime}\n`,
    );
  });
});
