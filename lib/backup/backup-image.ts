import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { Config } from '../../functions/core/config/schema.js';
import { HANDLER_BUNDLE_OPTIONS } from '../lambda/bundle-options.js';
import { PROJECT_ROOT, writeGeneratedEntry } from '../lambda/generated-entry.js';

export const BACKUP_DOCKERFILE = fileURLToPath(new URL('./docker/Dockerfile', import.meta.url));

export interface BackupImageProps {
  readonly config: Config;
  /** @default `<projectRoot>/.autopilot/images/backup` (git-ignored) */
  readonly directory?: string;
  /** Where the generated entry goes. @default `.autopilot/entries` */
  readonly entriesDir?: string;
  /** @default the repository root */
  readonly projectRoot?: string;
}

/**
 * Stages the Docker build context of the backup function: the Dockerfile and `index.mjs`, the
 * handler with its config bundled by the local esbuild (the same generated entry as the zip
 * functions). Only files are written; no Docker at synth. Returns the directory.
 */
export function stageBackupImage(props: BackupImageProps): string {
  const root = props.projectRoot ?? PROJECT_ROOT;
  const dir = resolve(root, props.directory ?? join('.autopilot', 'images', 'backup'));
  mkdirSync(dir, { recursive: true });
  const entry = writeGeneratedEntry({
    name: 'backup-image',
    config: props.config,
    handlerFile: join('functions', 'backup', 'handler.ts'),
    entriesDir: props.entriesDir,
    projectRoot: root,
  });
  buildSync({
    entryPoints: [entry],
    outfile: join(dir, 'index.mjs'),
    ...HANDLER_BUNDLE_OPTIONS,
    target: 'node24',
    legalComments: 'none',
  });
  copyFileSync(BACKUP_DOCKERFILE, join(dir, 'Dockerfile'));
  return dir;
}
