#!/usr/bin/env node
// The `autopilot` executable: runs the compiled CLI (dist/, rebuilt when a source changed). Where
// the checkout cannot be written (an install owned by another user), tsx runs the sources instead.
// A backup runs with the backup image's V8 flags: without them, this process starts the CLI again
// with them and ends as that child does (backup-node-flags.mjs).
import { fileURLToPath } from 'node:url';
import { relaunchForBackup } from './backup-node-flags.mjs';
import { compiledCli } from './build-cli.mjs';

if ((await relaunchForBackup(fileURLToPath(import.meta.url), process.argv.slice(2))) === false) {
  let entry;
  try {
    entry = await compiledCli();
  } catch (error) {
    if (!['EACCES', 'EROFS', 'EPERM'].includes(error?.code)) throw error;
  }
  if (entry) {
    await import(entry);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./autopilot.ts');
  }
}
