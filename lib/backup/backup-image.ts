import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { HANDLER_BUNDLE_OPTIONS } from '../lambda/bundle-options.js';
import { PROJECT_ROOT } from '../lambda/generated-entry.js';
import { BACKUP_ENTRY_POINTS, BACKUP_TASK_ENV } from '../../functions/backup/boundary.js';
import type { Config } from '../../functions/kinds/config.js';

export const BACKUP_DOCKERFILE = fileURLToPath(new URL('./docker/Dockerfile', import.meta.url));
/** Run by the image build: fails it unless the installed pg_dump can write zstd. */
export const PG_DUMP_CHECK = fileURLToPath(new URL('./docker/check-pg-dump.sh', import.meta.url));

/**
 * The same image as an ECS task (`backup.runOn: "fargate"`): the container runs the task entry
 * (functions/backup/task-entry.ts, bundled as task.mjs beside the Lambda handler) instead of the
 * Lambda runtime. The base image's ENTRYPOINT is the Lambda bootstrap, so a task definition sets
 * both entryPoint and command. The task input (which database) comes as AUTOPILOT_TARGET and
 * AUTOPILOT_DATABASE, or `--target`/`--database` after the command.
 */
export const BACKUP_TASK_CONTAINER_NAME = 'backup';
export const BACKUP_TASK_ENTRY_POINT = ['/var/lang/bin/node'] as const;
export const BACKUP_TASK_COMMAND = ['/var/task/task.mjs'] as const;
export { BACKUP_TASK_ENV };

export interface BackupImageProps {
  readonly config: Config;
  /**
   * The image's name: its build context's folder (`backup`, `backup-vpc`, `backup-fargate`: one
   * image per runner, each with only its own databases in its config). @default "backup"
   */
  readonly name?: string;
  /** @default `<projectRoot>/.autopilot/images/<name>` (git-ignored) */
  readonly directory?: string;
  /** Where the generated entries go. @default `.autopilot/entries` */
  readonly entriesDir?: string;
  /** @default the repository root */
  readonly projectRoot?: string;
}

/** The image's config, beside the bundles: `index.mjs` and `task.mjs` import it (`./config.json`). */
export const IMAGE_CONFIG_FILE = 'config.json';

/** Bundles made in this process, by entry: every image of one synth shares one pair (they differ only in config.json). */
const bundles = new Map<string, string>();

/**
 * Stages the Docker build context of a backup image: the Dockerfile, the pg_dump check it runs,
 * `config.json` (the runner's validated config), and two bundles made by the local esbuild that
 * import it: `index.mjs` (the Lambda handler) and `task.mjs` (the Fargate task entry). The config
 * is kept out of the bundles so that the images of one stack (outside the VPC, inside it, Fargate)
 * share them: one esbuild run each per synth. Only files are written; no Docker at synth.
 * Returns the directory.
 */
export function stageBackupImage(props: BackupImageProps): string {
  const root = props.projectRoot ?? PROJECT_ROOT;
  const name = props.name ?? 'backup';
  const dir = resolve(root, props.directory ?? join('.autopilot', 'images', name));
  mkdirSync(dir, { recursive: true });
  const entriesDir = resolve(root, props.entriesDir ?? join('.autopilot', 'entries'));
  writeIfChanged(join(dir, IMAGE_CONFIG_FILE), `${JSON.stringify(props.config, null, 2)}\n`);
  writeBundle(join(dir, 'index.mjs'), imageEntry(entriesDir, root, 'backup-image.ts', BACKUP_ENTRY_POINTS.handler, 'handler'));
  writeBundle(join(dir, 'task.mjs'), imageEntry(entriesDir, root, 'backup-task.ts', BACKUP_ENTRY_POINTS.task, 'task'));
  copyFileSync(BACKUP_DOCKERFILE, join(dir, 'Dockerfile'));
  copyFileSync(PG_DUMP_CHECK, join(dir, 'check-pg-dump.sh'));
  return dir;
}

/** Bundles `entry` into `outfile`, reusing this process's earlier bundle of the same entry. */
function writeBundle(outfile: string, entry: string): void {
  let code = bundles.get(entry);
  if (code === undefined) {
    const result = buildSync({
      entryPoints: [entry],
      write: false,
      outfile,
      ...HANDLER_BUNDLE_OPTIONS,
      target: 'node24',
      legalComments: 'none',
      // ./config.json stays an import of the bundle: the image carries it beside the code.
      external: [...HANDLER_BUNDLE_OPTIONS.external, `./${IMAGE_CONFIG_FILE}`],
    });
    code = result.outputFiles[0]!.text;
    bundles.set(entry, code);
  }
  writeIfChanged(outfile, code);
}

/**
 * The entry of one bundle of the image: it imports the image's config.json and hands it to the
 * module's `createHandler(config)` (the Lambda handler) or `taskMain(config)` (the Fargate task).
 */
function imageEntry(dir: string, root: string, fileName: string, module: string, kind: 'handler' | 'task'): string {
  mkdirSync(dir, { recursive: true });
  let specifier = relative(dir, join(root, module.replace(/\.ts$/, '.js')))
    .split(sep)
    .join('/');
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  const file = join(dir, fileName);
  const text = [
    "// Generated by lib/backup/backup-image.ts at synth; do not edit. ./config.json is the image's, beside the bundle.",
    `import config from './${IMAGE_CONFIG_FILE}' with { type: 'json' };`,
    kind === 'handler'
      ? `import { createHandler } from ${JSON.stringify(specifier)};`
      : `import { taskMain } from ${JSON.stringify(specifier)};`,
    '',
    kind === 'handler' ? 'export const handler = createHandler(config);' : 'await taskMain(config);',
    '',
  ].join('\n');
  writeIfChanged(file, text);
  return file;
}

function writeIfChanged(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}
