import { readFileSync, utimesSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAutopilot } from '../support/cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const stamp = (): { dir: string; newest: number } => JSON.parse(readFileSync(join(ROOT, 'dist', 'cli.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the compiled CLI', () => {
  it('prints the usage from the compiled build, and builds again when a source is newer than the build', async () => {
    const first = await runAutopilot(['help']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('autopilot run <health|backup|disk|security|digest|all>');
    const before = stamp();
    // A source edited after the build (the mtime is all the build looks at).
    const source = join(ROOT, 'bin', 'cli', 'output.ts');
    const later = new Date(Math.max(Date.now(), before.newest + 1000));
    utimesSync(source, later, later);
    const second = await runAutopilot(['help']);
    expect(second.code).toBe(0);
    const after = stamp();
    expect(after.newest).toBeGreaterThan(before.newest);
    expect(after.dir).not.toBe(before.dir);
  });

  it('loads a plain .ts config by type stripping and one written for a TypeScript loader through tsx', async () => {
    const plain = join(scratch, 'plain.config.ts');
    writeFileSync(
      plain,
      "const name: string = 'api';\nexport default { targets: { one: { health: [{ name, url: 'http://127.0.0.1:9/' }] } } };\n",
    );
    const stripped = await runAutopilot(['run', 'health', '--local', '--json', '--config', plain, '--store', join(scratch, 'a')]);
    expect(stripped.stderr).not.toContain('cannot load');
    expect(JSON.parse(stripped.stdout).findings[0]).toMatchObject({ target: 'one', check: 'api', kind: 'http', severity: 'critical' });

    // The embedded example imports '../functions/index.js', which is a .ts file: only tsx resolves that.
    const example = join(ROOT, 'examples', 'runbooks.config.ts');
    const loaderOnly = await runAutopilot([
      'run',
      'health',
      '--local',
      '--json',
      '--config',
      example,
      '--target',
      'mycats',
      '--store',
      join(scratch, 'b'),
    ]);
    expect(loaderOnly.stderr).not.toContain('cannot load');
    expect(JSON.parse(loaderOnly.stdout).findings.every((f: { target: string }) => f.target === 'mycats')).toBe(true);
  });
});
