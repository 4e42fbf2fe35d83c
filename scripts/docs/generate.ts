/**
 * The docs' generated blocks, and their checks.
 *
 *   npm run docs                  rewrites every generated block of README.md and docs/ from the code
 *   npm run lint:docs             (part of npm run lint) changes nothing; fails when a block is stale, a relative link or
 *                                 heading is missing, or a doc names CONTRACT or ../shared
 *
 * Options: --check (what lint:docs passes), --root <dir> (another copy of the project, for tests).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRenderers } from './blocks.js';
import { brokenLinks, type DocProblem, forbiddenReferences } from './links.js';
import { findBlocks, MarkerError, replaceBlocks } from './markers.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The Markdown the checks cover: the top level's (README.md, ...) and everything under docs/, relative to `root`. */
export function docFiles(root: string): string[] {
  const top = readdirSync(root).filter((name) => name.endsWith('.md') && statSync(join(root, name)).isFile());
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.md') ? [path] : [];
    });
  let docs: string[] = [];
  try {
    docs = walk('docs');
  } catch {
    // no docs/ yet
  }
  return [...top, ...docs].sort();
}

export interface DocsRun {
  /** Files whose blocks changed (written, or stale under --check). */
  readonly changed: readonly string[];
  readonly problems: readonly DocProblem[];
}

/** Renders every block of every doc under `root`; writes the files unless `check`, and reports what is wrong. */
export async function runDocs(root: string, options: { readonly check: boolean }): Promise<DocsRun> {
  const renderers = await loadRenderers();
  const changed: string[] = [];
  const problems: DocProblem[] = [];
  for (const file of docFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    let blocks: ReturnType<typeof findBlocks>;
    try {
      blocks = findBlocks(text, file);
    } catch (error) {
      if (!(error instanceof MarkerError)) throw error;
      problems.push({ file, line: error.line, message: error.detail });
      continue;
    }
    const unknown = blocks.filter((b) => !renderers.has(b.name));
    for (const block of unknown) {
      problems.push({
        file,
        line: block.line,
        message: `unknown generated block "${block.name}" (known: ${[...renderers.keys()].sort().join(', ')})`,
      });
    }
    if (unknown.length) continue;
    const context = { root, file };
    const rendered = replaceBlocks(text, file, (name) => renderers.get(name)!(context));
    if (rendered !== text) {
      changed.push(file);
      if (options.check) {
        const fresh = findBlocks(rendered, file);
        blocks.forEach((block, i) => {
          if (block.content !== fresh[i]!.content)
            problems.push({ file, line: block.line, message: `generated block "${block.name}" is stale: run npm run docs` });
        });
      } else {
        writeFileSync(join(root, file), rendered);
      }
    }
    problems.push(...brokenLinks(root, file, options.check ? text : rendered), ...forbiddenReferences(file, text));
  }
  return { changed, problems };
}

function format(problem: DocProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { check: { type: 'boolean', default: false }, root: { type: 'string' } },
  });
  const root = resolve(values.root ?? PROJECT_ROOT);
  const { changed, problems } = await runDocs(root, { check: values.check });
  if (!values.check) for (const file of changed) process.stdout.write(`docs: regenerated ${relative(root, join(root, file))}\n`);
  for (const problem of problems) process.stderr.write(`docs: ${format(problem)}\n`);
  if (problems.length) return 1;
  if (values.check) process.stdout.write(`docs: ${docFiles(root).length} files, every generated block current, every link resolves\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`docs: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
