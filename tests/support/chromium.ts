import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's chromium, which .ci/run installs; a test that needs it skips, saying why, where it is missing. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (Debian package chromium; .ci/run installs it)`;

/** Headless Chromium with a profile of its own, nothing fetched in the background, no sandbox (root in CI). */
async function chromium(args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'autopilot-chromium-'));
  try {
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM after Chromium loaded and laid it out (`--dump-dom`). */
export function dumpDom(file: string): Promise<string> {
  return chromium(['--dump-dom', `file://${file}`]);
}

/** A PNG screenshot of the page at `width` x `height`. */
export async function screenshot(file: string, width: number, height: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-shot-'));
  try {
    const png = join(dir, 'page.png');
    await chromium([`--window-size=${width},${height}`, '--hide-scrollbars', `--screenshot=${png}`, `file://${file}`]);
    return readFileSync(png);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
