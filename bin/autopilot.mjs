#!/usr/bin/env node
// The `autopilot` executable: runs the compiled CLI (dist/, rebuilt when a source changed). Where
// the checkout cannot be written (an install owned by another user), tsx runs the sources instead.
import { compiledCli } from './build-cli.mjs';

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
