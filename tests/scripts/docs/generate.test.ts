import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docFiles, PROJECT_ROOT, runDocs } from '../../../scripts/docs/generate.js';
import { findBlocks } from '../../../scripts/docs/markers.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'autopilot-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
/**
 * A copy of the project's docs (README.md, the other top-level pages, docs/) in a scratch directory, beside links to
 * everything else, so links into the code resolve as they do in the repository and the copy can be tampered with.
 */
function copyOfDocs(): string {
  const root = join(scratch, `copy-${copies++}`);
  cpSync(join(PROJECT_ROOT, 'docs'), join(root, 'docs'), { recursive: true });
  for (const entry of readdirSync(PROJECT_ROOT)) {
    if (entry === 'docs' || entry === '.git') continue;
    if (entry.endsWith('.md')) cpSync(join(PROJECT_ROOT, entry), join(root, entry));
    else symlinkSync(join(PROJECT_ROOT, entry), join(root, entry));
  }
  return root;
}

function edit(root: string, file: string, change: (text: string) => string): void {
  const path = join(root, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

let clean: string;
beforeAll(() => {
  clean = copyOfDocs();
});

describe('the docs check (npm run lint:docs)', () => {
  it('passes the docs as they are in the repository: every block current, every link and heading there', async () => {
    const { changed, problems } = await runDocs(clean, { check: true });
    expect(problems).toEqual([]);
    expect(changed).toEqual([]);
    // The blocks the brief asks for are all in use somewhere.
    const names = new Set(docFiles(clean).flatMap((f) => findBlocks(readFileSync(join(clean, f), 'utf8'), f).map((b) => b.name)));
    for (const name of ['kinds', 'matrix', 'config-keys', 'env', 'jobs', 'channels', 'cost']) expect(names, name).toContain(name);
  });

  it('fails on a generated block changed by hand, naming the file and the block, and npm run docs puts it back', async () => {
    const root = copyOfDocs();
    const original = readFileSync(join(root, 'docs/alerts.md'), 'utf8');
    edit(root, 'docs/alerts.md', (text) => text.replace('| `http.availability` |', '| `http.availability` (edited) |'));
    const { problems } = await runDocs(root, { check: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('docs/alerts.md');
    expect(problems[0]!.message).toBe('generated block "matrix" is stale: run npm run docs');

    const written = await runDocs(root, { check: false });
    expect(written.changed).toEqual(['docs/alerts.md']);
    expect(readFileSync(join(root, 'docs/alerts.md'), 'utf8')).toBe(original);
    expect((await runDocs(root, { check: true })).problems).toEqual([]);
  });

  it('exits 1 from the command line with the message lint prints', async () => {
    const root = copyOfDocs();
    edit(root, 'docs/operating.md', (text) =>
      text.replace(/(<!-- generated:env -->\n)/, '$1| `AUTOPILOT_SOMETHING` | you | hand-written |\n'),
    );
    const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const failed = await run(tsx, [join(PROJECT_ROOT, 'scripts/docs/generate.ts'), '--check', '--root', root]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^docs: docs\/operating\.md:\d+: generated block "env" is stale: run npm run docs$/m);
  });

  it('fails on a broken relative link, a missing heading, and a link out of the repository; links in code are not links', async () => {
    const root = copyOfDocs();
    edit(
      root,
      'docs/cli.md',
      (text) =>
        `${text}\n[gone](no-such-page.md) [heading](alerts.md#no-such-heading) [here](#no-such-anchor) [out](../../etc/passwd)\n` +
        '`[code](not-a-link.md)`\n\n```md\n[fenced](not-a-link-either.md)\n```\n[fine](alerts.md#the-severity-matrix) [web](https://example.com/x.md)\n',
    );
    const { problems } = await runDocs(root, { check: true });
    expect(problems.map((p) => p.message)).toEqual([
      'link no-such-page.md: no such file docs/no-such-page.md',
      'link alerts.md#no-such-heading: no heading #no-such-heading in docs/alerts.md',
      'link #no-such-anchor: no heading #no-such-anchor in docs/cli.md',
      'link ../../etc/passwd leaves the repository',
    ]);
    expect(new Set(problems.map((p) => p.file))).toEqual(new Set(['docs/cli.md']));
  });

  it('fails on a page that names CONTRACT or points at ../shared, and on an unknown or unclosed block', async () => {
    const root = copyOfDocs();
    edit(root, 'docs/backups.md', (text) => `${text}\nAs CONTRACT section 2 says.\nSee ../shared/runbooks.\n`);
    edit(root, 'docs/servers.md', (text) => `${text}\n<!-- generated:no-such-table -->\n<!-- /generated:no-such-table -->\n`);
    edit(root, 'docs/benchmarks.md', (text) => `${text}\n<!-- generated:kinds -->\n`);
    const { problems } = await runDocs(root, { check: true });
    const messages = problems.map((p) => `${p.file}: ${p.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/backups\.md: "CONTRACT" names a document/));
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/backups\.md: "\.\.\/shared" points outside the repository/));
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/servers\.md: unknown generated block "no-such-table" \(known: .*kinds/));
    expect(messages).toContainEqual('docs/benchmarks.md: generated block "kinds" has no end marker <!-- /generated:kinds -->');
    expect(problems).toHaveLength(4);
  });
});
