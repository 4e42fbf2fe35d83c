// Compiles the CLI (bin/autopilot.ts and everything it imports) into dist/ with esbuild, and again
// whenever a source is newer than the last build. tsx transpiling every module at every start cost
// `autopilot help` 1.1 s and 130 MB; the compiled, code-split CLI loads only what a command uses.
// Plain JavaScript: it runs before anything is compiled.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, 'cli.json');
/** What the CLI is built from; scripts (.sh) are read from their source folders at run time. */
const SOURCE_DIRS = ['bin', 'functions'];
/** A build another process may still be running from is kept this long after it is replaced. */
const KEEP_REPLACED_MS = 10 * 60 * 1000;

/** The newest modification time among the sources and their folders (a deleted file changes its folder's). */
function newestSource() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  for (const top of SOURCE_DIRS) {
    const dir = join(ROOT, top);
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isDirectory() || /\.(ts|mts|mjs)$/.test(entry.name)) {
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
  }
  return newest;
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Bundled code would see the bundle's URL as `import.meta.url`; modules that find files beside
 * themselves (the SSM scripts, the embedded example) must keep seeing their own source's URL.
 */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

async function compile(newest) {
  const { build } = await import('esbuild');
  mkdirSync(DIST, { recursive: true });
  const dir = join(DIST, `cli-${Date.now()}-${process.pid}`);
  await build({
    entryPoints: { autopilot: join(ROOT, 'bin', 'autopilot.ts') },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    logLevel: 'error',
    plugins: [sourceUrls],
  });
  // Concurrent first runs each build their own folder; the stamp names one, replaced atomically.
  const next = `${STAMP}.${process.pid}`;
  writeFileSync(next, JSON.stringify({ dir: basename(dir), newest }));
  renameSync(next, STAMP);
  for (const old of readdirSync(DIST)) {
    if (!old.startsWith('cli-') || old === basename(dir)) continue;
    const path = join(DIST, old);
    // Another process's first run may be removing the same old build at this moment.
    const built = statSync(path, { throwIfNoEntry: false });
    if (built && Date.now() - built.mtimeMs > KEEP_REPLACED_MS) rmSync(path, { recursive: true, force: true });
  }
  return join(dir, 'autopilot.js');
}

/** The compiled CLI's entry, built first when missing or older than a source. */
export async function compiledCli() {
  const newest = newestSource();
  const stamp = readStamp();
  if (stamp && stamp.newest >= newest) {
    const entry = join(DIST, stamp.dir, 'autopilot.js');
    try {
      statSync(entry);
      return entry;
    } catch {
      // removed by hand: build again
    }
  }
  return compile(newest);
}
