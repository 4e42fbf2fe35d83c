import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

/**
 * The layer rules of `npm run lint:layers` (.dependency-cruiser.cjs), run on small trees laid out like the repository:
 * each forbidden import must fail the lint, naming its rule, and the allowed ones must pass. A rule that matched
 * nothing would let the real tree pass for the wrong reason.
 */
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let trees = 0;
async function lint(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = join(scratch, `tree-${trees++}`);
  const all = { 'tsconfig.json': '{ "compilerOptions": { "module": "nodenext", "allowImportingTsExtensions": true } }', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const tops = [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))];
  try {
    const { stdout } = await run(DEPCRUISE, [...tops, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
      cwd: dir,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

const leaf = 'export const x = 1;\n';
const uses = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

describe('the layer rules (npm run lint:layers)', () => {
  it('pass a tree where every import points down', async () => {
    const result = await lint({
      'functions/core/domain/finding.ts': leaf,
      'functions/kinds/probe-support.ts': uses('../core/domain/finding.ts'),
      'functions/kinds/http/kind.ts': uses('../probe-support.ts'),
      'functions/kinds/registry.ts': uses('./http/kind.ts'),
      'functions/health/handler.ts': uses('../kinds/registry.ts'),
      'functions/backup/boundary.ts': leaf,
      'lib/backup/backup-job.ts': uses('../../functions/backup/boundary.ts'),
      'bin/autopilot.ts': uses('../functions/health/handler.ts'),
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'core-imports-nothing-above',
      { 'functions/kinds/registry.ts': leaf, 'functions/core/config/schema.ts': uses('../../kinds/registry.ts') },
    ],
    [
      'a-kind-imports-only-its-own-folder',
      { 'functions/kinds/tcp/probe.ts': leaf, 'functions/kinds/http/probe.ts': uses('../tcp/probe.ts') },
    ],
    ['kinds-import-only-core', { 'functions/health/limiter.ts': leaf, 'functions/kinds/http/probe.ts': uses('../../health/limiter.ts') }],
    [
      'constructs-import-jobs-only-through-their-boundary',
      { 'functions/backup/backup-postgres.ts': leaf, 'lib/backup/backup-job.ts': uses('../../functions/backup/backup-postgres.ts') },
    ],
    ['functions-never-import-the-app', { 'lib/s3/bucket.ts': leaf, 'functions/backup/handler.ts': uses('../../lib/s3/bucket.ts') }],
    ['no-circular', { 'functions/core/a.ts': uses('./b.ts'), 'functions/core/b.ts': uses('./a.ts') }],
  ])('fail on %s', async (rule, files) => {
    const result = await lint(files);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`error ${rule}:`);
  });
});
