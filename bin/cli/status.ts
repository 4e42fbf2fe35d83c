import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../functions/core/errors.js';
import { formatBytes } from '../../functions/core/text/format-bytes.js';
import { printable } from '../../functions/core/text/printable.js';
import { generateStatusPages } from '../../functions/status-page/generate.js';
import { configPath, loadCliConfig } from './config-file.js';
import { EXIT } from './exit-status.js';
import { localStore } from './local-context.js';

/** Writes `text` to `file` through a temporary file beside it, so a reader never sees half a page. */
function writeWhole(file: string, text: string, flag: string): void {
  const temp = `${file}.partial-${randomUUID()}`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${flag} ${file}: cannot write the page there (${code})`);
  }
}

/** `<out>` with `.public` before its extension: `status.html` -> `status.public.html`. */
export function publicPath(out: string): string {
  const dot = out.lastIndexOf('.');
  return dot > out.lastIndexOf('/') ? `${out.slice(0, dot)}.public${out.slice(dot)}` : `${out}.public.html`;
}

/** What `status` reads of its flags (bin/cli/commands.ts declares them). */
export interface StatusFlags {
  readonly config?: string;
  readonly local: boolean;
  readonly store: string;
  readonly out: string;
  readonly stack: string;
}

/**
 * `autopilot status`: draws the page from the local store (--local) or the deployed bucket and writes it to --out
 * (and the public variant beside it when `statusPage.public`). Prints where, and what could not be read.
 */
export async function status(args: StatusFlags): Promise<number> {
  // Locally without a config, the embedded example (as `run --local` and the demo draw it).
  const config = await loadCliConfig(configPath(args.config, { orExample: args.local })!);
  const out = resolve(args.out);
  let parent: ReturnType<typeof statSync> | undefined;
  try {
    parent = statSync(dirname(out));
  } catch {
    // reported below as not a directory
  }
  if (!parent?.isDirectory()) throw new ConfigError(`--out ${args.out}: ${dirname(out)} is not a directory`);
  // The AWS SDK is loaded only to read the deployed bucket: a local page needs none of it.
  const store = args.local ? await localStore(args.store) : await (await import('./deployed-store.js')).deployedStore('status', args.stack);
  const pages = await generateStatusPages(store, config, new Date());
  writeWhole(out, pages.private, '--out');
  const lines = [`wrote ${out} (${formatBytes(Buffer.byteLength(pages.private))}) from ${store.location}`];
  if (pages.public !== undefined) {
    const file = publicPath(out);
    writeWhole(file, pages.public, '--out');
    lines.push(`wrote ${file} (${formatBytes(Buffer.byteLength(pages.public))}): the public variant`);
  }
  for (const problem of pages.inputs.problems) process.stderr.write(`autopilot: status: ${printable(problem, 2_000)}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
